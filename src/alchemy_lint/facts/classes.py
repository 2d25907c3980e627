"""What a class body declares: its fields, and the relationships of a model with their strategy.

Read by the facts builder for every class; the index resolves targets and models across files.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from alchemy_lint.facts.model import RelationshipFacts
from alchemy_lint.resolve import NameTable, dotted_parts, expression_text, qualify, unquoted
from alchemy_lint.sqlalchemy_api import Api, known_api


def relationship_is_collection(annotation: ast.expr | None, call: ast.Call | None) -> bool | None:
    """Whether a relationship holds a collection: `uselist=`, else `Mapped[list[...]]`/`list[...]`."""
    if call is not None:
        for keyword in call.keywords:
            if keyword.arg == "uselist" and type(keyword.value) is ast.Constant:
                return bool(keyword.value.value)
    annotation = unquoted(annotation) if annotation is not None else None
    if type(annotation) is ast.Subscript:
        parts = dotted_parts(annotation.value)
        leaf = parts[-1] if parts else None
        if leaf in ("Mapped", "WriteOnlyMapped", "DynamicMapped"):
            return relationship_is_collection(annotation.slice, None)
        if leaf in ("list", "List", "set", "Set", "Sequence", "Collection", "tuple", "Tuple", "dict", "Dict"):
            return True
        if leaf in ("Optional",):
            return False
        return None
    if annotation is None:
        return None
    return False


def synonym_of(value: ast.expr | None, table: NameTable) -> str | None:
    """The attribute `synonym("name")` stands for: reading, setting and loading the synonym is
    doing so on that attribute. None when the name is no literal, or when the synonym has a
    `descriptor=` of its own (then its reads run that descriptor)."""
    if type(value) is not ast.Call or known_api(_qualified(value.func, table)) is not Api.SYNONYM:
        return None
    named = {keyword.arg: keyword.value for keyword in value.keywords if keyword.arg}
    descriptor = named.get("descriptor")
    if descriptor is not None and not (type(descriptor) is ast.Constant and descriptor.value is None):
        return None
    name = value.args[0] if value.args else named.get("name")
    if type(name) is ast.Constant and isinstance(name.value, str) and name.value:
        return name.value
    return None


_DECLARED_ATTR = ("sqlalchemy.orm.declared_attr", "sqlalchemy.ext.declarative.declared_attr")


def declared_attribute(statement: ast.stmt, table: NameTable) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """`@declared_attr def name(cls) -> Mapped[...]: return relationship(...)` in a mixin or model."""
    if type(statement) is not ast.FunctionDef or not statement.body:
        return None
    if not any(_qualified(decorator_callee(d), table) in _DECLARED_ATTR for d in statement.decorator_list):
        return None
    last = statement.body[-1]
    return statement.name, statement.returns, last.value if type(last) is ast.Return else None


def declares_primary_key(value: ast.expr | None) -> bool:
    """`mapped_column(primary_key=True)`, `Column(Integer, primary_key=True)`, `Field(primary_key=True)`."""
    return type(value) is ast.Call and any(
        keyword.arg == "primary_key" and type(keyword.value) is ast.Constant and keyword.value.value is True
        for keyword in value.keywords
    )


def declares_unique(value: ast.expr | None) -> bool:
    """`mapped_column(unique=True)`, `Column(String, unique=True)`, `Field(unique=True)`, also
    SQLModel's `Field(sa_column=Column(String, unique=True))`."""
    if type(value) is not ast.Call:
        return False
    for keyword in value.keywords:
        if keyword.arg == "unique" and type(keyword.value) is ast.Constant and keyword.value.value is True:
            return True
        if keyword.arg == "sa_column" and type(keyword.value) is ast.Call and declares_unique(keyword.value):
            return True
    return False


def unique_constraints(value: ast.expr | None) -> tuple[str, ...]:
    """The single columns `__table_args__` makes unique: `UniqueConstraint("email")`, also by
    column (`UniqueConstraint(email)` in the class body), and `Index("ix", "email", unique=True)`."""
    items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value] if value is not None else []
    found: list[str] = []
    for item in items:
        if not (type(item) is ast.Call and isinstance(item.func, (ast.Name, ast.Attribute))):
            continue
        name = item.func.id if isinstance(item.func, ast.Name) else item.func.attr
        if name == "UniqueConstraint":
            columns = item.args
        elif name == "Index" and declares_unique(item):
            columns = item.args[1:]
        else:
            continue
        if len(columns) == 1:
            column = columns[0]
            if type(column) is ast.Constant and isinstance(column.value, str):
                found.append(column.value)
            elif type(column) is ast.Name:
                found.append(column.id)
    return tuple(found)


