"""Run a migration script's ``upgrade()`` and ``downgrade()`` without a database, and
record every change they would make, with the script line that asked for it.

The script's ``op`` is a :class:`RecordingOperations`: Alembic's own ``Operations`` class,
so every op (and any op a plugin registers) builds the same op object it would in a real
run, but ``invoke`` reads that object into changes instead of running it. The same holds
inside ``batch_alter_table`` (a batch is read op by op, never rebuilt) and
``op.get_context().autocommit_block()`` (whose changes are marked as running outside a
transaction).

Scripts that raise NotImplementedError (an irreversible downgrade) are read up to the
raise. ``alembic.context`` answers as an online run with no ``-x`` arguments.

Scripts that read the database while they run (a batched fill calls ``op.get_bind()``)
get a :class:`RecordingBind`: what they execute on it is recorded like ``op.execute``,
and every read returns no rows (``fetchall()`` is ``[]``, ``scalar()`` is None,
``rowcount`` is 0), so a loop "until no row is left" ends after one pass.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from alembic.operations import BatchOperations, Operations, ops
from alembic.operations.batch import BatchOperationsImpl
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Dialect

from ..sql.dialects import dialect_family
from . import model
from .model import Change, Location
from .operations import read_op, read_sql


class LintError(Exception):
    """A script could not be linted: it does not load, or fails while it runs."""


_module_numbers = itertools.count()


@dataclass
class _Recorder:
    """The changes of one script function, and the transaction they are in."""

    path: str
    function: str
    dialect: Dialect
    changes: list[Change] = field(default_factory=list)
    segment: int = 0
    autocommit: bool = False

    @property
    def family(self) -> str:
        return dialect_family(self.dialect.name)

    def location(self) -> Location:
        """The line of the script being run: the innermost frame of the script's file."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != self.path:
            frame = frame.f_back  # type: ignore[assignment]
        line = frame.f_lineno if frame is not None else 0
        return Location(self.path, line or 0, self.function)

    def add(self, changes: list[Change]) -> None:
        for change in changes:
            self.changes.append(replace(change, segment=self.segment,
                                        autocommit=self.autocommit))
            if change.action == model.END_TRANSACTION:
                self.segment += 1

    def record_op(self, operation: ops.MigrateOperation) -> None:
        self._next_statement()
        self.add(read_op(operation, self.location(), self.dialect, self.family))

    def record_sql(self, statement: Any, source: str) -> None:
        self._next_statement()
        self.add(read_sql(statement, self.location(), self.dialect, self.family, source))

    def _next_statement(self) -> None:
        """Outside a transaction, each call runs in a transaction of its own (a ``DO``
        block, or statements sent together, share one)."""
        if self.autocommit:
            self.segment += 1

    @contextmanager
    def outside_transaction(self) -> Iterator[None]:
        """``autocommit_block()``: what runs inside commits statement by statement."""
        was = self.autocommit
        self.segment += 1
        self.autocommit = True
        try:
            yield
        finally:
            self.autocommit = was
            self.segment += 1

    @contextmanager
    def own_transaction(self) -> Iterator[None]:
        """``bind.begin()`` inside an autocommit block: one transaction of its own."""
        was = self.autocommit
        self.segment += 1
        self.autocommit = False
        try:
            yield
        finally:
            self.autocommit = was
            self.segment += 1


