"""How each sqlalchemy-utils type is written into a script: a data table, one row per class.

Two ways to write a type:

- ``"decorator"``: ``sqlalchemy_utils.<Class>(<args>)`` plus ``import sqlalchemy_utils``. Needed
  where the column type differs by dialect (UUIDType is UUID on PostgreSQL, BINARY(16)
  elsewhere), so no single SQLAlchemy type would do.
- ``"impl"``: the plain SQLAlchemy type the decorator stores its data in
  (``sa.Unicode(length=20)``).
  Used where the constructor cannot be rebuilt from the instance, or would carry an
  encryption key, a callable or the application's Enum class into the script, or where
  rebuilding it would make the migration depend on an optional library for nothing.

``arguments`` rebuilds the constructor arguments that matter for DDL, from the instance; it is
None where no safe rebuild exists (a row with no ``arguments`` can only be rendered "impl").
docs/type-rendering.md is this table in prose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["impl", "decorator"]
MODES: tuple[Mode, ...] = ("impl", "decorator")

#: Renders a nested type (used by CompositeType for its fields).
RenderType = Callable[[Any], str]
Arguments = Callable[[Any, RenderType], "str | None"]

MODULE = "sqlalchemy_utils"
IMPORT = "import sqlalchemy_utils"


@dataclass(frozen=True)
class Rule:
    mode: Mode
    arguments: Arguments | None
    why: str


def _no_arguments(type_: Any, render: RenderType) -> str:
    return ""


def _uuid(type_: Any, render: RenderType) -> str:
    return f"binary={bool(type_.binary)!r}, native={bool(type_.native)!r}"


def _arrow(type_: Any, render: RenderType) -> str:
    return f"timezone={bool(type_.impl_instance.timezone)!r}"


def _password(type_: Any, render: RenderType) -> str:
    # The hash schemes only decide the length; the length is all the DDL needs.
    return f"max_length={int(type_.length)!r}"


def _impl_length(keyword: str) -> Arguments:
    def arguments(type_: Any, render: RenderType) -> str:
        return f"{keyword}={int(type_.impl_instance.length)!r}"

    return arguments


def _scalar_list(type_: Any, render: RenderType) -> str:
    # coerce_func is a callable: it stays out of the script (it is not DDL anyway).
    return f"separator={str(type_.separator)!r}"


def _timezone(type_: Any, render: RenderType) -> str:
    return f"backend={str(type_.backend)!r}"


def _choice(type_: Any, render: RenderType) -> str | None:
    # Only literal (code, label) pairs can be written; an Enum class would need an import
    # of the application's module.
    choices = type_.choices
    if not isinstance(choices, tuple) or not all(
        isinstance(pair, tuple) and all(isinstance(v, (str, int)) for v in pair)
        for pair in choices
    ):
        return None
    return f"{list(choices)!r}, impl={render(type_.impl_instance)}"


def _composite(type_: Any, render: RenderType) -> str:
    fields = ", ".join(
        f"sa.Column({str(column.name)!r}, {render(column.type)})" for column in type_.columns
    )
    return f"{str(type_.name)!r}, [{fields}]"


_DIALECT_DEPENDENT = "the column type differs by dialect"

SQLALCHEMY_UTILS: dict[str, Rule] = {
    "UUIDType": Rule("decorator", _uuid, _DIALECT_DEPENDENT + " (UUID / BINARY(16) / CHAR(32))"),
    "JSONType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT + " (JSON / TEXT)"),
    "DateRangeType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT),
    "DateTimeRangeType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT),
    "IntRangeType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT),
    "Int8RangeType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT),
    "NumericRangeType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT),
    "WeekDaysType": Rule("decorator", _no_arguments, _DIALECT_DEPENDENT + " (BIT(7) / BINARY(7))"),
    "TSVectorType": Rule("decorator", _no_arguments, "PostgreSQL TSVECTOR"),
    "LtreeType": Rule("decorator", _no_arguments, "PostgreSQL ltree (extension created first)"),
    "ArrowType": Rule("decorator", _arrow, _DIALECT_DEPENDENT + " (time zone on PostgreSQL)"),
    "PasswordType": Rule("decorator", _password, _DIALECT_DEPENDENT + " (BYTEA / VARBINARY(n))"),
    "CompositeType": Rule("decorator", _composite, "a PostgreSQL type created by the script"),
    "ChoiceType": Rule("impl", _choice, "choices may be an application Enum class"),
    "EncryptedType": Rule("impl", None, "the constructor carries the encryption key"),
    "StringEncryptedType": Rule("impl", None, "the constructor carries the encryption key"),
    "ScalarListType": Rule("impl", _scalar_list, "the constructor carries a callable"),
    "TimezoneType": Rule("impl", _timezone, "its repr is not a constructor call"),
    "LocaleType": Rule("impl", _no_arguments, "its repr is not a constructor call"),
    "EmailType": Rule("impl", _impl_length("length"), "a plain string column"),
    "CurrencyType": Rule("impl", _no_arguments, "a plain string column (needs babel)"),
    "CountryType": Rule("impl", _no_arguments, "a plain string column"),
    "URLType": Rule("impl", _no_arguments, "a plain text column (needs furl)"),
    "ColorType": Rule("impl", _impl_length("max_length"), "its repr loses max_length"),
    "IPAddressType": Rule("impl", _impl_length("max_length"), "its repr loses max_length"),
    "PhoneNumberType": Rule("impl", _impl_length("max_length"), "its repr loses max_length"),
}


def library_class(type_: Any) -> type | None:
    """The nearest sqlalchemy-utils class in the type's MRO that the table knows, if any."""
    for cls in type(type_).__mro__:
        if cls.__module__.startswith(MODULE + ".") and cls.__name__ in SQLALCHEMY_UTILS:
            return cls
    return None


def holds_secret(type_: Any) -> bool:
    """True for a library class, or a subclass of one, that has no safe constructor form."""
    cls = library_class(type_)
    return cls is not None and SQLALCHEMY_UTILS[cls.__name__].arguments is None


def rule_for(type_: Any) -> Rule | None:
    """The table's row for a type that is itself a sqlalchemy-utils class."""
    cls = type(type_)
    if not cls.__module__.startswith(MODULE + "."):
        return None
    return SQLALCHEMY_UTILS.get(cls.__name__)
