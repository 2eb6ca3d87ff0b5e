"""The lint rules: one small check per risk, named after squawk's rule where one exists.

Each rule looks at one :class:`~.model.Change` (with what the script did before it, in
:class:`ScriptState`) and, when the change is risky, says what it locks; the safe form
is a fixed line per rule (and dialect). Rules run only on the dialects where the risk
exists: PostgreSQL's locks are not SQLite's, and SQLite has no concurrent writers to
protect. Rules about the running application (drops, renames) run on every dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..sql.lexer import NAME, NUMBER, OPERATOR, STRING, is_punct, tokenize
from . import model
from .column_types import read_type
from .model import Change

POSTGRESQL = frozenset({"postgresql"})
POSTGRESQL_MYSQL = frozenset({"postgresql", "mysql"})

#: PostgreSQL functions that give each row its own value: a default calling one rewrites
#: the table on ADD COLUMN even on PostgreSQL 11+ (``now()`` is STABLE: one value, no
#: rewrite).
VOLATILE_FUNCTIONS = frozenset({
    "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    "uuidv4", "uuidv7", "random", "clock_timestamp", "timeofday", "nextval",
    "txid_current", "gen_random_bytes", "setseed",
})


@dataclass
class ScriptState:
    """What one script function has done so far, as the rules need it."""

    family: str
    server_version: tuple[int, ...] | None = None
    function: str = "upgrade"
    #: The lock timeout is set by whoever runs the script (an env.py that sets it).
    assume_lock_timeout: bool = False
    #: Tables created earlier in this function: nobody else uses them yet.
    new_tables: set[str] = field(default_factory=set)
    #: In a downgrade: what the upgrade created (dropping it again loses nothing old).
    upgrade_tables: frozenset[str] = frozenset()
    upgrade_columns: frozenset[tuple[str | None, str | None]] = frozenset()
    session_timeout: bool = False
    timeout_segments: set[int] = field(default_factory=set)
    #: Transaction segment -> the existing tables its DDL locks (until it commits).
    ddl_tables: dict[int, list[str]] = field(default_factory=dict)
    #: NOT VALID CHECKs added so far: name -> (table, segment, expression).
    not_valid_checks: dict[str, tuple[str | None, int, str | None]] = field(
        default_factory=dict)
    #: (table, column) pairs a validated ``col IS NOT NULL`` CHECK covers.
    checked_not_null: set[tuple[str | None, str | None]] = field(default_factory=set)

    def existing(self, table: str | None) -> bool:
        """Whether ``table`` was there before this function (unknown tables count); in a
        downgrade, a table its upgrade created is not: rolling back, nothing relies on it."""
        return table not in self.new_tables and table not in self.upgrade_tables

    def timeout_set(self, change: Change) -> bool:
        return (self.assume_lock_timeout or self.session_timeout
                or change.segment in self.timeout_segments)

    def postgresql_before(self, major: int) -> bool:
        return self.server_version is not None and self.server_version[0] < major

    def advance(self, change: Change) -> None:
        """Take ``change`` into account for the changes after it."""
        action = change.action
        if action == model.CREATE_TABLE and change.table is not None:
            self.new_tables.add(change.table)
        elif action == model.RENAME_TABLE and change.table in self.new_tables and change.name:
            self.new_tables.add(change.name)
        elif action == model.LOCK_TIMEOUT:
            if change.name == "local":
                self.timeout_segments.add(change.segment)
            else:
                self.session_timeout = True
        elif action == model.ADD_CONSTRAINT and change.constraint == model.CHECK:
            if change.not_valid and change.name:
                self.not_valid_checks[change.name] = (change.table, change.segment,
                                                      change.expression)
            elif not change.not_valid:
                self._mark_not_null(change.table, change.expression)
        elif action == model.VALIDATE_CONSTRAINT and change.name in self.not_valid_checks:
            table, _, expression = self.not_valid_checks[change.name]
            self._mark_not_null(table, expression)

    def _mark_not_null(self, table: str | None, expression: str | None) -> None:
        column = not_null_column(expression)
        if column is not None:
            self.checked_not_null.add((table, column))


def not_null_column(expression: str | None) -> str | None:
    """The column of a ``col IS NOT NULL`` condition, else None."""
    if expression is None:
        return None
    tokens = [t for t in tokenize(expression) if not is_punct(t, "(") and not is_punct(t, ")")]
    values = [t.value for t in tokens]
    if len(values) == 4 and values[1:] == ["is", "not", "null"]:
        return values[0]
    return None


def prepare(changes: list[Change], state: ScriptState) -> None:
    """Fill in the facts that need the whole function (which segments hold DDL)."""
    created: set[str] = set()
    for change in changes:
        if change.action == model.CREATE_TABLE and change.table is not None:
            created.add(change.table)
        elif (change.action in model.TABLE_DDL and change.table not in created
              and not change.concurrently):
            state.ddl_tables.setdefault(change.segment, []).append(change.table or "?")


# -- the rule table ---------------------------------------------------------------------------

Check = Callable[[Change, ScriptState], "str | None"]


@dataclass(frozen=True)
class Rule:
    """A rule: its name, what it catches (for the docs), its safe form, and its check,
    which returns what the change locks, or None when the change is fine."""

    name: str
    catches: str
    safe: Mapping[str, str]
    check: Check
    dialects: frozenset[str] | None = None
    #: Reported once per script function (on its first unacknowledged change).
    once: bool = False

    def applies_to(self, family: str) -> bool:
        return self.dialects is None or family in self.dialects

    def safe_form(self, family: str) -> str:
        return self.safe.get(family) or self.safe["*"]


RULES: dict[str, Rule] = {}


def rule(name: str, catches: str, safe: str | Mapping[str, str],
         dialects: frozenset[str] | None = None, once: bool = False) -> Callable[[Check], Check]:
    """Register the decorated check as the rule ``name``."""

    def register(check: Check) -> Check:
        forms = {"*": safe} if isinstance(safe, str) else dict(safe)
        RULES[name] = Rule(name, catches, forms, check, dialects, once)
        return check

    return register


#: MySQL/MariaDB ALTER algorithms that never copy the table: the server refuses the
#: statement rather than fall back to a copy.
NO_COPY_ALGORITHMS = frozenset({"inplace", "instant", "nocopy"})


def _copies(change: Change, state: ScriptState) -> bool:
    """On MySQL/MariaDB, whether the statement may fall back to a table copy."""
    return change.algorithm not in NO_COPY_ALGORITHMS


def _table(change: Change) -> str:
    return change.table or "the table"


def _column(change: Change) -> str:
    return f"{_table(change)}.{change.column}" if change.column else _table(change)


def _added_column(change: Change) -> bool:
    return change.action in (model.ADD_COLUMN, model.TABLE_COLUMN, model.ALTER_TYPE)


AUTOCOMMIT = "inside `with op.get_context().autocommit_block():`"


@rule("require-concurrent-index-creation",
      "CREATE INDEX on an existing table without CONCURRENTLY",
      f"op.create_index(..., postgresql_concurrently=True) {AUTOCOMMIT}", POSTGRESQL)
def _require_concurrent_index_creation(change: Change, state: ScriptState) -> str | None:
    if change.action == model.CREATE_INDEX and not change.concurrently and state.existing(
            change.table):
        return f"SHARE lock on {_table(change)} for the whole index build: every write waits"
    return None


@rule("require-concurrent-index-deletion",
      "DROP INDEX without CONCURRENTLY",
      f"op.drop_index(..., postgresql_concurrently=True) {AUTOCOMMIT}", POSTGRESQL)
def _require_concurrent_index_deletion(change: Change, state: ScriptState) -> str | None:
    if change.action == model.DROP_INDEX and not change.concurrently and state.existing(
            change.table):
        return f"ACCESS EXCLUSIVE lock on {_table(change)}: reads and writes wait"
    return None


@rule("ban-concurrent-index-creation-in-transaction",
      "CREATE/DROP INDEX CONCURRENTLY inside the migration's transaction",
      f"run the concurrent index op {AUTOCOMMIT}", POSTGRESQL)
def _ban_concurrent_index_in_transaction(change: Change, state: ScriptState) -> str | None:
    if change.action in (model.CREATE_INDEX, model.DROP_INDEX) and change.concurrently and (
            not change.autocommit):
        return "fails: CONCURRENTLY cannot run inside a transaction block"
    return None


@rule("constraint-missing-not-valid",
      "a CHECK added to an existing table without NOT VALID, or validated in the "
      "transaction that added it",
      {"*": "add it with postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later "
            "transaction",
       "mysql": "no online form: run it when the table is quiet, or check in the application"},
      POSTGRESQL_MYSQL)
def _constraint_missing_not_valid(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.ADD_CONSTRAINT and change.constraint == model.CHECK
            and not change.not_valid and state.existing(change.table)):
        if state.family == "mysql":
            if not _copies(change, state):
                return None
            return (f"copies {_table(change)} to check every row (ALGORITHM=COPY): writes "
                    "wait")
        return (f"ACCESS EXCLUSIVE lock on {_table(change)} while every row is checked: "
                "reads and writes wait")
    if change.action == model.VALIDATE_CONSTRAINT and change.name in state.not_valid_checks:
        _, segment, _ = state.not_valid_checks[change.name]
        if segment == change.segment:
            return (f"the ACCESS EXCLUSIVE lock of the ADD CONSTRAINT on {_table(change)} is "
                    "held while VALIDATE scans every row")
    return None


@rule("adding-foreign-key-constraint",
      "a foreign key added to an existing table in one step",
      {"*": "add it with postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later "
            "transaction",
       "mysql": "no online form: run it when the tables are quiet (or with "
                "foreign_key_checks=0 for INPLACE, after checking the data)"},
      POSTGRESQL_MYSQL)
def _adding_foreign_key_constraint(change: Change, state: ScriptState) -> str | None:
    if not (change.action == model.ADD_CONSTRAINT and change.constraint == model.FOREIGN_KEY
            and state.existing(change.table)):
        return None
    if state.family == "mysql":
        if not _copies(change, state):
            return None
        return f"copies {_table(change)} (ALGORITHM=COPY): writes wait until the copy is done"
    if change.not_valid:
        return None
    referred = f" and {change.referred_table}" if change.referred_table else ""
    return (f"SHARE ROW EXCLUSIVE lock on {_table(change)}{referred} while every row is "
            "checked: writes wait")


@rule("adding-not-nullable-field",
      "a NOT NULL column without a default added to an existing table",
      "add it nullable, fill it in batches, then make it NOT NULL through a CHECK "
      "(NOT VALID, VALIDATE, SET NOT NULL)", frozenset({"postgresql", "sqlite"}))
def _adding_not_nullable_field(change: Change, state: ScriptState) -> str | None:
    # MySQL/MariaDB fill the existing rows with the type's implicit default (0, '')
    if (change.action == model.ADD_COLUMN and change.nullable is False
            and change.default is None and change.generated is None and not change.identity
            and not read_type(change.column_type or "").is_serial
            and state.existing(change.table)):
        if state.family == "sqlite":
            return "fails: SQLite adds no NOT NULL column without a default"
        return f"fails when {_table(change)} has rows (no value for the existing rows)"
    return None


@rule("setting-not-nullable-field",
      "SET NOT NULL on an existing column with no validated CHECK (col IS NOT NULL)",
      "CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL "
      "(PostgreSQL 12+ skips the scan), then drop the CHECK", POSTGRESQL)
def _setting_not_nullable_field(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.SET_NOT_NULL and state.existing(change.table)
            and (change.table, change.column) not in state.checked_not_null):
        return (f"ACCESS EXCLUSIVE lock on {_table(change)} while every row is scanned: "
                "reads and writes wait")
    return None


def _widens_text(old: str | None, new: str | None) -> bool:
    """varchar(n) -> varchar(m >= n) or text: PostgreSQL changes the catalog only."""
    if old is None or new is None:
        return False
    before, after = read_type(old), read_type(new)
    if not (before.is_varchar or before.is_text):
        return False
    if after.is_text:
        return True
    return after.is_varchar and before.is_varchar and (
        after.length is None or (before.length is not None and after.length >= before.length))


@rule("changing-column-type",
      "a column's type changed on an existing table (a rewrite)",
      "expand/contract: add a column of the new type, write both, fill it in batches, "
      "switch reads, then drop the old column", POSTGRESQL_MYSQL)
def _changing_column_type(change: Change, state: ScriptState) -> str | None:
    if change.action != model.ALTER_TYPE or not state.existing(change.table):
        return None
    if state.family == "postgresql":
        if _widens_text(change.old_type, change.column_type):
            return None
        return (f"ACCESS EXCLUSIVE lock on {_table(change)} while it is rewritten: reads "
                "and writes wait")
    if not _copies(change, state):
        return None
    return f"copies {_table(change)} (ALGORITHM=COPY): writes wait until the copy is done"


def _is_volatile(default: str) -> bool:
    tokens = tokenize(default)
    return any(
        token.kind == NAME and token.value in VOLATILE_FUNCTIONS
        and index + 1 < len(tokens) and is_punct(tokens[index + 1], "(")
        for index, token in enumerate(tokens)
    )


def _is_constant(default: str) -> bool:
    return all(
        token.kind in (STRING, NUMBER) or (token.kind == OPERATOR and token.value in "+-")
        or (token.kind == NAME and token.value in ("true", "false", "null"))
        for token in tokenize(default, backslash_escapes=True)
    )


@rule("adding-field-with-default",
      "a column added with a default that rewrites the table (volatile on PostgreSQL 11+, "
      "any before; non-constant on MySQL/MariaDB)",
      "add the column with no default, then SET DEFAULT, then fill existing rows in "
      "batches", POSTGRESQL_MYSQL)
def _adding_field_with_default(change: Change, state: ScriptState) -> str | None:
    if change.action != model.ADD_COLUMN or change.default is None or not state.existing(
            change.table):
        return None
    if state.family == "postgresql":
        if state.postgresql_before(11) or _is_volatile(change.default):
            return (f"ACCESS EXCLUSIVE lock on {_table(change)} while every row is "
                    f"rewritten with DEFAULT {change.default}")
        return None
    if not _is_constant(change.default) and _copies(change, state):
        return (f"copies {_table(change)} for DEFAULT {change.default} (ALGORITHM=COPY): "
                "writes wait")
    return None


@rule("renaming-column",
      "a column of an existing table renamed",
      "expand/contract: add the new column, write both, fill it, switch reads, drop the "
      "old one later")
def _renaming_column(change: Change, state: ScriptState) -> str | None:
    if change.action == model.RENAME_COLUMN and state.existing(change.table):
        return (f"running code that still uses {_column(change)} fails at once (and the "
                "ALTER takes an ACCESS EXCLUSIVE lock)")
    return None


@rule("renaming-table",
      "an existing table renamed",
      "expand/contract: create the new table (or a view under the old name), switch the "
      "code, drop the old name later")
def _renaming_table(change: Change, state: ScriptState) -> str | None:
    if change.action == model.RENAME_TABLE and state.existing(change.table):
        return f"running code that still uses {_table(change)} fails at once"
    return None


@rule("ban-drop-column",
      "a column dropped from an existing table",
      "release code that no longer reads the column first (SQLAlchemy: remove it from "
      "the model), then drop it in a later migration")
def _ban_drop_column(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.DROP_COLUMN and state.existing(change.table)
            and (change.table, change.column) not in state.upgrade_columns
            and change.table not in state.upgrade_tables):
        return (f"running code that still reads {_column(change)} fails, and its data is "
                "gone")
    return None


@rule("ban-drop-table",
      "an existing table dropped",
      "release code that no longer uses the table first, back it up, then drop it in a "
      "later migration")
def _ban_drop_table(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.DROP_TABLE and state.existing(change.table)
            and change.table not in state.upgrade_tables):
        return f"running code that still uses {_table(change)} fails, and its rows are gone"
    return None


@rule("ban-drop-database", "DROP DATABASE in a migration",
      "never drop a database from a migration")
def _ban_drop_database(change: Change, state: ScriptState) -> str | None:
    if change.action == model.DROP_DATABASE:
        return f"drops the database {change.name or '(unnamed)'} and every table in it"
    return None


@rule("require-lock-timeout",
      "DDL on an existing table in a transaction with no lock_timeout set before it",
      "op.execute(\"SET LOCAL lock_timeout = '2s'\") first in the transaction (scripts "
      "written with MIGRATE_PLUS_ONLINE do)", POSTGRESQL, once=True)
def _require_lock_timeout(change: Change, state: ScriptState) -> str | None:
    # VALIDATE CONSTRAINT's lock lets reads and writes through, even while it waits
    if (change.action in model.TABLE_DDL and not change.concurrently
            and change.action != model.VALIDATE_CONSTRAINT
            and state.existing(change.table) and not state.timeout_set(change)):
        return (f"its lock on {_table(change)} waits behind any long transaction, and every "
                "query after it waits too")
    return None


def _type_of(change: Change, state: ScriptState) -> str | None:
    """The type a column is given, for the type rules; None in a downgrade, which puts
    back the types an older revision chose."""
    if state.function.startswith("downgrade"):
        return None
    return change.column_type if _added_column(change) else None


@rule("prefer-bigint-over-int",
      "a new int/integer/serial column",
      "sa.BigInteger() (bigint / bigserial)", POSTGRESQL_MYSQL)
def _prefer_bigint_over_int(change: Change, state: ScriptState) -> str | None:
    text = _type_of(change, state)
    if text is not None and read_type(text).is_int4:
        return (f"{_column(change)} runs out at 2,147,483,647, and widening it later "
                "rewrites the table under an exclusive lock")
    return None


@rule("prefer-bigint-over-smallint",
      "a new smallint/smallserial column",
      "sa.BigInteger() (bigint / bigserial)", POSTGRESQL_MYSQL)
def _prefer_bigint_over_smallint(change: Change, state: ScriptState) -> str | None:
    text = _type_of(change, state)
    if text is not None and read_type(text).is_int2:
        return (f"{_column(change)} runs out at 32,767, and widening it later rewrites the "
                "table under an exclusive lock")
    return None


@rule("prefer-identity",
      "a new serial column (an Integer primary key without sa.Identity())",
      "sa.Column(..., sa.Identity()) (GENERATED BY DEFAULT AS IDENTITY)", POSTGRESQL)
def _prefer_identity(change: Change, state: ScriptState) -> str | None:
    text = _type_of(change, state)
    if text is not None and read_type(text).is_serial:
        return (f"{_column(change)} is a serial: its sequence has its own owner and grants, "
                "and changing it later takes an exclusive lock")
    return None


@rule("prefer-text-field",
      "a new varchar(n) column",
      "sa.Text() (with a CHECK on length() added NOT VALID if the limit matters)",
      POSTGRESQL)
def _prefer_text_field(change: Change, state: ScriptState) -> str | None:
    text = _type_of(change, state)
    if text is not None:
        facts = read_type(text)
        if facts.is_varchar and facts.length is not None:
            return (f"changing the length limit of {_column(change)} later takes an ACCESS "
                    "EXCLUSIVE lock (and a rewrite when it shrinks)")
    return None


@rule("prefer-timestamptz",
      "a new timestamp column without time zone",
      "sa.DateTime(timezone=True) (timestamptz)", POSTGRESQL)
def _prefer_timestamptz(change: Change, state: ScriptState) -> str | None:
    text = _type_of(change, state)
    if text is not None and read_type(text).is_timestamp_without_time_zone:
        return (f"{_column(change)} loses the time zone, and changing it to timestamptz "
                "later rewrites the table")
    return None


@rule("ban-char-field",
      "a new char(n) column",
      "sa.Text() or sa.String()", POSTGRESQL)
def _ban_char_field(change: Change, state: ScriptState) -> str | None:
    text = _type_of(change, state)
    if text is not None and read_type(text).is_char:
        return (f"{_column(change)} pads values with spaces, and changing its type later "
                "rewrites the table")
    return None


@rule("disallowed-unique-constraint",
      "a UNIQUE constraint added to an existing table (it builds its index under lock)",
      f"op.create_index(..., unique=True, postgresql_concurrently=True) {AUTOCOMMIT}, "
      "then ADD CONSTRAINT ... UNIQUE USING INDEX", POSTGRESQL)
def _disallowed_unique_constraint(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.ADD_CONSTRAINT and change.constraint == model.UNIQUE
            and not change.using_index and state.existing(change.table)):
        return (f"ACCESS EXCLUSIVE lock on {_table(change)} while the unique index is built: "
                "reads and writes wait")
    return None


@rule("adding-primary-key-constraint",
      "a primary key added to an existing table (it builds its index under lock)",
      "make the columns NOT NULL through a CHECK, CREATE UNIQUE INDEX CONCURRENTLY, then "
      "ADD CONSTRAINT ... PRIMARY KEY USING INDEX", POSTGRESQL)
def _adding_primary_key_constraint(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.ADD_CONSTRAINT and change.constraint == model.PRIMARY_KEY
            and not change.using_index and state.existing(change.table)):
        return (f"ACCESS EXCLUSIVE lock on {_table(change)} while the index is built (and "
                "NOT NULL is checked): reads and writes wait")
    return None


@rule("adding-stored-generated-column",
      "a stored generated column added to an existing table",
      {"*": "add a plain column and fill it in batches (and keep it up to date in the "
            "application or a trigger), or use an expression index",
       "mysql": "a VIRTUAL generated column (no copy), or a plain column filled in "
                "batches"},
      POSTGRESQL_MYSQL)
def _adding_stored_generated_column(change: Change, state: ScriptState) -> str | None:
    if (change.action == model.ADD_COLUMN and change.generated == "stored"
            and state.existing(change.table)):
        if state.family == "mysql":
            if not _copies(change, state):
                return None
            return f"copies {_table(change)} to compute {change.column}: writes wait"
        return (f"ACCESS EXCLUSIVE lock on {_table(change)} while every row is rewritten: "
                "reads and writes wait")
    return None


@rule("executing-raw-sql",
      "SQL the linter cannot read (op.execute of something other than known DDL/DML)",
      "check what it locks by hand, then acknowledge it with "
      "# migrate-plus: safe executing-raw-sql")
def _executing_raw_sql(change: Change, state: ScriptState) -> str | None:
    if change.action == model.RAW_SQL:
        statement = " ".join((change.statement or "").split())
        shown = statement if len(statement) <= 60 else statement[:57] + "..."
        return f"unknown: the linter cannot read {shown!r}"
    return None


@rule("backfill-in-ddl-transaction",
      "UPDATE/DELETE in the same transaction as DDL on an existing table",
      f"fill the rows in batches {AUTOCOMMIT}, each batch its own transaction",
      POSTGRESQL)
def _backfill_in_ddl_transaction(change: Change, state: ScriptState) -> str | None:
    if change.action not in (model.UPDATE, model.DELETE):
        return None
    locked = state.ddl_tables.get(change.segment)
    if not locked:
        return None
    names = ", ".join(sorted(set(locked)))
    return f"the DDL locks on {names} are held until the whole backfill commits"


RULE_NAMES = tuple(RULES)
