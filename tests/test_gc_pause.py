"""The garbage collector during one autogenerate run: full collections held back, the
objects that outlive the run frozen, and the process's collector as it was afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_plus.schema.gc_pause import HELD_BACK, YOUNG

from harness import AlembicProject


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(50), nullable=False, server_default="x"))
    sa.Table("book", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id")),
             sa.Index("ix_book_author", "author_id"))
    return metadata


def _state() -> tuple[bool, tuple[int, ...], int]:
    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()


class Observer:
    """An ``include_object`` hook: what the collector looked like while tables compared."""

    def __init__(self, fail: bool = False) -> None:
        self.seen: list[tuple[bool, tuple[int, ...], int]] = []
        self.fail = fail

    def __call__(self, obj: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            self.seen.append(_state())
            if self.fail:
                raise RuntimeError("the user's hook failed")
        return True


@pytest.fixture
def restore_gc() -> Iterator[None]:
    state = _state()
    yield
    gc.set_threshold(*state[1])
    if state[0]:
        gc.enable()
    if gc.get_freeze_count() and not state[2]:
        gc.unfreeze()


def _project(tmp_path: Path, db_url: str, observer: Observer) -> AlembicProject:
    project = AlembicProject(tmp_path, db_url, options={"include_object": observer})
    project.create(_models())
    return project


def test_full_collections_wait_while_the_run_compares(
    tmp_path: Path, db_url: str, restore_gc: None
) -> None:
    observer = Observer()
    project = _project(tmp_path, db_url, observer)
    before = _state()
    assert before[2] == 0
    assert project.diff(_models()) == []
    assert observer.seen, "the hook never ran"
    for enabled, thresholds, frozen in observer.seen:
        assert enabled
        assert thresholds[0] == max(before[1][0], YOUNG), "the youngest collects less often"
        assert thresholds[1] == before[1][1]
        assert thresholds[2] >= HELD_BACK
        assert frozen > 0, "what existed before the run is frozen"
    assert _state() == before


def test_the_collector_is_restored_when_the_comparison_raises(
    tmp_path: Path, db_url: str, restore_gc: None
) -> None:
    observer = Observer(fail=True)
    project = _project(tmp_path, db_url, observer)
    before = _state()
    with pytest.raises(RuntimeError, match="the user's hook failed"):
        project.diff(_models())
    assert observer.seen and observer.seen[0][2] > 0
    assert _state() == before


def test_objects_the_process_froze_stay_frozen(
    tmp_path: Path, db_url: str, restore_gc: None
) -> None:
    observer = Observer()
    project = _project(tmp_path, db_url, observer)
    gc.freeze()  # a pre-forking server does this before it forks
    before = _state()
    assert before[2] > 0
    assert project.diff(_models()) == []
    # Frozen objects may still be freed (their count only falls); none are added or thawed.
    assert all(0 < seen[2] <= before[2] for seen in observer.seen), "nothing frozen or thawed"
    assert all(seen[1][2] >= HELD_BACK for seen in observer.seen)
    after = _state()
    assert after[:2] == before[:2] and 0 < after[2] <= before[2]


def test_a_collector_switched_off_stays_off(
    tmp_path: Path, db_url: str, restore_gc: None
) -> None:
    observer = Observer()
    project = _project(tmp_path, db_url, observer)
    gc.disable()
    before = _state()
    assert project.diff(_models()) == []
    assert observer.seen and all(not enabled and frozen == 0
                                 for enabled, _, frozen in observer.seen)
    assert _state() == before


def test_plain_alembic_runs_are_left_alone(
    tmp_path: Path, db_url: str, restore_gc: None
) -> None:
    observer = Observer()
    project = _project(tmp_path, db_url, observer)
    project.options["autogenerate_plugins"] = ["alembic.autogenerate.*"]
    before = _state()
    assert project.diff(_models()) == []
    assert observer.seen and all(seen == before for seen in observer.seen)


class _Cycle:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_garbage_made_during_a_run_is_freed_by_the_next_collection(
    tmp_path: Path, db_url: str, restore_gc: None
) -> None:
    import weakref

    made: list[weakref.ref[_Cycle]] = []

    class Maker(Observer):
        def __call__(self, *args: Any) -> bool:
            made.append(weakref.ref(_Cycle()))  # garbage as soon as it is made
            return super().__call__(*args)

    project = _project(tmp_path, db_url, Maker())
    before = _state()
    assert project.diff(_models()) == []
    assert made and _state() == before
    gc.collect()
    assert all(ref() is None for ref in made), "nothing the run made stays out of reach"
