"""``# migrate-plus: safe <rule>[, <rule>...]``: a reviewer's word that an op is fine.

The comment may sit on any line of the op's statement or on the line just above it (or
in the block of comment lines just above it), and silences the rules it names for the
changes that statement makes. Comments are found with
Python's own tokenizer, so a ``#`` inside a string never counts.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from functools import cached_property

MARKER = re.compile(r"migrate-plus:\s*safe\b(?P<rules>.*)", re.IGNORECASE)


class Acknowledgements:
    """The acknowledgement comments of one script, by line."""

    def __init__(self, source: str) -> None:
        self.source = source

    @cached_property
    def _comments(self) -> list[tokenize.TokenInfo]:
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(self.source).readline))
        except (tokenize.TokenError, SyntaxError):
            return []
        return [token for token in tokens if token.type == tokenize.COMMENT]

    @cached_property
    def comment_only_lines(self) -> frozenset[int]:
        return frozenset(token.start[0] for token in self._comments
                         if token.line.lstrip().startswith("#"))

    @cached_property
    def by_line(self) -> dict[int, frozenset[str]]:
        found: dict[int, frozenset[str]] = {}
        for token in self._comments:
            match = MARKER.search(token.string)
            if match:
                names = re.split(r"[\s,]+", match.group("rules").strip())
                found[token.start[0]] = frozenset(name.lower() for name in names if name)
        return found

    @cached_property
    def _statements(self) -> list[tuple[int, int]]:
        try:
            tree = ast.parse(self.source)
        except SyntaxError:
            return []
        return [(node.lineno, node.end_lineno or node.lineno)
                for node in ast.walk(tree) if isinstance(node, ast.stmt)]

    def statement_lines(self, line: int) -> tuple[int, int]:
        """The first and last line of the innermost statement holding ``line``."""
        spans = [span for span in self._statements if span[0] <= line <= span[1]]
        if not spans:
            return line, line
        return min(spans, key=lambda span: span[1] - span[0])

    def first_line(self, line: int) -> int:
        return self.statement_lines(line)[0]

    def rules_at(self, line: int) -> frozenset[str]:
        """The rules acknowledged for the statement at ``line``."""
        first, last = self.statement_lines(line)
        above = first - 1
        while above - 1 in self.comment_only_lines and above in self.comment_only_lines:
            above -= 1
        names: set[str] = set()
        for number in range(above, last + 1):
            names |= self.by_line.get(number, frozenset())
        return frozenset(names)
