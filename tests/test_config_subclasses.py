"""A project class derived from advanced-alchemy's session config is that config.

`class GuardedConfig(SQLAlchemyAsyncConfig)` that only overrides a hook (`create_all_metadata`)
makes the same factory and opens the same sessions: its constructor, what `get_session()` opens,
the session the Litestar plugin injects, and a value annotated with the class are judged as the
library's own config's. Runtime: tests/test_config_subclasses_runtime.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_session_sources import FORMS, USES, Form, Use, _expected, _findings, _function, _source

#: The library's config, a project subclass of it, one derived from that subclass in another
#: module, and a class named like a config that derives from nothing of the library.
_CONFIGS = """\
from dataclasses import dataclass, field

from advanced_alchemy.config import AsyncSessionConfig, SQLAlchemyAsyncConfig


class GuardedConfig(SQLAlchemyAsyncConfig):
    async def create_all_metadata(self, app) -> None:
        await super().create_all_metadata(app)


@dataclass
class KeptConfig(SQLAlchemyAsyncConfig):
    session_config: AsyncSessionConfig = field(default_factory=lambda: AsyncSessionConfig(expire_on_commit=False))


class PostInitConfig(SQLAlchemyAsyncConfig):
    def __post_init__(self) -> None:
        self.session_config = AsyncSessionConfig(expire_on_commit=False)
        super().__post_init__()


class SettingsConfig:
    def get_session(self): ...
"""
_DERIVED = """\
from app.configs import GuardedConfig


class TenantConfig(GuardedConfig):
    pass
"""
_CLASSES = {
    "GuardedConfig": "app.configs",
    "TenantConfig": "app.derived",
    "KeptConfig": "app.configs",
    "PostInitConfig": "app.configs",
}
#: The derived configs that set their session options themselves.
_SETS_OPTIONS = ("KeptConfig", "PostInitConfig")


def _config_module(cls: str, session_config: str) -> str:
    return (
        "from app.configs import AsyncSessionConfig\n"
        f"from {_CLASSES[cls]} import {cls}\n\n"
        f'config = {cls}(connection_string="sqlite+aiosqlite://"{session_config})\n'
    )


@pytest.mark.parametrize("cls", [cls for cls in _CLASSES if cls not in _SETS_OPTIONS])
@pytest.mark.parametrize(
    ("session_config", "reported"),
    [
        ("", True),
        (", session_config=AsyncSessionConfig(expire_on_commit=True)", True),
        (", session_config=AsyncSessionConfig(expire_on_commit=False)", False),
    ],
    ids=["no session config", "True", "False"],
)
def test_a_derived_config_expires_as_its_constructor_says(
    session_config: str, reported: bool, cls: str, tmp_path: Path
) -> None:
    use = next(use for use in USES if use.code == "ASA302")
    body = use.body if reported else [line.replace("  # ASA", "") for line in use.body]
    source = _function("", ["async with config.get_session() as session:"], "from app.aa import config\n")(body)
    files = {"app/configs.py": _CONFIGS, "app/derived.py": _DERIVED, "app/aa.py": _config_module(cls, session_config)}
    form = Form("derived config", lambda body: source, files=files)
    assert _findings(tmp_path, form, source, "ASA302") == _expected(source), source


@pytest.mark.parametrize(
    ("cls", "session_config", "reported"),
    [
        ("KeptConfig", "", False),
        ("KeptConfig", ", session_config=AsyncSessionConfig(expire_on_commit=True)", True),
        ("PostInitConfig", "", False),
        ("PostInitConfig", ", session_config=AsyncSessionConfig(expire_on_commit=True)", False),
    ],
    ids=["field default", "field replaced by the call", "own code", "own code over the call"],
)
def test_a_derived_config_that_sets_its_session_options_is_no_default(
    session_config: str, reported: bool, cls: str, tmp_path: Path
) -> None:
    # A `session_config` field default may keep objects, unless the call replaces it; a config's
    # own `__post_init__` may replace even what the call passes (both checked at run time).
    use = next(use for use in USES if use.code == "ASA302")
    body = use.body if reported else [line.replace("  # ASA", "") for line in use.body]
    source = _function("", ["async with config.get_session() as session:"], "from app.aa import config\n")(body)
    files = {"app/configs.py": _CONFIGS, "app/aa.py": _config_module(cls, session_config)}
    form = Form("derived config with options", lambda body: source, files=files)
    assert _findings(tmp_path, form, source, "ASA302") == _expected(source), source


@pytest.mark.parametrize("cls", _SETS_OPTIONS)
def test_a_derived_config_that_sets_its_session_options_still_opens_sessions(cls: str, tmp_path: Path) -> None:
    use = next(use for use in USES if use.code == "ASA401")
    source = _function("", ["async with config.get_session() as session:"], "from app.aa import config\n")(use.body)
    files = {"app/configs.py": _CONFIGS, "app/aa.py": _config_module(cls, "")}
    form = Form("derived config with options", lambda body: source, files=files)
    assert _findings(tmp_path, form, source, "ASA401") == _expected(source), source


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
def test_a_value_annotated_with_a_derived_config_opens_sessions(use: Use, tmp_path: Path) -> None:
    # `expire_on_commit` is unknown for an annotated config: ASA302 needs a constructor.
    body = use.body if use.code != "ASA302" else [line.replace("  # ASA", "") for line in use.body]
    opener = ["async with config.get_session() as session:"]
    source = _function("config: GuardedConfig", opener, "from app.configs import GuardedConfig\n")(body)
    form = Form("annotated derived config", lambda body: source, files={"app/configs.py": _CONFIGS})
    assert _findings(tmp_path, form, source, use.code, use.config) == _expected(source), source


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
def test_a_class_named_like_a_config_is_no_evidence(use: Use, tmp_path: Path) -> None:
    body = [line.replace("  # ASA", "") for line in use.body]
    opener = ["async with config.get_session() as session:"]
    source = _function("config: SettingsConfig", opener, "from app.configs import SettingsConfig\n")(body)
    form = Form("a class named like a config", lambda body: source, files={"app/configs.py": _CONFIGS})
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


@pytest.mark.parametrize(
    ("session_config", "reported"),
    [("", True), (", session_config=AsyncSessionConfig(expire_on_commit=False)", False)],
    ids=["default", "False"],
)
def test_the_litestar_plugin_injects_the_session_of_a_derived_config(
    session_config: str, reported: bool, tmp_path: Path
) -> None:
    handler = next(form for form in FORMS if form.name.startswith("Litestar SQLAlchemy plugin"))
    app = (
        "from litestar import Litestar\n"
        "from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin\n\n"
        "from app.aa import config\n\n"
        "app = Litestar([], plugins=[SQLAlchemyPlugin(config=config)])\n"
    )
    files = {
        "app/configs.py": _CONFIGS,
        "app/derived.py": _DERIVED,
        "app/aa.py": _config_module("GuardedConfig", session_config),
        "app/main.py": app,
    }
    form = Form(handler.name, handler.wrap, files=files)
    use = next(use for use in USES if use.code == "ASA302")
    source = _source(form, use.body if reported else [line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, "ASA302") == _expected(source), source
