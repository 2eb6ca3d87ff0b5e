"""SQL text, read and put in one canonical form.

Servers store SQL expressions in their own words: PostgreSQL adds casts and parentheses,
MariaDB backquotes names and renames functions, SQLite keeps the text as written. A
comparison of a model with the database must not take those spellings for changes, nor
miss a real one. This package is where SQL text is read:

- ``lexer``: the one tokenizer, and the helpers every reader shares (brackets, casts,
  numbers);
- ``dialects``: what each server does to the text it stores, as data tables;
- ``operands``: how far an operand reaches (operator precedence);
- ``expressions``: CHECK constraints, ``Computed`` columns, index expressions and
  predicates (``normalize_sql``);
- ``server_defaults``: column server defaults (``normalize_default``);
- ``index_ddl``: SQLite's stored ``CREATE INDEX`` text (``parse_create_index``).

It depends on the standard library and SQLAlchemy only, so any comparator can use it.
"""
