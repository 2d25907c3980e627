"""One `Settings` type, read from `[tool.alchemy-lint]` (or `--config`) and overridden by the CLI.

Every bad key or value becomes a `ConfigError` naming the key and what is allowed; a table
that looks misspelled (`[tool.alchemy_lint]`) becomes a warning the CLI prints.
"""

from __future__ import annotations

import difflib
import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import Any, TypedDict

from alchemy_lint.records import record

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_MODELS_MODULES = ("**/db_models.py", "**/models.py", "**/model.py", "**/models/**")
DEFAULT_DB_MODULES = ("**/db_methods.py", "**/db.py", "**/database.py", "**/db/**")
TRANSACTION_POLICIES = ("auto", "explicit", "unit-of-work")
CODE_PATTERN = re.compile(r"^(ALL|ASA\d{0,3})$")
TABLE = "alchemy-lint"


class ConfigError(Exception):
    """A configuration problem to show the user as one line, exit code 2."""


@record
class Settings:
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: `exclude` and `extend-exclude` of the configuration, in that order.
    exclude: tuple[str, ...] = ()
    #: Leave out what `.gitignore` and `.ignore` files (and git's other excludes) ignore.
    respect_gitignore: bool = True
    preview: bool = False
    models_modules: tuple[str, ...] = DEFAULT_MODELS_MODULES
    db_modules: tuple[str, ...] = DEFAULT_DB_MODULES
    session_helper: str = "get_a_session"
    transaction_policy: str = "auto"
    extra_session_types: tuple[str, ...] = ()
    #: Where the settings came from, for messages; not part of the cache key.
    source: str = field(default="defaults", compare=False)
    #: What looks wrong in the configuration without being an error (a misspelled table).
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def cache_key(self) -> str:
        """What, in the settings, changes facts or findings (what is walked counts by the files read)."""
        return repr(replace(self, source="", warnings=(), respect_gitignore=True))


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
    "extend-exclude": ("exclude", _globs),
    "respect-gitignore": ("respect_gitignore", _bool),
    "preview": ("preview", _bool),
    "models-modules": ("models_modules", _globs),
    "db-modules": ("db_modules", _globs),
    "session-helper": ("session_helper", _identifier),
    "transaction-policy": ("transaction_policy", _policy),
    "extra-session-types": ("extra_session_types", _dotted),
}

ALLOWED_KEYS = tuple(_FIELDS)


def settings_from_mapping(table: Mapping[str, Any], source: str, warnings: Iterable[str] = ()) -> Settings:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _FIELDS:
            raise ConfigError(
                f"{source}: unknown key {key!r} in [tool.{TABLE}]{_did_you_mean(key, ALLOWED_KEYS)}; "
                f"allowed: {', '.join(ALLOWED_KEYS)}"
            )
        convert = _FIELDS[key][1]
        try:
            values[key] = convert(key, raw)
        except ConfigError as error:
            raise ConfigError(f"{source}: [tool.{TABLE}] {error}") from None
    fields = {_FIELDS[key][0]: value for key, value in values.items() if key != "extend-exclude"}
    if "extend-exclude" in values:
        fields["exclude"] = (*values.get("exclude", ()), *values["extend-exclude"])
    return Settings(**fields, source=source, warnings=tuple(warnings))


def _normalized(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _did_you_mean(key: str, allowed: Iterable[str]) -> str:
    """`; did you mean 'per-file-ignores'?` for `per_file_ignores` and other near misses."""
    by_form = {_normalized(name): name for name in allowed}
    match = by_form.get(_normalized(key))
    if match is None:
        close = difflib.get_close_matches(key.lower().replace("_", "-"), list(allowed), n=1, cutoff=0.75)
        match = close[0] if close else None
    return f"; did you mean {match!r}?" if match else ""


def _looks_like(name: str, wanted: str) -> bool:
    if _normalized(name) == _normalized(wanted):
        return True
    return difflib.SequenceMatcher(None, name.lower(), wanted).ratio() >= 0.8


def _near_miss_tables(document: Mapping[str, Any], source: str) -> list[str]:
    """Tables meant for alchemy-lint that it does not read: `[tool.alchemy_lint]`, `[tools.alchemy-lint]`."""
    warnings = []
    for top, tables in document.items():
        if not isinstance(tables, dict) or not _looks_like(top, "tool"):
            continue
        for name in tables:
            if (top, name) != ("tool", TABLE) and _looks_like(name, TABLE):
                warnings.append(
                    f"{source}: [{top}.{name}] is not read (misspelled?); alchemy-lint reads [tool.{TABLE}]"
                )
    return warnings


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read: {error.strerror or error}") from None
    except RecursionError:  # tomllib recurses once per nested table or array
        raise ConfigError(f"{shown}: cannot read TOML: nested too deeply") from None


def _tool_table(document: Mapping[str, Any], shown: str) -> dict[str, Any] | None:
    tool = document.get("tool", {})
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.{TABLE}] must be a table")
    return table


