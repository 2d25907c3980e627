"""Blocks that a test expects to raise: `with pytest.raises(E):`, `with self.assertRaises(E):`.

The code after such a block runs only when its body raised (a body that returns normally fails
the test there): a call in it that caught its own error and returned did not get the test on.
"""

from __future__ import annotations

import ast

from alchemy_lint.resolve import NameTable, qualify

#: The context managers that fail when their body does not raise.
_RAISES = frozenset({"pytest.raises", "_pytest.python_api.raises", "_pytest.raises.raises"})
#: unittest's `self.assertRaises(E)` and `self.assertRaisesRegex(E, pattern)` used as a context.
_ASSERT_RAISES = frozenset({"assertRaises", "assertRaisesRegex"})


def expects_error(expr: ast.expr, table: NameTable) -> bool:
    """Whether `with <expr>:` fails unless its body raises."""
    if type(expr) is not ast.Call:
        return False
    func = expr.func
    if type(func) is ast.Attribute and func.attr in _ASSERT_RAISES:
        return type(func.value) is ast.Name and func.value.id == "self"
    return qualify(func, table) in _RAISES
