"""What a function's results say of how it went, as its callers test them.

`return {"success": False}` after `await db.rollback()` tells the caller that tests
`result["success"]` that the rollback ran on its failing side (`FunctionLoading.rollbacks_on_failure`).
"""

from __future__ import annotations

import ast


def failure_keys(value: ast.expr) -> tuple[str, ...]:
    """What a returned value says failed: "" for a falsy constant (`False`, `None`), each constant
    key of a dict literal that holds one (`{"success": False, "error": "used"}`: "success")."""
    if type(value) is ast.Constant:
        return ("",) if not value.value else ()
    if type(value) is ast.Dict:
        return tuple(
            key.value
            for key, item in zip(value.keys, value.values, strict=True)
            if type(key) is ast.Constant
            and isinstance(key.value, str)
            and type(item) is ast.Constant
            and not item.value
        )
    return ()


def result_test(test: ast.expr, results: dict[str, set[int]]) -> tuple[str, set[int], bool] | None:
    """What a test reads of a call's result: the key ("" for the result itself, `"success"` for
    `result["success"]` or `result.get("success")`), the lines of the calls, and whether the
    test holds where the result is truthy (False under `not`)."""
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        found = result_test(test.operand, results)
        return None if found is None else (found[0], found[1], not found[2])
    if type(test) is ast.Await and type(test.value) is ast.Call:
        return "", {test.value.lineno}, True
    if type(test) is ast.Name:
        return ("", results[test.id], True) if test.id in results else None
    key: ast.expr | None = None
    holder: ast.expr | None = None
    if type(test) is ast.Subscript:
        holder, key = test.value, test.slice
    elif (
        type(test) is ast.Call
        and type(test.func) is ast.Attribute
        and test.func.attr == "get"
        and len(test.args) == 1
        and not test.keywords
    ):
        holder, key = test.func.value, test.args[0]
    if type(holder) is ast.Name and holder.id in results and type(key) is ast.Constant and isinstance(key.value, str):
        return key.value, results[holder.id], True
    return None