def class_field(statement: ast.stmt) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """`name: annotation = value` or `name = value` in a class body."""
    if type(statement) is ast.AnnAssign and type(statement.target) is ast.Name:
        return statement.target.id, statement.annotation, statement.value
    if type(statement) is ast.Assign and len(statement.targets) == 1 and type(statement.targets[0]) is ast.Name:
        return statement.targets[0].id, None, statement.value
    return None


_COLLECTION_WRAPPERS = frozenset(
    {
        "list",
        "set",
        "frozenset",
        "tuple",
        "List",
        "Set",
        "FrozenSet",
        "Tuple",
        "Sequence",
        "Iterable",
        "Collection",
        "Optional",
        "Mapped",
        "WriteOnlyMapped",
        "DynamicMapped",
    }
)


def relationship_facts(
    name: str, annotation: ast.expr | None, value: ast.expr | None, table: NameTable, node: ast.stmt
) -> RelationshipFacts | None:
    """A relationship declared as `x = relationship(...)`, `x: Mapped[...] = relationship(...)`,
    SQLModel's `x: list["T"] = Relationship(...)`, or a `WriteOnlyMapped`/`DynamicMapped` annotation."""
    call = value if type(value) is ast.Call and known_api(_qualified(value.func, table)) is Api.RELATIONSHIP else None
    container = _container(annotation, table)
    if call is None and container not in (Api.WRITE_ONLY_MAPPED.value, Api.DYNAMIC_MAPPED.value):
        return None
    target: str | None = None
    lazy: str | None = None
    join_depth: int | None = None
    back_populates: str | None = None
    if call is not None:
        if call.args:
            target = _target_name(call.args[0], table)
        for keyword in call.keywords:
            if keyword.arg == "lazy":
                lazy = _lazy_value(keyword.value)
            elif keyword.arg == "sa_relationship_kwargs" and lazy is None:
                lazy = _lazy_in_mapping(keyword.value)
            elif (
                keyword.arg == "back_populates"
                and type(keyword.value) is ast.Constant
                and isinstance(keyword.value.value, str)
            ):
                back_populates = keyword.value.value
            elif keyword.arg == "argument" and target is None:
                target = _target_name(keyword.value, table)
            elif (
                keyword.arg == "join_depth"
                and type(keyword.value) is ast.Constant
                and isinstance(keyword.value.value, int)
            ):
                join_depth = keyword.value.value
    if target is None and annotation is not None:
        target = _target_name(annotation, table)
    cascade = _DeleteCascade() if call is None else _delete_cascade(call)
    foreign_keys, join, join_columns, remote_side = _join_options(call) if call is not None else (None, None, None, ())
    backref, backref_lazy, backref_uselist, backref_remote_side = (
        _backref_options(call) if call is not None else (None, None, None, ())
    )
    return RelationshipFacts(
        name,
        target,
        lazy,
        container,
        node.lineno,
        node.col_offset,
        relationship_is_collection(annotation, call),
        join_depth,
        cascade.deletes,
        cascade.passive,
        cascade.backref_loads,
        foreign_keys,
        join,
        join_columns,
        back_populates,
        backref,
        backref_lazy,
        backref_uselist,
        remote_side,
        backref_remote_side,
    )


_BackrefOptions = tuple[str | None, str | None, bool | None, tuple[str, ...] | None]


