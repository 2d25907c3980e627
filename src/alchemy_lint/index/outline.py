"""A file's outline: what the project index merges of it, without its function bodies.

An outline is a tenth of the file's facts, so a project's outlines load from the cache in a
fraction of the time its facts take; the index reads a file's full facts only when a rule asks
about one of its functions (or the file itself), which after one file changed is a few files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TypeVar

from alchemy_lint.cache import digest
from alchemy_lint.facts.model import ApiCall, FileFacts, FunctionFacts
from alchemy_lint.records import record
from alchemy_lint.sqlalchemy_api import FACTORIES, Api


@record
class FileOutline:
    #: The file's facts as the index merges them: no functions, and only the calls the index
    #: keeps (factories and `asynccontextmanager(...)`); never handed to a rule.
    merged: FileFacts
    #: The qualified name of each function, in the order of the file's functions (plain strings:
    #: a project has tens of thousands, and the pack of outlines loads on every one-file check).
    functions: tuple[str, ...]
    #: (position among `functions`, fixture name) of the pytest fixtures.
    fixtures: tuple[tuple[int, str], ...]
    #: Some function is `async def` (for `reached_by_async_code`).
    has_async_functions: bool
    #: Some function awaits a `commit()` or opens an `async with ... begin():` block: the file
    #: can hold transaction sites (index/policy.py), and only such files are loaded for them.
    transactions: bool
    #: A digest of everything of this file that the run-once analysis reads (index/runonce.py);
    #: empty when not computed (an index built in memory does not cache that analysis). What it
    #: reads (`RunOnceInputs`) the engine keeps apart (outlines.py): few runs need them.
    run_once: str = ""
    #: The names of the functions its calls pass something with evidence to (`PassingCall.name`):
    #: the calls themselves stay in the full facts, read for the few names a question asks about
    #: (on a typed project they were half the pack, for questions that never come).
    passes_to: tuple[str, ...] = ()
    #: Some function takes a parameter a provider fills (`Depends(...)`) or binds `async with
    #: <call> as name`: where a session handed out inside a unit of work is used, a unit-of-work
    #: transaction site (index/policy.py), and where ASA401 may find a commit through a call.
    takes_sessions: bool = False
    #: Some function yields inside a `begin()` block it opens: it may hand its session out inside
    #: a unit of work (a provider, a helper), and only such files are loaded to find out.
    yields_in_begin: bool = False

    @property
    def path(self) -> str:
        return self.merged.path


#: The calls that open a unit of work (index/transactions.py names them again, importing the index).
_BEGINS = frozenset({"begin", "begin_nested"})


def _kept_call(call: ApiCall) -> bool:
    """The calls `ProjectIndex._merge` reads: factory candidates and context-manager wrappers."""
    return call.api in FACTORIES or call.api is None or (call.api is Api.ASYNC_CONTEXT_MANAGER and bool(call.first_arg))


def _has_transactions(functions: Iterable[FunctionFacts]) -> bool:
    return any(
        any(call.method == "commit" and call.awaited for call in function.calls)
        or any(block.method == "begin" and block.receiver is not None for block in function.blocks)
        for function in functions
    )


def _takes_sessions(functions: Iterable[FunctionFacts]) -> bool:
    return any(
        function.provided or any(block.bound is not None and block.method not in _BEGINS for block in function.blocks)
        for function in functions
    )


def yields_in_begin(function: FunctionFacts) -> bool:
    """The function yields inside a `begin()` block it opens (a provider, a session helper)."""
    return any(
        block.method in _BEGINS and any(block.line <= guard.line <= block.end_line for guard in function.yields)
        for block in function.blocks
    )


def outline_of(facts: FileFacts, *, with_run_once: bool = False) -> FileOutline:
    """The outline of a file's facts; `with_run_once` also digests its run-once inputs."""
    merged = replace(
        facts,
        functions=(),
        api_calls=tuple(call for call in facts.api_calls if _kept_call(call)),
        noqa={},
        stored_values=(),
        schema_creations=(),
        invocations=(),
        passing_calls=(),
    )
    return FileOutline(
        merged,
        tuple(function.qualname for function in facts.functions),
        tuple(
            (position, function.fixture)
            for position, function in enumerate(facts.functions)
            if function.fixture is not None
        ),
        any(function.is_async for function in facts.functions),
        _has_transactions(facts.functions),
        run_once_digest(facts) if with_run_once else "",
        tuple(sorted({call.name for call in facts.passing_calls})),
        takes_sessions=_takes_sessions(facts.functions),
        yields_in_begin=any(yields_in_begin(function) for function in facts.functions),
    )


def run_once_digest(facts: FileFacts) -> str:
    """Everything of a file that `RunOnce` reads, directly or through the index's name lookups:
    its module, exports and module values, its classes' bases, and each function's names,
    decorators and invocations. No line numbers: an edit that moves code keeps the digest.

    `repr` and not `pickle`: equal facts always give equal text, whichever objects they share.
    """
    parts = (
        facts.module,
        facts.is_package,
        facts.parse_error is None,
        facts.exports,
        facts.module_values,
        facts.invocations,
        [(cls.qualname, cls.bases) for cls in facts.classes],
        [(f.qualname, f.name, f.decorators, f.decorator_arguments, f.fixture, f.invocations) for f in facts.functions],
    )
    return digest(repr(parts))


__all__ = [
    "FactsOnDemand",
    "FileOutline",
    "FunctionPlace",
    "FunctionsOnDemand",
    "outline_of",
    "run_once_digest",
]

#: Where a function's facts are: its file's path and its position among the file's functions.
FunctionPlace = tuple[str, int]
_V = TypeVar("_V")


class _OnDemand(Mapping[str, _V]):
    """A mapping whose keys are known up front and whose values are read when first asked for."""

    def __init__(self, keys: Mapping[str, object]) -> None:
        self._keys = keys

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class FactsOnDemand(_OnDemand[FileFacts]):
    """Each file's full facts by path, read by `load` the first time they are asked for."""

    def __init__(self, outlines: Mapping[str, FileOutline], load: Callable[[str], FileFacts]) -> None:
        super().__init__(outlines)
        self._load = load
        self._loaded: dict[str, FileFacts] = {}

    def __getitem__(self, path: str) -> FileFacts:
        found = self._loaded.get(path)
        if found is None:
            if path not in self._keys:
                raise KeyError(path)
            found = self._loaded[path] = self._load(path)
        return found

    def is_loaded(self, path: str) -> bool:
        return path in self._loaded


class FunctionsOnDemand(_OnDemand[FunctionFacts]):
    """Qualified name -> the function's facts, from its file's facts (read when first asked for)."""

    def __init__(self, places: Mapping[str, FunctionPlace], files: Mapping[str, FileFacts]) -> None:
        super().__init__(places)
        self._places = places
        self._files = files

    def __getitem__(self, qualname: str) -> FunctionFacts:
        path, position = self._places[qualname]
        return self._files[path].functions[position]
