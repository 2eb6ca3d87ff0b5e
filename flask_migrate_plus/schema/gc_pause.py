"""Python's cyclic garbage collector kept off the run's long-lived objects, for one run.

An autogenerate run builds a large graph of objects that all live until the run ends: the
reflected tables, columns, constraints and their records, next to the models and every
loaded module, which live longer still. CPython's collector traces all of them again at each
full collection, and several full collections fall inside one run of a few hundred tables:
about a third of the run's time at 800 tables, spent finding nothing to free.

For the length of one run this module

- moves every object that exists when the run starts out of the collector's reach
  (``gc.freeze()``): the models and modules outlive the run, tracing them finds nothing;
- collects the youngest generation less often: nearly every object a run allocates lives
  until the run ends, so a young collection every 700 allocations traces the same new
  objects again and again to free almost nothing (short-lived cycles are still freed, every
  ``YOUNG`` allocations, so memory stays bounded);
- holds back full collections of the oldest generation.

Afterwards the process gets its collector back as it was: thresholds restored, the frozen
objects returned (``gc.unfreeze()``). The objects the run made on the way join the oldest
generation with them, without a last young collection tracing them all on their way out
(``gc.freeze()`` then ``gc.unfreeze()`` moves the young generations there as one block): they
are the reflected schema, alive until the run's caller lets go of it. It becomes garbage
when the run ends, for plain Alembic as for us, and the next full collection frees it, as
it would have anyway, with the few short-lived cycles made since the last young collection.
When the process has frozen objects of its own (a pre-forking server calls ``gc.freeze()``)
or has switched the collector off, only the thresholds change, so ``gc.unfreeze()`` never
releases objects someone else froze.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: The youngest generation's threshold during a run (CPython's default is 700): a young
#: collection per this many new container objects.
YOUNG = 50_000

#: The oldest generation's threshold during a run: high enough that no full collection
#: starts in a run of thousands of tables.
HELD_BACK = 1_000_000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Freeze what exists, collect the young less often and hold back full collections;
    put everything back afterwards."""
    thresholds = gc.get_threshold()
    freeze = gc.isenabled() and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG), thresholds[1], max(thresholds[2], HELD_BACK))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.freeze()  # the run's survivors too, untraced ...
            gc.unfreeze()  # ... and everything back in the oldest generation