def _backref_options(call: ast.Call) -> _BackrefOptions:
    """The relationship `backref=` adds to the target: its name, `lazy=`, `uselist=` and
    `remote_side=` (see `_remote_side`), from `backref="x"` or `backref=backref("x", lazy=...,
    uselist=..., remote_side=...)`, also in SQLModel's `sa_relationship_kwargs` and
    `sa_relationship`. No name when any of the first three is no literal."""
    options: list[tuple[str, ast.expr]] = []
    for keyword in call.keywords:
        if keyword.arg == "sa_relationship_kwargs":
            options.extend(_mapping_items(keyword.value))
        elif keyword.arg == "sa_relationship" and type(keyword.value) is ast.Call:
            found = _backref_options(keyword.value)
            if found[0] is not None:
                return found
        elif keyword.arg is not None:
            options.append((keyword.arg, keyword.value))
    value = next((value for option, value in options if option == "backref"), None)
    if type(value) is ast.Constant and isinstance(value.value, str):
        return value.value, None, None, ()
    parts = dotted_parts(value.func) if type(value) is ast.Call else None
    if value is None or not parts or parts[-1] != "backref" or type(value) is not ast.Call or not value.args:
        return None, None, None, ()
    name = value.args[0]
    if not (type(name) is ast.Constant and isinstance(name.value, str)):
        return None, None, None, ()
    lazy: str | None = None
    uselist: bool | None = None
    remote_side: tuple[str, ...] | None = ()
    for keyword in value.keywords:
        if keyword.arg == "lazy":
            lazy = _lazy_value(keyword.value)
            if lazy is None:
                return None, None, None, ()
        elif keyword.arg == "uselist":
            if not (type(keyword.value) is ast.Constant and isinstance(keyword.value.value, bool)):
                return None, None, None, ()
            uselist = keyword.value.value
        elif keyword.arg == "remote_side":
            remote_side = _remote_side(keyword.value)
    return name.value, lazy, uselist, remote_side


def _remote_side(value: ast.expr) -> tuple[str, ...] | None:
    """The columns `remote_side=` names, as written (`[id]`, `Node.id`, `"Node.id"`, also in a
    lambda); None when they are no literal."""
    return _column_names(value.body if type(value) is ast.Lambda else value)


_JoinOptions = tuple[tuple[str, ...] | None, str | None, tuple[str, ...] | None, tuple[str, ...] | None]


def _join_options(call: ast.Call) -> _JoinOptions:
    """`foreign_keys=` (its columns as written), how else the join is given (`secondary=`,
    `primaryjoin=`), the columns a `primaryjoin=` compares and `remote_side=` (empty when
    absent, see `_remote_side`), also in SQLModel's `sa_relationship_kwargs` and
    `sa_relationship`."""
    foreign_keys: tuple[str, ...] | None = None
    join: str | None = None
    join_columns: tuple[str, ...] | None = None
    remote_side: tuple[str, ...] | None = ()
    options: list[tuple[str, ast.expr]] = []
    for keyword in call.keywords:
        if keyword.arg == "sa_relationship_kwargs":
            options.extend(_mapping_items(keyword.value))
        elif keyword.arg == "sa_relationship" and type(keyword.value) is ast.Call:
            inner_keys, inner_join, inner_columns, inner_remote = _join_options(keyword.value)
            foreign_keys, join = foreign_keys or inner_keys, join or inner_join
            join_columns = join_columns or inner_columns
            remote_side = remote_side if remote_side != () else inner_remote
        elif keyword.arg is not None:
            options.append((keyword.arg, keyword.value))
    for option, value in options:
        if option == "foreign_keys":
            foreign_keys = _column_names(value)
        elif option == "secondary":
            join = "secondary"
        elif option == "primaryjoin" and join is None:
            join = "primaryjoin"
            join_columns = _condition_columns(value)
        elif option == "remote_side":
            remote_side = _remote_side(value)
    return foreign_keys, join, join_columns, remote_side


def _condition_columns(value: ast.expr) -> tuple[str, ...] | None:
    """The columns a `primaryjoin=` condition compares, as written (`Node.id`,
    `NodeRevision.node_id`), from the expression, a lambda's body or a string of it. None when
    it is none of these, names no column, or annotates its columns with `foreign()`/`remote()`
    (then the annotations, not the columns' foreign keys, say which way it runs)."""
    condition: ast.expr = value.body if type(value) is ast.Lambda else value
    if type(condition) is ast.Constant and isinstance(condition.value, str):
        try:
            condition = ast.parse(condition.value.strip(), mode="eval").body
        except SyntaxError:
            return None
    callees = [node.func for node in ast.walk(condition) if type(node) is ast.Call]
    if any(_is_annotation(callee) for callee in callees):
        return None
    skipped = {id(callee) for callee in callees}
    skipped.update(id(node.value) for node in ast.walk(condition) if type(node) is ast.Attribute)
    columns = [
        ".".join(parts)
        for node in ast.walk(condition)
        if type(node) is ast.Attribute and id(node) not in skipped
        if (parts := dotted_parts(node)) is not None
    ]
    return tuple(dict.fromkeys(columns)) or None


def _is_annotation(callee: ast.expr) -> bool:
    """`foreign`/`remote` (also `orm.foreign`): a join annotation."""
    name = callee.attr if type(callee) is ast.Attribute else getattr(callee, "id", None)
    return name in ("foreign", "remote")


