"""What the linter reads a script into, and what it reports.

A :class:`Change` is one thing a migration does to the database, whichever way the script
wrote it: ``op.create_index(...)``, ``batch_op.add_column(...)`` and
``op.execute("CREATE INDEX ...")`` all become the same kind of change, so each rule is
written once. A :class:`Finding` is one rule's report about one change.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- what a change does (Change.action) -----------------------------------------------------

CREATE_TABLE = "create_table"
#: A column of a table the same change creates (type rules read these too).
TABLE_COLUMN = "table_column"
DROP_TABLE = "drop_table"
RENAME_TABLE = "rename_table"
ADD_COLUMN = "add_column"
DROP_COLUMN = "drop_column"
RENAME_COLUMN = "rename_column"
ALTER_TYPE = "alter_type"
SET_NOT_NULL = "set_not_null"
#: Any other ALTER TABLE (defaults, comments, dropping a constraint): quick, but it still
#: takes the table's lock, so it waits behind a long transaction.
ALTER_TABLE = "alter_table"
CREATE_INDEX = "create_index"
DROP_INDEX = "drop_index"
ADD_CONSTRAINT = "add_constraint"
VALIDATE_CONSTRAINT = "validate_constraint"
LOCK_TIMEOUT = "lock_timeout"
UPDATE = "update"
DELETE = "delete"
INSERT = "insert"
DROP_DATABASE = "drop_database"
#: COMMIT (or ROLLBACK) run as SQL: what follows is another transaction.
END_TRANSACTION = "end_transaction"
#: SQL the linter cannot read: what it does and locks is unknown.
RAW_SQL = "raw_sql"
#: Statements the linter reads and that take no lock worth a rule (SELECT, COMMENT ON,
#: CREATE TYPE, SET of other settings ...).
HARMLESS = "harmless"

#: Changes that take a lock on an existing table (the DDL of a transaction).
TABLE_DDL = frozenset({
    DROP_TABLE, RENAME_TABLE, ADD_COLUMN, DROP_COLUMN, RENAME_COLUMN, ALTER_TYPE,
    SET_NOT_NULL, ALTER_TABLE, CREATE_INDEX, DROP_INDEX, ADD_CONSTRAINT, VALIDATE_CONSTRAINT,
})

# -- constraint kinds (Change.constraint) ---------------------------------------------------

CHECK = "check"
FOREIGN_KEY = "foreign_key"
UNIQUE = "unique"
PRIMARY_KEY = "primary_key"


@dataclass(frozen=True)
class Location:
    """Where a change is written: the script, its line, and the function that ran it."""

    file: str
    line: int
    function: str = "upgrade"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Change:
    """One thing a script does, with the facts the rules need about it.

    ``segment`` numbers the transactions of one script function: changes with the same
    number commit together; ``autocommit`` is set for changes that run outside any
    transaction (inside ``op.get_context().autocommit_block()``).
    """

    action: str
    location: Location
    table: str | None = None
    column: str | None = None
    #: The index's, constraint's or database's name, or the new name of a rename.
    name: str | None = None
    autocommit: bool = False
    segment: int = 0
    concurrently: bool = False
    unique: bool = False
    #: A column's type as the server spells it (lower case), old and new for a change.
    column_type: str | None = None
    old_type: str | None = None
    nullable: bool | None = None
    #: A column's server default, as SQL text.
    default: str | None = None
    #: "stored" or "virtual" for a generated column.
    generated: str | None = None
    identity: bool = False
    constraint: str | None = None
    not_valid: bool = False
    using_index: bool = False
    #: The table a foreign key refers to.
    referred_table: str | None = None
    #: A CHECK constraint's condition.
    expression: str | None = None
    #: The SQL statement as written, for raw SQL and statements read from op.execute.
    statement: str | None = None
    #: MySQL/MariaDB: the ALGORITHM the ALTER TABLE asks for (``inplace``, ``instant`` ...).
    algorithm: str | None = None
    #: How the script wrote it: "op.create_index", "op.execute", "bind.execute" ...
    source: str = ""


@dataclass(frozen=True)
class Finding:
    """One risky change: where it is, which rule, what it locks, and the safe form."""

    file: str
    line: int
    rule: str
    locks: str
    safe: str
    function: str = "upgrade"
    #: The revision id, when the script was found through a migrations folder.
    revision: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.locks}; safe form: {self.safe}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "line": self.line, "rule": self.rule, "locks": self.locks,
            "safe": self.safe, "function": self.function, "revision": self.revision,
        }
