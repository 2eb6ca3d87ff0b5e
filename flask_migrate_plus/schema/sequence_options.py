"""PostgreSQL's real values for sequence options, shared by identity columns and sequences.

``sa.Identity`` and ``sa.Sequence`` leave unset options as ``None``, while the server stores a
concrete value for each, and those defaults depend on the sign of INCREMENT and on the
integer type. Resolving both sides to the stored values makes ``Identity()`` equal to its
reflection and makes "back to the default" a visible change.
"""

from __future__ import annotations

from typing import Any

#: Largest value of each PostgreSQL integer type: the default MAXVALUE of an ascending sequence.
PG_INTEGER_MAX = {"SMALLINT": 2**15 - 1, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}


def pg_sequence_defaults(type_name: str, increment: int = 1) -> dict[str, Any]:
    """The options PostgreSQL stores for a sequence of ``type_name`` declared without any."""
    bound = PG_INTEGER_MAX.get(type_name.upper(), PG_INTEGER_MAX["BIGINT"])
    if increment > 0:
        minvalue, maxvalue, start = 1, bound, 1
    else:
        minvalue, maxvalue, start = -bound - 1, -1, -1
    return {"start": start, "increment": increment, "minvalue": minvalue,
            "maxvalue": maxvalue, "cache": 1, "cycle": False}


def resolve_pg_sequence_options(options: Any, type_name: str) -> dict[str, Any]:
    """The values PostgreSQL stores for ``options`` (an ``sa.Identity`` or ``sa.Sequence``)."""
    increment = options.increment if options.increment is not None else 1
    resolved = pg_sequence_defaults(type_name, increment)
    if options.minvalue is not None and not options.nominvalue:
        resolved["minvalue"] = options.minvalue
    if options.maxvalue is not None and not options.nomaxvalue:
        resolved["maxvalue"] = options.maxvalue
    # START defaults to MINVALUE going up, MAXVALUE going down, whatever those resolved to.
    resolved["start"] = resolved["minvalue"] if increment > 0 else resolved["maxvalue"]
    if options.start is not None:
        resolved["start"] = options.start
    if options.cache is not None:
        resolved["cache"] = options.cache
    resolved["cycle"] = bool(options.cycle)
    return resolved


def pg_implied_options(type_name: str, increment: int) -> dict[str, Any]:
    """What need not be spelled out: defaults for this direction, INCREMENT's own default 1.

    A descending sequence then renders as ``increment=-1`` alone, not with the MINVALUE,
    MAXVALUE and START that follow from it.
    """
    return {**pg_sequence_defaults(type_name, increment), "increment": 1}