class _NoRows:
    """The result of every statement run on a :class:`RecordingBind`: no rows."""

    rowcount = 0
    returns_rows = False

    def _nothing(self, *args: Any, **kwargs: Any) -> None:
        return None

    def _empty(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def _self(self, *args: Any, **kwargs: Any) -> _NoRows:
        return self

    fetchone = first = one = one_or_none = scalar = scalar_one = scalar_one_or_none = _nothing
    fetchall = fetchmany = all = keys = _empty
    scalars = mappings = columns = unique = partitions = _self

    def close(self) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class RecordingBind:
    """What ``op.get_bind()`` returns while a script is linted (see the module docstring)."""

    def __init__(self, recorder: _Recorder) -> None:
        self._recorder = recorder
        self.dialect = recorder.dialect

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> _NoRows:
        self._recorder.record_sql(statement, "bind.execute")
        return _NoRows()

    exec_driver_sql = execute

    def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> None:
        self._recorder.record_sql(statement, "bind.execute")
        return None

    def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> _NoRows:
        return self.execute(statement)

    def begin(self) -> Any:
        return self._recorder.own_transaction()

    begin_nested = begin

    def commit(self) -> None:
        self._recorder.segment += 1

    rollback = commit

    def in_transaction(self) -> bool:
        return not self._recorder.autocommit

    def execution_options(self, **options: Any) -> RecordingBind:
        return self

    def close(self) -> None:
        return None

    @property
    def connection(self) -> RecordingBind:
        return self


class _RecordingContext:
    """What ``op.get_context()`` returns: the real MigrationContext (dialect, options), with
    an ``autocommit_block()`` that records instead of committing."""

    def __init__(self, recorder: _Recorder, context: MigrationContext) -> None:
        self._recorder = recorder
        self._context = context

    def autocommit_block(self) -> Any:
        return self._recorder.outside_transaction()

    #: An online run: scripts that skip their data work in ``--sql`` mode do it here.
    as_sql = False

    @property
    def bind(self) -> RecordingBind:
        return RecordingBind(self._recorder)

    connection = bind

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class RecordingOperations(Operations):
    """Alembic's ``Operations`` whose ops are recorded, never run."""

    def __init__(self, migration_context: MigrationContext, recorder: _Recorder,
                 impl: Any = None) -> None:
        super().__init__(migration_context, impl)
        self._recorder = recorder

    def invoke(self, operation: ops.MigrateOperation) -> Any:
        self._recorder.record_op(operation)
        if isinstance(operation, ops.CreateTableOp):
            return operation.to_table(self.migration_context)
        return None

    @contextmanager
    def batch_alter_table(
        self, table_name: str, schema: str | None = None, recreate: str = "auto",
        *args: Any, **kwargs: Any,
    ) -> Iterator[BatchOperations]:
        impl = BatchOperationsImpl(self, table_name, schema, recreate, None, (), {}, (), {},
                                   None, ())
        yield _RecordingBatchOperations(self.migration_context, self._recorder, impl)

    def get_context(self) -> Any:
        return _RecordingContext(self._recorder, self.migration_context)

    def get_bind(self) -> Any:
        return RecordingBind(self._recorder)


class _RecordingBatchOperations(BatchOperations):
    """``batch_op`` inside ``batch_alter_table``: its ops are recorded one by one."""

    def __init__(self, migration_context: MigrationContext, recorder: _Recorder,
                 impl: BatchOperationsImpl) -> None:
        super().__init__(migration_context, impl)
        self._recorder = recorder

    def invoke(self, operation: ops.MigrateOperation) -> Any:
        self._recorder.record_op(operation)
        return None

    def get_context(self) -> Any:
        return _RecordingContext(self._recorder, self.migration_context)

    def get_bind(self) -> Any:
        return RecordingBind(self._recorder)


def load_script(path: str) -> ModuleType:
    """Import a migration script as a module of its own (never cached in sys.modules)."""
    name = f"_migrate_plus_lint_{next(_module_numbers)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LintError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise LintError(f"{path}: the script cannot be loaded: {_one_line(exc)}") from exc
    return module


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def script_functions(module: ModuleType) -> list[tuple[str, Callable[[], Any]]]:
    """The functions to run: ``upgrade``/``downgrade``, or in a multi-database script
    (whose ``upgrade(engine_name)`` takes the database's name) ``upgrade_<bind>``/
    ``downgrade_<bind>`` for each database."""
    found: list[tuple[str, Callable[[], Any]]] = []
    for direction in ("upgrade", "downgrade"):
        entry = getattr(module, direction, None)
        if not callable(entry):
            continue
        if _takes_arguments(entry):
            names = sorted(name for name in vars(module)
                           if name.startswith(direction + "_") and callable(vars(module)[name]))
        else:
            names = [direction]
        found.extend((name, getattr(module, name)) for name in names)
    return found


def _takes_arguments(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in parameters)


def migration_context(dialect_name: str,
                      server_version: tuple[int, ...] | None = None) -> MigrationContext:
    """A context for ``dialect_name`` that needs no database."""
    context = MigrationContext.configure(dialect_name=dialect_name, opts={"as_sql": True})
    if server_version is not None:
        context.dialect.server_version_info = server_version
    return context


def function_dialect(function: str, dialect_name: str,
                     bind_dialects: Mapping[str, str] | None) -> str:
    """The dialect a script function runs on: in a multi-database script,
    ``upgrade_<bind>`` runs on that bind's database (``""`` is the default one)."""
    bind = function.partition("_")[2] if "_" in function else None
    if bind is not None and bind_dialects and bind in bind_dialects:
        return bind_dialects[bind]
    return dialect_name


def record_script(path: str | os.PathLike[str], dialect_name: str,
                  server_version: tuple[int, ...] | None = None,
                  bind_dialects: Mapping[str, str] | None = None) -> dict[str, list[Change]]:
    """Run every function of the script at ``path``; function name -> its changes."""
    path = str(path)
    module = load_script(path)
    recorded: dict[str, list[Change]] = {}
    for name, function in script_functions(module):
        own_dialect = function_dialect(name, dialect_name, bind_dialects)
        context = migration_context(
            own_dialect, server_version if own_dialect == dialect_name else None)
        recorder = _Recorder(path, name, context.dialect)
        operations = RecordingOperations(context, recorder)
        try:
            with _as_proxy(Operations, operations), \
                    _as_proxy(EnvironmentContext, _LintEnvironment(operations)):
                function()
        except LintError:
            raise
        except NotImplementedError:
            pass  # an irreversible revision's downgrade: what ran before the raise counts
        except Exception as exc:
            line = _failing_line(exc, path)
            raise LintError(
                f"{path}:{line}: {name}() failed while being linted: {_one_line(exc)}"
            ) from exc
        recorded[name] = recorder.changes
    return recorded


class _LintEnvironment:
    """What ``alembic.context`` answers while a script is linted: an online run with no
    ``-x`` arguments, whose context and bind are the recording ones."""

    def __init__(self, operations: RecordingOperations) -> None:
        self._operations = operations
        self.config = None
        self.script = None

    def is_offline_mode(self) -> bool:
        return False

    def is_transactional_ddl(self) -> bool:
        return bool(self._operations.migration_context.impl.transactional_ddl)

    def get_x_argument(self, as_dictionary: bool = False) -> Any:
        return {} if as_dictionary else []

    def get_context(self) -> Any:
        return self._operations.get_context()

    def get_bind(self) -> Any:
        return self._operations.get_bind()


@contextmanager
def _as_proxy(cls: Any, target: Any) -> Iterator[None]:
    """Make ``target`` what the module proxy of ``cls`` calls (``alembic.op`` for
    Operations, ``alembic.context`` for EnvironmentContext), as ``Operations.context`` does
    for a real run (Alembic keys its proxies by class, so a subclass installs as its base);
    whatever was installed before is put back."""
    attr_names, modules = cls._setups[cls]
    saved = [(globals_, dict(globals_)) for globals_, _ in modules]
    try:
        for globals_, _ in modules:
            globals_["_proxy"] = target
            for attr_name in attr_names:
                globals_[attr_name] = getattr(target, attr_name)
        yield
    finally:
        for globals_, before in saved:
            for key in ["_proxy", *attr_names]:
                if key in before:
                    globals_[key] = before[key]
                else:
                    globals_.pop(key, None)


def _failing_line(exc: BaseException, path: str) -> int:
    """The last line of the script in the traceback of ``exc``."""
    line = 0
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == path:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
