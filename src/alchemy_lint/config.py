"""One `Settings` type, read from `[tool.alchemy-lint]` and overridden by the CLI.

Every bad key or value becomes a `ConfigError` naming the key and what is allowed.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_MODELS_MODULES = ("**/db_models.py", "**/models.py", "**/model.py", "**/models/**")
DEFAULT_DB_MODULES = ("**/db_methods.py", "**/db.py", "**/database.py", "**/db/**")
TRANSACTION_POLICIES = ("auto", "explicit", "unit-of-work")
CODE_PATTERN = re.compile(r"^(ALL|ASA\d{0,3})$")


class ConfigError(Exception):
    """A configuration problem to show the user as one line, exit code 2."""


@dataclass(frozen=True, slots=True)
class Settings:
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    preview: bool = False
    models_modules: tuple[str, ...] = DEFAULT_MODELS_MODULES
    db_modules: tuple[str, ...] = DEFAULT_DB_MODULES
    session_helper: str = "get_a_session"
    transaction_policy: str = "auto"
    extra_session_types: tuple[str, ...] = ()
    #: Where the settings came from, for messages; not part of the cache key.
    source: str = field(default="defaults", compare=False)

    def cache_key(self) -> str:
        """What, in the settings, changes facts or findings."""
        return repr(replace(self, source=""))


def _codes(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{key} must be a list of rule codes or prefixes, e.g. ["ASA101", "ASA3"]')
    for item in value:
        if not CODE_PATTERN.match(item.strip().upper()):
            raise ConfigError(f"{key}: {item!r} is not a rule code or prefix (allowed: ALL, ASA, ASA1, ASA101, ...)")
    return tuple(item.strip().upper() for item in value)


def _globs(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f'{key} must be a list of glob patterns, e.g. ["**/models.py"]')
    return tuple(value)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    return value


def _policy(key: str, value: Any) -> str:
    if value not in TRANSACTION_POLICIES:
        allowed = ", ".join(repr(p) for p in TRANSACTION_POLICIES)
        raise ConfigError(f"{key} must be one of {allowed}, not {value!r}")
    return str(value)


def _identifier(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.isidentifier():
        raise ConfigError(f"{key} must be a Python function name, not {value!r}")
    return value


def _dotted(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and all(part.isidentifier() for part in item.split(".")) for item in value
    ):
        raise ConfigError(f'{key} must be a list of dotted names, e.g. ["app.db.Session"]')
    return tuple(value)


def _per_file_ignores(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{key} must be a table of glob = [codes], e.g. {{"tests/**" = ["ASA101"]}}')
    return tuple((str(glob), _codes(f"{key}.{glob}", codes)) for glob, codes in value.items())


_FIELDS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "select": ("select", _codes),
    "extend-select": ("extend_select", _codes),
    "ignore": ("ignore", _codes),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", _globs),
    "preview": ("preview", _bool),
    "models-modules": ("models_modules", _globs),
    "db-modules": ("db_modules", _globs),
    "session-helper": ("session_helper", _identifier),
    "transaction-policy": ("transaction_policy", _policy),
    "extra-session-types": ("extra_session_types", _dotted),
}

ALLOWED_KEYS = tuple(_FIELDS)


def settings_from_mapping(table: Mapping[str, Any], source: str) -> Settings:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _FIELDS:
            raise ConfigError(
                f"{source}: unknown key {key!r} in [tool.alchemy-lint]; allowed: {', '.join(ALLOWED_KEYS)}"
            )
        attribute, convert = _FIELDS[key]
        try:
            values[attribute] = convert(key, raw)
        except ConfigError as error:
            raise ConfigError(f"{source}: [tool.alchemy-lint] {error}") from None
    return Settings(**values, source=source)


def load_settings(root: Path) -> Settings:
    """Settings from `root/pyproject.toml`, or the defaults when it has none."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Settings()
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{pyproject.name}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{pyproject.name}: cannot read TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per nested table or array
        raise ConfigError(f"{pyproject.name}: cannot read TOML: nested too deeply") from None
    tool = document.get("tool", {})
    table = tool.get("alchemy-lint") if isinstance(tool, dict) else None
    if table is None:
        return Settings(source=pyproject.name)
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject.name}: [tool.alchemy-lint] must be a table")
    return settings_from_mapping(table, pyproject.name)


def override(
    settings: Settings,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> Settings:
    """CLI flags replace what the file says; `None` keeps it."""
    return replace(
        settings,
        select=_codes("--select", list(select)) if select else settings.select,
        ignore=_codes("--ignore", list(ignore)) if ignore else settings.ignore,
        extend_select=_codes("--extend-select", list(extend_select)) if extend_select else settings.extend_select,
    )


@functools.lru_cache(maxsize=512)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Translate a `**`-aware glob to a regex over posix paths."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out) + r"\Z")


def matches_any(relative_path: str, patterns: Iterable[str]) -> bool:
    """Whether a project-relative posix path matches one of the globs.

    A pattern without a slash matches the file name anywhere, as in `.gitignore`.
    """
    name = relative_path.rsplit("/", 1)[-1]
    for pattern in patterns:
        regex = glob_to_regex(pattern.rstrip("/"))
        candidate = relative_path if "/" in pattern.rstrip("/") else name
        if regex.match(candidate) or regex.match(relative_path):
            return True
        if pattern.endswith("/") or "/" not in pattern:
            # A folder pattern also covers everything below it.
            parts = relative_path.split("/")[:-1]
            if any(regex.match(part) for part in parts):
                return True
    return False
