"""`setattr` and `getattr` with keys, in loops and out of them.

ASA301: a new object whose foreign key is set in a loop's body (`for key, value in
data.items(): setattr(order, key, value)`, `setattr(order, "user_id", uid)` or `order.user_id =
uid` in a loop) may have been given its key: the join of the paths that ran the body and the
one that did not keeps that, so a helper's read of its many-to-one after a flush is judged (a
lazy load) as it is when the key is set outside a loop. One whose loop gives no key stays silent.

ASA302: `setattr(user, "name", value)` after a commit sets the attribute as `user.name = value`
does, so reading it loads nothing; so does `setattr(user, key, ...)` in a loop over literal keys
(`for key in ("name",):`), whose body is read once per key. Another column of the object stays
expired, and `getattr(user, key)` in such a loop reads each key (the first raises); a
`getattr`/`hasattr` read raises where it comes first on its path, as `user.name` does, so the
reads after it on that path are not reported again. Each handler is linted, then run against
real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

#: An order's key may be left None (a new one built without it flushes).
OPTIONAL_KEY_MODELS = MODELS.replace(
    '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))\n    status',
    '    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))\n    status',
)

HELPERS = """\
from app.db_models import Order


def owner_name(order: Order) -> str:
    return order.user.name if order.user is not None else ""
"""

HEADER = (
    "from app.db import SessionLocal\n"
    "from app.db_models import Order, User\n"
    "from app.helpers import owner_name\n"
    "\n\n"
    "async def run() -> object:\n"
    "    async with SessionLocal() as s:\n"
)

NEW_ORDER = '        order = Order(status="new")\n'
FLUSHED = "        s.add(order)\n        await s.flush()\n        return owner_name(order)"

#: ASA301 where commits keep objects: the body, and the error a run raises (None: clean).
KEY_CASES = {
    "keys_of_a_dict_set_in_a_loop": (
        NEW_ORDER
        + '        for key, value in {"user_id": 1, "status": "paid"}.items():\n'
        + "            setattr(order, key, value)\n"
        + FLUSHED
        + "  # ASA301\n",
        "MissingGreenlet",
    ),
    "literal_keys_set_in_a_loop": (
        NEW_ORDER
        + '        data = {"user_id": 1, "status": "paid"}\n'
        + '        for key in ("user_id", "status"):\n'
        + "            setattr(order, key, data[key])\n"
        + FLUSHED
        + "  # ASA301\n",
        "MissingGreenlet",
    ),
    "a_literal_key_set_in_a_loop": (
        NEW_ORDER
        + "        for uid in [1]:\n"
        + '            setattr(order, "user_id", uid)\n'
        + FLUSHED
        + "  # ASA301\n",
        "MissingGreenlet",
    ),
    "an_attribute_set_in_a_loop": (
        NEW_ORDER + "        for uid in [1]:\n" + "            order.user_id = uid\n" + FLUSHED + "  # ASA301\n",
        "MissingGreenlet",
    ),
    "no_key_set_in_the_loop": (
        NEW_ORDER + '        for key in ("status",):\n' + '            setattr(order, key, "paid")\n' + FLUSHED + "\n",
        None,
    ),
}


def _check(tmp_path: Path, handler: str, code: str, error: str | None, expire_on_commit: bool | None) -> None:
    files = {
        "app/db_models.py": OPTIONAL_KEY_MODELS,
        "app/db.py": async_database(expire_on_commit),
        "app/helpers.py": HELPERS,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, code)
    assert [finding.line for finding in findings_in(root, "app/handlers.py", code)] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]


@pytest.mark.parametrize("case", sorted(KEY_CASES))
def test_a_new_objects_key_set_in_a_loop(tmp_path: Path, case: str) -> None:
    body, error = KEY_CASES[case]
    _check(tmp_path, HEADER + body, "ASA301", error, expire_on_commit=False)


COMMITTED = "        user = await s.get(User, 1)\n        await s.commit()\n"

#: ASA302 where commits expire: the body, and the error a run raises (None: clean).
EXPIRED_CASES = {
    "a_literal_key_set_after_the_commit": (
        COMMITTED + '        setattr(user, "name", "new")\n        return user.name\n',
        None,
    ),
    "literal_keys_set_in_a_loop_after_the_commit": (
        COMMITTED + '        for key in ("name",):\n            setattr(user, key, "new")\n        return user.name\n',
        None,
    ),
    "another_column_read_after_keys_set_in_a_loop": (
        COMMITTED
        + '        for key in ("name",):\n            setattr(user, key, "new")\n        return user.id  # ASA302\n',
        "MissingGreenlet",
    ),
    "a_hasattr_read_first": (
        COMMITTED + '        if hasattr(user, "name"):  # ASA302\n            return user.id\n        return None\n',
        "MissingGreenlet",
    ),
    "literal_keys_read_in_a_loop": (
        COMMITTED
        + "        found = []\n"
        + '        for key in ("name", "id"):\n'
        + "            found.append(getattr(user, key))  # ASA302\n"
        + "        return found\n",
        "MissingGreenlet",
    ),
}


@pytest.mark.parametrize("case", sorted(EXPIRED_CASES))
def test_keys_set_and_read_after_a_commit(tmp_path: Path, case: str) -> None:
    body, error = EXPIRED_CASES[case]
    _check(tmp_path, HEADER + body, "ASA302", error, expire_on_commit=None)
