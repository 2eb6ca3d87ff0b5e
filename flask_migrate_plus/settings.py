"""Every ``MIGRATE_PLUS_*`` setting, read and validated in one place.

The settings are built once, at ``init_app``, into a frozen :class:`Settings`; no other module
reads ``app.config``. Only ``MIGRATE_PLUS_*`` keys are ours: a wrong value, or an unknown key
with that prefix, is a :class:`SettingsError` naming the key and what it accepts. The
application's own keys are never rejected; one that looks like a typo of ours gets a warning.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click

#: The comparator plugins this package publishes (entry points ``flask_migrate_plus.<name>``).
COMPARATORS = (
    "defaults",
    "types",
    "checks",
    "indexes",
    "enums",
    "sequences",
    "identity",
    "computed",
    "primary_keys",
    "scripts",
    "schemas",
    "serial",
    "catalog",
)

#: Tables that belong to database extensions, never to the application: PostGIS's own
#: table and its topology / tiger geocoder schemas. A pattern matches ``table`` or
#: ``schema.table`` (fnmatch globs). ``MIGRATE_PLUS_IGNORE_TABLES`` adds to these; on
#: PostgreSQL every table an extension owns is left out anyway, whatever its name.
DEFAULT_IGNORE_TABLES = ("spatial_ref_sys", "topology.*", "tiger.*", "tiger_data.*")

TYPE_RENDERING_CHOICES = ("impl", "decorator")

PREFIX = "MIGRATE_PLUS_"

log = logging.getLogger("flask_migrate_plus")


class SettingsError(click.ClickException, ValueError):
    """A ``MIGRATE_PLUS_*`` value is wrong.

    It is a ClickException so that ``flask db ...`` prints its one line and exits 1
    instead of a traceback, and a ValueError for application code that catches it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


#: Lint rules about the types a model chooses rather than the locks an op takes: squawk
#: reports them, but a script can do nothing about them, so ``flask db lint`` leaves them out
#: unless ``MIGRATE_PLUS_LINT_IGNORE`` is set without them. (Named here, not imported from
#: the linter, so that an application starts without loading it.)
ADVISORY_RULES = (
    "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-identity",
    "prefer-text-field", "prefer-timestamptz", "ban-char-field",
)


@dataclass(frozen=True)
class Settings:
    """What the extension needs from ``app.config``, validated."""

    compare_type: bool = True
    compare_server_default: bool = True
    render_as_batch: bool = True
    extra_imports: tuple[str, ...] = ()
    comparators: Mapping[str, bool] = field(
        default_factory=lambda: {name: True for name in COMPARATORS}
    )
    type_rendering: Mapping[str, str] = field(default_factory=dict)
    lock: bool = True
    lock_timeout: float = 300.0
    ignore_tables: tuple[str, ...] = DEFAULT_IGNORE_TABLES
    schemas: str | tuple[str, ...] | None = "auto"
    online: bool = False
    lint_ignore: tuple[str, ...] = ADVISORY_RULES

    ddl_lock_timeout: float = 2.0
    ddl_retries: int = 5
    backfill_batch_size: int = 10000

    @property
    def disabled_comparators(self) -> tuple[str, ...]:
        return tuple(name for name, on in self.comparators.items() if not on)

    def plugin_options(self) -> dict[str, Any]:
        """Options our Alembic plugins read from ``autogen_context.opts`` (``migrate_plus_*``)."""
        return {
            "extra_imports": list(self.extra_imports),
            "type_rendering": dict(self.type_rendering),
            "ignore_tables": list(self.ignore_tables),
            "schemas": self.schemas if isinstance(self.schemas, str | None) else list(self.schemas),
            **self.online_options(),
        }

    def online_options(self) -> dict[str, Any]:
        """The online-migration switches (``migrate_plus_online`` and its companions)."""
        return {
            "online": self.online,
            "ddl_lock_timeout": self.ddl_lock_timeout,
            "ddl_retries": self.ddl_retries,
            "backfill_batch_size": self.backfill_batch_size,
        }


# -- validators: each returns the clean value or raises SettingsError --------------------


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise SettingsError(f"{key} must be True or False, got {value!r}")


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SettingsError(f"{key} must be a number of seconds (0 or more), got {value!r}")
    return float(value)


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"{key} must be a whole number (0 or more), got {value!r}")
    return value


