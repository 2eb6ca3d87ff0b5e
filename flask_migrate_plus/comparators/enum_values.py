"""The operation that changes the values of a PostgreSQL enum type, and how it plans the change.

An enum type is shared by every column that uses it, in any table, so a change of its values
is one operation per type, not one per column. The plan is chosen from the two value lists:

- the new list is the old one with values inserted (order kept): ``ADD VALUE`` per new value;
- exactly one value differs, at the same position, and the new label is not an old one:
  a rename (``RENAME VALUE``), if renames are allowed. Same count and same position is what
  tells a rename from a removal plus an addition; anything looser would be a guess;
- anything else (removals, reorders, several changes): a new type is created, every column is
  cast to it through ``text``, the old type is dropped and the new one takes its name.

This module only describes the change; ``flask_migrate_plus.renderers.enums`` writes the code.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any, NamedTuple

from alembic.operations.ops import MigrateOperation


class EnumColumn(NamedTuple):
    """A table column typed with the enum (or an array of it), as the database has it.

    ``default`` is the column default before the change: SQL text as PostgreSQL prints it
    (``'a'::status``), or a model ``DefaultClause`` on the reversed op. When the same
    migration changes that default, the op takes the change over (``default_changes``):
    a default must be dropped and set around the type change anyway, and a separate
    ``alter_column`` would run on the wrong side of it in one direction (setting, on
    downgrade, a value that the type only gets back later).
    """

    schema: str | None  # None: the connection's default schema
    table: str
    column: str
    is_array: bool
    default: Any
    new_default: Any = None
    default_changes: bool = False

    def reversed(self) -> EnumColumn:
        if not self.default_changes:
            return self
        return self._replace(default=self.new_default, new_default=self.default)

    @property
    def final_default(self) -> Any:
        """The default the column has once the op ran."""
        return self.new_default if self.default_changes else self.default


class AddedValue(NamedTuple):
    """One ``ADD VALUE`` step: the value and its neighbour (``None``: append at the end)."""

    value: str
    before: str | None = None
    after: str | None = None


def added_values(old: Sequence[str], new: Sequence[str]) -> list[AddedValue] | None:
    """The ``ADD VALUE`` steps that turn ``old`` into ``new``; None if ``new`` is not that.

    Steps run in list order, so each one can name a neighbour that exists by then.
    """
    kept = [value for value in new if value in old]
    if kept != list(old) or len(new) == len(old):
        return None
    steps = []
    for index, value in enumerate(new):
        if value in old:
            continue
        if all(later not in old for later in new[index:]):
            steps.append(AddedValue(value))  # a tail of new values: plain appends
        elif index == 0:
            steps.append(AddedValue(value, before=old[0]))
        else:
            steps.append(AddedValue(value, after=new[index - 1]))
    return steps


def renamed_value(old: Sequence[str], new: Sequence[str]) -> tuple[str, str] | None:
    """``(old label, new label)`` when exactly one label changed in place; None otherwise."""
    if len(old) != len(new):
        return None
    changed = [(before, after) for before, after in zip(old, new, strict=True) if before != after]
    if len(changed) != 1:
        return None
    before, after = changed[0]
    if after in old or before in new:
        return None
    return before, after


#: PostgreSQL's identifier length limit, in bytes.
MAX_IDENTIFIER = 63


def free_temporary_name(name: str, taken: Container[str] = ()) -> str:
    """A name for the rebuilt type while the old one still exists: ``<name>_new``, or with
    a number when that is taken, cut to PostgreSQL's identifier length."""
    for attempt in range(100):
        suffix = "_new" if attempt == 0 else f"_new{attempt}"
        stem = name.encode()[: MAX_IDENTIFIER - len(suffix)].decode(errors="ignore")
        if stem + suffix not in taken:
            break
    return stem + suffix


class SyncEnumValuesOp(MigrateOperation):
    """Give the enum type ``schema.name`` the values ``new_values`` (it has ``old_values``)."""

    def __init__(
        self,
        schema: str | None,
        name: str,
        old_values: Sequence[str],
        new_values: Sequence[str],
        columns: Sequence[EnumColumn] = (),
        *,
        allow_rename: bool = True,
        temporary_name: str | None = None,
    ) -> None:
        self.schema = schema
        self.name = name
        self.old_values = tuple(old_values)
        self.new_values = tuple(new_values)
        self.columns = tuple(columns)
        self.allow_rename = allow_rename
        self.temporary_name = temporary_name or free_temporary_name(name)

    @property
    def additions(self) -> list[AddedValue] | None:
        """The ``ADD VALUE`` steps, when the change is only insertions."""
        return added_values(self.old_values, self.new_values)

    @property
    def rename(self) -> tuple[str, str] | None:
        """The single in-place rename, when the change is one and renames are allowed."""
        if not self.allow_rename:
            return None
        return renamed_value(self.old_values, self.new_values)

    @property
    def recreates_type(self) -> bool:
        """True when the type must be rebuilt and every column cast to the new one."""
        return self.additions is None and self.rename is None

    @property
    def removed_values(self) -> list[str]:
        """Values that rows must not hold for the cast to succeed."""
        if self.rename is not None:
            return []
        return [value for value in self.old_values if value not in self.new_values]

    def reverse(self) -> SyncEnumValuesOp:
        return SyncEnumValuesOp(
            self.schema,
            self.name,
            self.new_values,
            self.old_values,
            [column.reversed() for column in self.columns],
            allow_rename=self.allow_rename,
            temporary_name=self.temporary_name,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("sync_enum_values", self.schema, self.name, self.old_values, self.new_values)
