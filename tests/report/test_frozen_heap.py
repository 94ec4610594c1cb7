"""The deliverables pool keeps the parent's objects away from its workers' garbage collector, and gives them back."""

from __future__ import annotations

import gc

from pipeline.report.deliverables import frozen_heap


def test_frozen_during_the_block_and_released_after():
    gc.unfreeze()
    alive = [[1, 2], {"a": 3}]
    with frozen_heap():
        assert gc.get_freeze_count() >= len(alive)
    assert gc.get_freeze_count() == 0


def test_an_earlier_freeze_is_left_to_its_owner():
    gc.unfreeze()
    gc.freeze()  # as ks-sdg materialize does after loading the definitions
    try:
        before = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() >= before > 0
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_released_when_the_block_fails():
    gc.unfreeze()
    try:
        with frozen_heap():
            raise RuntimeError("a chart failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
