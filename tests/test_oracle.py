"""Random model sets on every backend: the first script builds what ``create_all`` builds,
autogenerate is then empty, an evolution converges and downgrades back, and the downgrade to
base leaves nothing (see ``oracle.py``).

CI runs a fixed, bounded set of examples (the same ones on every run, so a red CI is always
reproducible); ``scripts/oracle.sh`` runs many more, at random, to look for the next bug.
Every failure found that way is kept as a test in ``test_oracle_found.py``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oracle import check
from oracle_models import evolutions, model_specs

EXAMPLES = int(os.environ.get("FMP_ORACLE_EXAMPLES", "6"))
RANDOM = os.environ.get("FMP_ORACLE_RANDOM") == "1"

ORACLE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    print_blob=True,
    # Each example builds real databases: shrinking a failure would take many minutes. The
    # printed example is small enough to read; set FMP_ORACLE_SHRINK=1 to shrink it anyway.
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    + ([Phase.shrink] if os.environ.get("FMP_ORACLE_SHRINK") == "1" else []),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@ORACLE
@given(data=st.data())
def test_first_script_builds_what_create_all_builds(backend: str, data: st.DataObject) -> None:
    spec = data.draw(model_specs(backend), label="models")
    check(spec, backend)


@ORACLE
@given(data=st.data())
def test_evolution_converges_and_downgrades_back(backend: str, data: st.DataObject) -> None:
    spec = data.draw(model_specs(backend, max_tables=3), label="models")
    evolved = data.draw(evolutions(spec, backend), label="evolved")
    check(spec, backend, evolved)


@pytest.mark.backends("postgresql", "mariadb", "sqlite")
def test_the_oracle_sees_a_wrong_schema(backend: str) -> None:
    """The oracle itself can fail: a script that builds a different type is caught."""
    from oracle_facts import differences, schema_facts  # noqa: F401 - the comparison used above
    from oracle_models import ColumnSpec, ModelSpec, TableSpec

    spec = ModelSpec((TableSpec("t", "serial", (ColumnSpec("c", "int"),)),))
    wrong = ModelSpec((TableSpec("t", "serial", (ColumnSpec("c", "bigint"),)),))
    with pytest.raises(AssertionError, match="differs from create_all"):
        _check_against(spec, wrong, backend)


def _check_against(models: object, built: object, backend: str) -> None:
    """Expected schema from ``models``, script written for ``built``."""
    import tempfile
    from pathlib import Path

    from oracle import _assert_same, _create_all
    from oracle_facts import schema_facts
    from oracle_models import build_metadata

    from backends import fresh_database
    from harness import AlembicProject

    with tempfile.TemporaryDirectory() as root:
        a, b = Path(root, "a"), Path(root, "b")
        a.mkdir()
        b.mkdir()
        with fresh_database(backend, a) as url_a, fresh_database(backend, b) as url_b:
            expected = _create_all(url_a, build_metadata(models, backend), (None,))  # type: ignore[arg-type]
            project = AlembicProject(Path(root, "p"), url_b)
            project.revision(build_metadata(built, backend))  # type: ignore[arg-type]
            project.upgrade()
            try:
                _assert_same(expected, schema_facts(project.engine), "the first script's schema")
            finally:
                project.engine.dispose()
