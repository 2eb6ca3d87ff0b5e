"""How far a PostgreSQL ``::type`` cast reaches, for the normalisers that drop casts.

PostgreSQL prints the target of a cast as ``format_type()`` does: qualified by its schema
and quoted when needed (``billing.kind``, ``"Billing"."Kind"``), in several words
(``character varying``, ``timestamp(3) with time zone``, ``double precision``), with
modifiers (``numeric(10, 2)``) and array brackets (``text[]``, ``integer[3]``). A normaliser
that drops a cast must drop all of it as one unit: a leftover such as ``.kind`` is a
difference on every run. Each normaliser has its own tokens; it hands this module a view
of them as (is_name, text) pairs: identifiers unquoted and lowercased, punctuation as written.
"""

from __future__ import annotations

from collections.abc import Sequence

NameToken = tuple[bool, str]

#: Words that continue a type name after its first word.
TYPE_NAME_WORDS = frozenset({"varying", "precision", "with", "without", "time", "zone"})

_BRACKETS = {"(": ")", "[": "]"}


def cast_type_end(tokens: Sequence[NameToken], start: int) -> int:
    """The index just past the type name that begins at ``start`` (the token after ``::``)."""
    index = start + 1  # the first word of the name, or its schema
    while index + 1 < len(tokens) and tokens[index] == (False, ".") and tokens[index + 1][0]:
        index += 2
    while index < len(tokens):
        is_name, text = tokens[index]
        if is_name and text in TYPE_NAME_WORDS:
            index += 1
        elif not is_name and text in _BRACKETS:
            index = _closing(tokens, index) + 1
        else:
            break
    return min(index, len(tokens))


def _closing(tokens: Sequence[NameToken], start: int) -> int:
    """The index of the bracket closing the one at ``start`` (the last index if none)."""
    opening = tokens[start][1]
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index] == (False, opening):
            depth += 1
        elif tokens[index] == (False, _BRACKETS[opening]):
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1