def _column_names(value: ast.expr) -> tuple[str, ...] | None:
    """`[owner_id]`, `owner_id`, `[Pod.owner_id]`, `"[Pod.owner_id, Pod.team_id]"`: the columns as
    written; None for anything else."""
    if type(value) is ast.Constant and isinstance(value.value, str):
        names = tuple(name.strip() for name in value.value.strip().strip("[]()").split(",") if name.strip())
        return names or None
    items = value.elts if isinstance(value, (ast.List, ast.Tuple, ast.Set)) else [value]
    names = tuple(".".join(parts) for item in items if (parts := dotted_parts(item)) is not None)
    return names if names and len(names) == len(items) else None


def table_name(statement: ast.stmt) -> str | None:
    """The literal of `__tablename__ = "users"` in a class body."""
    declared = class_field(statement)
    if declared is None or declared[0] != "__tablename__":
        return None
    value = declared[2]
    return value.value if type(value) is ast.Constant and isinstance(value.value, str) else None


def referenced_table(value: ast.expr | None) -> str | None:
    """The table or class a column's foreign key points to, as written: `users` of
    `mapped_column(ForeignKey("users.id"))` or `Column(Integer, ForeignKey("users.id"))`, `User`
    of `ForeignKey(User.id)`, SQLModel's `Field(foreign_key="users.id")` and
    `Field(sa_column=Column(ForeignKey(...)))`."""
    if type(value) is not ast.Call:
        return None
    for keyword in value.keywords:
        if keyword.arg == "foreign_key" and type(keyword.value) is ast.Constant:
            return _table_of(keyword.value)
        if keyword.arg == "sa_column":
            found = referenced_table(keyword.value)
            if found is not None:
                return found
    for argument in value.args:
        if not (type(argument) is ast.Call and argument.args):
            continue
        parts = dotted_parts(argument.func)
        if parts and parts[-1] == "ForeignKey":
            return _table_of(argument.args[0])
    return None


def _table_of(column: ast.expr) -> str | None:
    """`users` of `"users.id"` (or `"schema.users.id"`), `User` of `User.id`."""
    if type(column) is ast.Constant and isinstance(column.value, str):
        written = column.value.split(".")
        return written[-2] if len(written) >= 2 else None
    parts = dotted_parts(column)
    return parts[-2] if parts is not None and len(parts) >= 2 else None


@dataclass(slots=True, eq=False, repr=False)
class _DeleteCascade:
    """What `Session.delete()` of an owner does along one relationship: None where unknown."""

    deletes: bool | None = False
    passive: bool | None = False
    backref_loads: bool | None = False

    def read(self, option: str, value: ast.expr) -> None:
        """One keyword of `relationship()`, of SQLModel's `Relationship()` or of its
        `sa_relationship_kwargs`."""
        if option == "cascade":
            self.deletes = _either(self.deletes, _cascades_delete(value))
        elif option == "cascade_delete":  # SQLModel: "all, delete-orphan" when True
            self.deletes = _either(self.deletes, _flag(value))
        elif option == "passive_deletes":
            self.passive = _either(self.passive, _flag(value))
        elif option == "backref" and type(value) is ast.Call:
            # `backref("orders", cascade="all")`: the target gets a relationship back to this model.
            back = _DeleteCascade()
            for keyword in value.keywords:
                if keyword.arg is not None:
                    back.read(keyword.arg, keyword.value)
            self.backref_loads = back.loads

    @property
    def loads(self) -> bool | None:
        """Whether deleting the owner loads the related objects (SQLAlchemy's
        `RelationshipProperty.cascade_iterator` loads on the delete cascade only, and not
        with `passive_deletes`)."""
        if self.deletes is False or self.passive is True:
            return False
        return None if self.deletes is None or self.passive is None else True


def _delete_cascade(call: ast.Call) -> _DeleteCascade:
    found = _DeleteCascade()
    for keyword in call.keywords:
        if keyword.arg is None:
            continue
        if keyword.arg == "sa_relationship_kwargs":
            for option, value in _mapping_items(keyword.value):
                found.read(option, value)
        elif keyword.arg == "sa_relationship" and type(keyword.value) is ast.Call:
            inner = _delete_cascade(keyword.value)  # SQLModel's `Relationship(sa_relationship=relationship(...))`
            found.deletes = _either(found.deletes, inner.deletes)
            found.passive = _either(found.passive, inner.passive)
            found.backref_loads = _either(found.backref_loads, inner.backref_loads)
        else:
            found.read(keyword.arg, keyword.value)
    return found


