"""``render_item`` for types that are not SQLAlchemy's own: runnable text plus its import.

Alembic writes any other type as ``<module>.<repr>`` and imports nothing, so the script fails
with NameError, or worse runs with a repr that is not a constructor call. We choose per type:

1. sqlalchemy-utils classes follow the data table in ``third_party`` (decorator or storage
   type), overridable per class name with the ``migrate_plus_type_rendering`` option
   (``{"ColorType": "decorator"}``);
2. the application's own types are written as ``module.Class(args)`` with ``import module``
   when their repr is a faithful constructor, which includes building its column into a
   table with the application's events running (``app_types``);
3. otherwise a TypeDecorator is written as its storage type, with a comment naming the model
   type it stands for.

Every text we return is then checked by ``verify``. wiring.py chains this after the user's
own ``render_item`` (theirs decides first). Server defaults and CHECK texts are written by
``literals``, a column's own CHECKs by ``columns``.
"""

from __future__ import annotations

import ast
import logging
import re
from typing import Any, Literal

from sqlalchemy.types import TypeDecorator

from . import third_party
from .app_types import faithful_constructor
from .columns import render_column_checks
from .literals import render_check, render_server_default
from .plain import is_sqlalchemy_type, public_type, render_public_type
from .variants import has_variants, render_with_variants
from .verify import column_name, context_state, verify_render

log = logging.getLogger("flask_migrate_plus")

OPTION = "migrate_plus_type_rendering"
_UNSAFE_IN_COMMENT = re.compile(r"[^\w.<>]")


def _overrides(autogen_context: Any) -> dict[str, str]:
    overrides = dict(autogen_context.opts.get(OPTION) or {})
    state = context_state(autogen_context.migration_context)
    for name, mode in overrides.items():
        if mode not in third_party.MODES and ("bad_option", name) not in state["warned"]:
            state["warned"].add(("bad_option", name))
            log.warning("%s[%r] = %r ignored: use 'impl' or 'decorator'", OPTION, name, mode)
    return overrides


def _qualified_name(type_: Any) -> str:
    cls = type(type_)
    module = cls.__module__
    if module.startswith(third_party.MODULE + "."):
        module = third_party.MODULE
    return _UNSAFE_IN_COMMENT.sub("_", f"{module}.{cls.__qualname__}")


def _as_library_class(type_: Any, rule: third_party.Rule, autogen_context: Any) -> str | None:
    if rule.arguments is None:
        return None
    arguments = rule.arguments(type_, lambda t: type_text(t, autogen_context, comment=False))
    if arguments is None:
        return None
    autogen_context.imports.add(third_party.IMPORT)
    return f"{third_party.MODULE}.{type(type_).__name__}({arguments})"


def _as_storage_type(type_: Any, autogen_context: Any, comment: bool) -> str | None:
    """The type the decorator stores its data in, on this dialect; None if there is none."""
    if not isinstance(type_, TypeDecorator):
        return None
    storage = type_.load_dialect_impl(autogen_context.dialect)
    if not is_sqlalchemy_type(storage):
        text: str | None = type_text(storage, autogen_context, comment=False)
    else:
        public = public_type(storage)
        text = render_public_type(public, autogen_context) if public is not None else None
    if text is None or not comment:
        return text
    # A comment inside the enclosing call's brackets is valid Python and tells the reader
    # which model type this column really has.
    return f"{text}  # model type: {_qualified_name(type_)}\n"


def _as_module_repr(type_: Any, autogen_context: Any) -> str:
    """Last resort, Alembic's own form plus the import it forgets; logged for a human.

    A repr that is not even a Python expression is not pasted (the script would not
    compile, and ``alembic revision`` imports it): ``NullType`` stands in, which fails
    loudly when the migration compiles its DDL, with a comment saying what to write.
    """
    module = type(type_).__module__
    text = f"{module}.{type_!r}"
    log.warning(
        "No faithful rendering for %s; check the migration script", _qualified_name(type_)
    )
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        prefix = autogen_context.opts.get("sqlalchemy_module_prefix") or ""
        return f"{prefix}types.NullType()  # write the type of {_qualified_name(type_)} here\n"
    autogen_context.imports.add(f"import {module}")
    return text


def type_text(type_: Any, autogen_context: Any, comment: bool = True) -> str:
    """Script text for any type, adding the imports it needs to ``autogen_context.imports``.

    ``comment`` marks a storage type with the model type it stands for; nested types
    (a composite's fields) go without, the outer type already says what it is.
    """
    if is_sqlalchemy_type(type_):
        public = public_type(type_) or type_
        return render_public_type(public, autogen_context)
    name = type(type_).__name__
    rule = third_party.rule_for(type_)
    mode = _overrides(autogen_context).get(name, rule.mode if rule else "decorator")
    if rule is not None and mode == "decorator":
        text = _as_library_class(type_, rule, autogen_context)
        if text is not None:
            return text
    if rule is None and mode == "decorator" and not third_party.holds_secret(type_):
        faithful = faithful_constructor(
            type_, autogen_context.dialect, column_name(type_, autogen_context)
        )
        if faithful is not None:
            text, import_line = faithful
            autogen_context.imports.add(import_line)
            return text
    storage = _as_storage_type(type_, autogen_context, comment)
    if storage is not None:
        return storage
    if rule is not None:  # "impl" asked for a type with no storage type: the library form
        text = _as_library_class(type_, rule, autogen_context)
        if text is not None:
            return text
    return _as_module_repr(type_, autogen_context)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | None | Literal[False]:
    """Alembic's ``render_item`` hook: our text for non-SQLAlchemy types, False otherwise
    (None: write nothing, for a constraint written once already)."""
    if type_ == "server_default":
        return render_server_default(obj, autogen_context)
    if type_ == "check":
        return render_check(obj, autogen_context)
    if type_ == "column":
        return render_column_checks(obj, autogen_context)
    if type_ == "type" and has_variants(obj):
        text = render_with_variants(obj, autogen_context, type_text)
        verify_render(text, obj, autogen_context)
        return text
    if type_ != "type" or is_sqlalchemy_type(obj):
        return False
    text = type_text(obj, autogen_context)
    verify_render(text, obj, autogen_context)
    return text