def _positive_seconds(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SettingsError(f"{key} must be a number of seconds above 0, got {value!r}")
    return float(value)


def _batch_size(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"{key} must be a whole number of rows (1 or more), got {value!r}")
    return value


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise SettingsError(f"{key} must be a list of strings, got {value!r}")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise SettingsError(f"{key} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _ignore_tables(key: str, value: Any) -> tuple[str, ...]:
    """The user's patterns after the defaults: setting the key never un-ignores PostGIS."""
    patterns = _strings(key, value)
    return DEFAULT_IGNORE_TABLES + tuple(p for p in patterns if p not in DEFAULT_IGNORE_TABLES)


def _imports(key: str, value: Any) -> tuple[str, ...]:
    lines = _strings(key, value)
    for line in lines:
        words = line.split()
        if not words or words[0] not in ("import", "from") or "\n" in line:
            raise SettingsError(
                f"{key} must hold import lines such as 'import sqlalchemy_utils', got {line!r}"
            )
    return lines


def _comparators(key: str, value: Any) -> dict[str, bool]:
    if not isinstance(value, Mapping):
        raise SettingsError(
            f"{key} must be a dict of comparator name to True/False, "
            f"names: {', '.join(COMPARATORS)}; got {value!r}"
        )
    chosen = {name: True for name in COMPARATORS}
    for name, on in value.items():
        if name not in chosen:
            hint = difflib.get_close_matches(str(name), COMPARATORS, n=1)
            maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise SettingsError(
                f"{key} names an unknown comparator {name!r}{maybe}; "
                f"known: {', '.join(COMPARATORS)}"
            )
        chosen[name] = _bool(f"{key}[{name!r}]", on)
    return chosen


def _type_rendering(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise SettingsError(f"{key} must be a dict of type class name to 'impl' or 'decorator'")
    for name, how in value.items():
        if not isinstance(name, str) or how not in TYPE_RENDERING_CHOICES:
            raise SettingsError(
                f"{key}[{name!r}] must be 'impl' or 'decorator', got {how!r}"
            )
    return dict(value)


def _schemas(key: str, value: Any) -> str | tuple[str, ...] | None:
    if value in ("auto", None, False):
        return "auto" if value == "auto" else None
    if isinstance(value, list | tuple):
        return _strings(key, value)
    raise SettingsError(f"{key} must be 'auto', a list of schema names, or False; got {value!r}")


def _lint_rules(key: str, value: Any) -> tuple[str, ...]:
    """Rule names of ``flask db lint``, each one the linter knows."""
    from .lint import unknown_rule_message

    names = _strings(key, value)
    message = unknown_rule_message(names)
    if message is not None:
        raise SettingsError(f"{key} names an {message}")
    return names


#: key -> (Settings field, validator). The single table of every setting we read.
_KEYS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "MIGRATE_PLUS_COMPARE_TYPE": ("compare_type", _bool),
    "MIGRATE_PLUS_COMPARE_SERVER_DEFAULT": ("compare_server_default", _bool),
    "MIGRATE_PLUS_RENDER_AS_BATCH": ("render_as_batch", _bool),
    "MIGRATE_PLUS_EXTRA_IMPORTS": ("extra_imports", _imports),
    "MIGRATE_PLUS_COMPARATORS": ("comparators", _comparators),
    "MIGRATE_PLUS_TYPE_RENDERING": ("type_rendering", _type_rendering),
    "MIGRATE_PLUS_LOCK": ("lock", _bool),
    "MIGRATE_PLUS_LOCK_TIMEOUT": ("lock_timeout", _seconds),
    "MIGRATE_PLUS_IGNORE_TABLES": ("ignore_tables", _ignore_tables),
    "MIGRATE_PLUS_SCHEMAS": ("schemas", _schemas),
    "MIGRATE_PLUS_ONLINE": ("online", _bool),
    "MIGRATE_PLUS_LINT_IGNORE": ("lint_ignore", _lint_rules),

    "MIGRATE_PLUS_DDL_LOCK_TIMEOUT": ("ddl_lock_timeout", _positive_seconds),
    "MIGRATE_PLUS_DDL_RETRIES": ("ddl_retries", _count),
    "MIGRATE_PLUS_BACKFILL_BATCH_SIZE": ("backfill_batch_size", _batch_size),
}
KNOWN_KEYS = tuple(_KEYS)


def _check_for_typos(config: Mapping[str, Any]) -> None:
    """Unknown ``MIGRATE_PLUS_*`` keys are errors; other keys that look like a typo of one of
    ours (``MIGRATE_PLUS_LOCK`` spelled ``MIGRATE_PLUSLOCK``) get a warning only: they may be
    the application's own."""
    for key in config:
        if not isinstance(key, str) or key in _KEYS or "MIGRATE" not in key.upper():
            continue
        if key.startswith(PREFIX):
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.8)
            if close:
                raise SettingsError(f"unknown setting {key}: did you mean {close[0]}?")
            raise SettingsError(
                f"unknown setting {key}; known settings: {', '.join(KNOWN_KEYS)}"
            )
        # Outside our prefix only a near miss (a letter or two off) is worth a word.
        close = difflib.get_close_matches(key.upper(), KNOWN_KEYS, n=1, cutoff=0.9)
        if close:
            log.warning("app.config key %s is not a flask-migrate-plus setting; "
                        "did you mean %s?", key, close[0])


def settings_from_config(
    config: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> Settings:
    """Build :class:`Settings` from an app config; ``defaults`` come from ``Migrate(...)``.

    A key present in ``config`` wins over the constructor's argument, so a deployment can
    switch a behaviour without a code change.
    """
    _check_for_typos(config)
    values: dict[str, Any] = dict(defaults or {})
    for key, (name, validate) in _KEYS.items():
        if key in config:
            values[name] = validate(key, config[key])
    return Settings(**values)
