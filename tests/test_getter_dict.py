"""The keys a pydantic v1 `GetterDict.get()` gives only when their relationship is loaded."""

from __future__ import annotations

import ast

from alchemy_lint.facts.getters import loaded_only_keys

_GETTER = """\
class RecordGetter(GetterDict):
    def get(self, key, default):
        if key == "metadata":
            return getattr(self._obj, "metadata_", None)
        if key == "responses" and not self._obj.is_relationship_loaded("responses"):
            return default
        if key == "vectors":
            if self._obj.is_relationship_loaded("vectors"):
                return {v.setting.name: v.value for v in self._obj.vectors}
            return default
        if key == "tags" and "tags" not in self._obj.__dict__:
            return default
        if key == "owner" and "owner" in inspect(self._obj).unloaded:
            return default
        if key == "workspaces":
            return [w.name for w in self._obj.workspaces]
        return super().get(key, default)
"""


def _keys(source: str) -> tuple[str, ...]:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    return loaded_only_keys(node)


def test_a_branch_that_tests_whether_the_relationship_is_loaded_gives_its_key() -> None:
    assert _keys(_GETTER) == ("responses", "vectors", "tags", "owner")


_PLAIN = """\
class Plain:
    def fetch(self, key, default):
        if key == "a" and "a" in self.__dict__:
            return default
"""


def test_a_class_without_a_get_method_gives_nothing() -> None:
    assert _keys(_PLAIN) == ()
