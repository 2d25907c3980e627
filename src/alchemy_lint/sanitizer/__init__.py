"""The runtime sanitizer: a pytest plugin that checks the linter's rules while the tests run.

Off until asked (`pytest --alchemy-sanitize`, `--alchemy-sanitize=strict`, or `alchemy_sanitize =
true|strict` in the ini options); `plugin` is the `pytest11` entry point and imports nothing
else while it is off. Turned on, it reports with the linter's codes:

- ASA201: two operations in flight on one `AsyncSession` or `AsyncConnection` from two tasks,
  whether or not the driver noticed, with both tasks' lines and where each task was created;
- ASA301: a lazy load from async code (model, relationship, line), before `MissingGreenlet`;
- ASA302: a read of an attribute that `commit()`/`rollback()` expired, with the commit's line;
- ASA401: `commit()`/`rollback()` inside the session's own `async with session.begin()`;
- ASA107: a session or connection the test opened that still holds a pooled connection when
  the test ends, or when it is garbage collected.

Tested on SQLAlchemy 2.0 (2.0.58) and 2.1 (2.1.9) with aiosqlite. Public APIs where they exist:

- `Session` events `after_commit` and `after_soft_rollback`: what expired a session's objects;
- `Pool` events `checkout` and `checkin`: which connections a session or connection holds;
- `sys.set_coroutine_origin_tracking_depth` (`cr_origin`): where a task's coroutine was created,
  i.e. the `gather(...)` argument or `create_task(...)` line; `Task.get_coro()` with
  `cr_await`/`cr_frame`: the stack of a task that waits.

Private hooks, none of which has a public event (each is undone at the end of the run):

- every coroutine method of `AsyncSession`, `AsyncSessionTransaction`, `AsyncConnection` and
  `AsyncTransaction` (and of their subclasses, such as SQLModel's `AsyncSession.exec`) is
  wrapped: an operation is in flight from the call until it returns, per session and task
  (ASA201); `AsyncSessionTransaction.start(is_ctxmanager=True)` and `__aexit__` bound an
  `async with session.begin()` block (ASA401). `do_orm_execute` fires inside the greenlet, for
  ORM statements only, and has no end event, so it cannot tell what is in flight;
- `AsyncSession.__init__` and `AsyncConnection.__init__`: where a test opened one (ASA107),
  and subclasses defined after the run started get their methods wrapped;
- `sqlalchemy.orm.attributes.AttributeImpl._fire_loader_callables` (`_AttributeImpl` in 2.1):
  the one place where reading an unloaded attribute becomes a load, either a relationship's
  lazy loader (ASA301) or the refresh of an expired attribute (ASA302); it has the instance
  state and the attribute's key before `MissingGreenlet` is raised;
- `sqlalchemy.util.concurrency.in_greenlet()`: a load inside `greenlet_spawn` (`run_sync`,
  `awaitable_attrs`, `refresh`) is legal.

SQLAlchemy's `__aexit__` of a session or connection runs `close()` in a task of its own,
shielded from cancellation, and waits for it: the exit is not counted as a second operation.
Not covered: iterating a streamed `AsyncResult`; sessions shared by tasks whose operations never
overlap; pytest-xdist (each worker writes its own report).
"""
