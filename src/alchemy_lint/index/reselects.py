"""Queries that gave an object's own row again (`Reselect`), joined with the project index.

Whether the identity map gave back that very object, so that what the query loaded is loaded on it.
"""

from __future__ import annotations

from alchemy_lint.facts.model import SAME_COLUMN, ObjectSource, Reselect, SourceKind
from alchemy_lint.index.loading import callee_function, same_session
from alchemy_lint.index.project import ProjectIndex


def gives_back(index: ProjectIndex, reselect: Reselect, source: ObjectSource, model: str) -> bool:
    """Whether the query gave back the object itself, of `model` and from `source`: it selects
    `model` by the row's primary key (or by the unique column the object was loaded by, or is a
    second `get()`), in the object's own session. An object of a project call handed no session
    is in it when every object the callee returns is in a session that is this one."""
    query = reselect.source
    if query.model is None or index.canonical(query.model) != model or query.session is None:
        return False
    column = reselect.column
    if column.startswith(SAME_COLUMN):
        column = column.removeprefix(SAME_COLUMN)
        if column not in index.primary_key(model) and column not in index.unique_columns(model):
            return False
    elif column and column not in index.primary_key(model):
        return False
    if source.session is not None:
        return True  # (the facts matched its session's text)
    if source.kind is not SourceKind.CALL:
        return False
    function = callee_function(index, source.callee)
    loading = function.loading if function is not None else None
    if loading is None or not loading.only_objects or not loading.returns:
        return False
    return all(
        returned.source.session is not None
        and not returned.path
        and same_session(index, returned.source.session, query.session)
        for returned in loading.returns
    )