def load_settings(root: Path) -> Settings:
    """Settings from `root/pyproject.toml`, or the defaults when it has none."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Settings()
    document = _read_toml(pyproject, pyproject.name)
    warnings = _near_miss_tables(document, pyproject.name)
    table = _tool_table(document, pyproject.name)
    return settings_from_mapping(table or {}, pyproject.name, warnings)


def load_config_file(path: Path) -> Settings:
    """Settings from the file `--config` names: its `[tool.alchemy-lint]` table (a pyproject.toml),
    or else its top-level keys (an `alchemy-lint.toml`)."""
    shown = str(path)
    if not path.is_file():
        raise ConfigError(f"--config: no such file: {shown}")
    document = _read_toml(path, shown)
    table = _tool_table(document, shown)
    if table is not None or path.name == "pyproject.toml":
        return settings_from_mapping(table or {}, shown, _near_miss_tables(document, shown))
    return settings_from_mapping(document, shown)


def inline_setting(text: str) -> dict[str, Any]:
    """`--config 'preview = true'`: one TOML `key = value` pair."""
    try:
        pair = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"--config {text!r} is neither a file nor a TOML `key = value` pair ({error})") from None
    return pair


class Overrides(TypedDict, total=False):
    """What the command line says over the configuration: flags and `--config` values."""

    select: tuple[str, ...] | None
    ignore: tuple[str, ...] | None
    extend_select: tuple[str, ...] | None
    exclude: tuple[str, ...] | None
    extend_exclude: tuple[str, ...] | None
    respect_gitignore: bool | None
    preview: bool | None
    #: A configuration file that replaces every project's own pyproject.toml.
    config_file: str | None
    #: `key = value` pairs given with `--config`; they win over every file.
    config_values: tuple[str, ...]


def settings_for(root: Path, overrides: Overrides | None = None) -> Settings:
    """The settings the project at `root` runs with: its configuration (or `--config`'s), then the flags."""
    given: Overrides = overrides or {}
    config_file = given.get("config_file")
    settings = load_config_file(Path(config_file)) if config_file else load_settings(root)
    pairs: dict[str, Any] = {}
    for text in given.get("config_values", ()):
        pairs.update(inline_setting(text))
    if pairs:
        pinned = settings_from_mapping(pairs, "--config")
        changes = {_FIELDS[key][0]: getattr(pinned, _FIELDS[key][0]) for key in pairs}
        if "extend-exclude" in pairs and "exclude" not in pairs:
            changes["exclude"] = (*settings.exclude, *pinned.exclude)
        settings = replace(settings, **changes)
    return override(
        settings,
        select=given.get("select"),
        ignore=given.get("ignore"),
        extend_select=given.get("extend_select"),
        exclude=given.get("exclude"),
        extend_exclude=given.get("extend_exclude"),
        respect_gitignore=given.get("respect_gitignore"),
        preview=given.get("preview"),
    )


def override(
    settings: Settings,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    extend_exclude: Iterable[str] | None = None,
    respect_gitignore: bool | None = None,
    preview: bool | None = None,
) -> Settings:
    """CLI flags replace what the file says (`--extend-exclude` adds to it); `None` keeps it."""
    excluded = tuple(exclude) if exclude is not None else settings.exclude
    return replace(
        settings,
        select=_codes("--select", list(select)) if select else settings.select,
        ignore=_codes("--ignore", list(ignore)) if ignore else settings.ignore,
        extend_select=_codes("--extend-select", list(extend_select)) if extend_select else settings.extend_select,
        exclude=(*excluded, *(extend_exclude or ())),
        respect_gitignore=settings.respect_gitignore if respect_gitignore is None else respect_gitignore,
        preview=settings.preview if preview is None else preview,
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
