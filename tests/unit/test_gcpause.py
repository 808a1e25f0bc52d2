"""The store's re-list pauses the cyclic collector and freezes what survives (gcpause.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from swarmtui.swarm.sync import gcpause


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.enable()


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_a_big_relist_runs_without_the_collector_and_freezes_what_survives() -> None:
    kept = [Node() for _ in range(10)]
    with gcpause.paused(True):
        assert not gc.isenabled()
        kept += [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)


def test_garbage_cycles_made_during_a_relist_are_collected_not_frozen() -> None:
    with gcpause.paused(True):
        ref = weakref.ref(Node())  # garbage at once, but a cycle
        assert ref() is not None
    assert ref() is None


def test_a_small_cluster_leaves_the_collector_alone() -> None:
    with gcpause.paused(False):
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_collector_stays_off_when_it_was_off() -> None:
    gc.disable()
    with gcpause.paused(True):
        pass
    assert not gc.isenabled()


def test_holds_nest_and_the_last_release_freezes_and_enables() -> None:
    gcpause.hold()
    with gcpause.paused(True):  # the first re-list inside the start's hold
        assert not gc.isenabled()
    assert not gc.isenabled()  # the start still holds it
    assert gc.get_freeze_count() == 0
    gcpause.release()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_the_start_is_released_once_however_often_it_is_said() -> None:
    gcpause.hold_start()
    gcpause.hold_start()
    assert not gc.isenabled()
    gcpause.started()
    assert gc.isenabled()
    gcpause.hold()  # another holder is not released by a second `started`
    gcpause.started()
    assert not gc.isenabled()
    gcpause.release()
    assert gc.isenabled()