def _either(known: bool | None, new: bool | None) -> bool | None:
    """Two settings of one option: set if either sets it, unknown if either is unknown."""
    if known is True or new is True:
        return True
    return None if known is None or new is None else False


def _cascades_delete(value: ast.expr) -> bool | None:
    """`cascade="all, delete-orphan"` (or a tuple of names): whether it includes `delete`."""
    if type(value) is ast.Constant and isinstance(value.value, str):
        names = {name.strip() for name in value.value.split(",")}
    elif isinstance(value, (ast.Tuple, ast.List, ast.Set)) and all(
        type(item) is ast.Constant and isinstance(item.value, str) for item in value.elts
    ):
        names = {str(item.value).strip() for item in value.elts if type(item) is ast.Constant}
    else:
        return None
    # SQLAlchemy's CascadeOptions: "all" includes delete; "none" clears everything.
    return bool(names & {"all", "delete"}) and "none" not in names


def _flag(value: ast.expr) -> bool | None:
    """A literal option that is on when truthy (`True`, `"all"`), None when not literal."""
    if type(value) is ast.Constant:
        return bool(value.value)
    return None


def _mapping_items(expr: ast.expr) -> list[tuple[str, ast.expr]]:
    """`{"lazy": "selectin"}` or `dict(lazy="selectin")` as (key, value) pairs."""
    if type(expr) is ast.Dict:
        return [
            (key.value, item)
            for key, item in zip(expr.keys, expr.values, strict=True)
            if type(key) is ast.Constant and isinstance(key.value, str)
        ]
    if type(expr) is ast.Call and type(expr.func) is ast.Name and expr.func.id == "dict":
        return [(keyword.arg, keyword.value) for keyword in expr.keywords if keyword.arg is not None]
    return []


def field_type(annotation: ast.expr, table: NameTable) -> str | None:
    """The class a field's annotation names, through containers and optionals (`list[ItemOut]`)."""
    return _target_name(annotation, table)


def _qualified(expr: ast.expr, table: NameTable) -> str | None:
    return qualify(expr, table) if dotted_parts(expr) is not None else None


def _container(annotation: ast.expr | None, table: NameTable) -> str | None:
    annotation = unquoted(annotation) if annotation is not None else None
    if type(annotation) is ast.Subscript:
        api = known_api(_qualified(annotation.value, table))
        if api is Api.MAPPED or api is Api.WRITE_ONLY_MAPPED or api is Api.DYNAMIC_MAPPED:
            return str(api.value)
    return None


def _target_name(expr: ast.expr, table: NameTable) -> str | None:
    """The model class an annotation or `relationship()` argument names."""
    if type(expr) is ast.Constant and isinstance(expr.value, str):
        text = expr.value.strip()
        try:
            parsed = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None
        if isinstance(parsed, (ast.Name, ast.Attribute)):
            return text  # resolved by the index, by name, across files
        return _target_name(parsed, table)
    if type(expr) is ast.Subscript:
        wrapper = dotted_parts(expr.value)
        if wrapper and wrapper[-1] in _COLLECTION_WRAPPERS:
            inner = expr.slice
            if type(inner) is ast.Tuple and inner.elts:
                inner = inner.elts[0]
            return _target_name(inner, table)
        return None
    if type(expr) is ast.BinOp and type(expr.op) is ast.BitOr:
        for side in (expr.left, expr.right):
            if not (type(side) is ast.Constant and side.value is None):
                return _target_name(side, table)
        return None
    if type(expr) is ast.Lambda:
        return _target_name(expr.body, table)
    if dotted_parts(expr) is not None:
        return qualify(expr, table) or expression_text(expr)
    return None


def _lazy_value(expr: ast.expr) -> str | None:
    if type(expr) is ast.Constant:
        if expr.value is True:
            return "select"
        if expr.value is False:
            return "joined"
        if expr.value is None:
            return "noload"
        if isinstance(expr.value, str):
            return expr.value
    return None


def _lazy_in_mapping(expr: ast.expr) -> str | None:
    return next((_lazy_value(value) for key, value in _mapping_items(expr) if key == "lazy"), None)


def decorator_callee(decorator: ast.expr) -> ast.expr:
    return decorator.func if type(decorator) is ast.Call else decorator
