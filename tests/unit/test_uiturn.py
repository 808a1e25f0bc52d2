"""The UI thread's turn (swarm/sync/uiturn.py): background loops step aside while input is
being handled, never on the UI thread itself, and not at all when the UI is idle. The clock
and the sleep are uiturn's own (replaced here): no test waits on real time."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from swarmtui.swarm import jsonlist
from swarmtui.swarm.sync import merge, uiturn


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr(uiturn.time, "monotonic", c.monotonic)
    monkeypatch.setattr(uiturn.time, "sleep", c.sleep)
    monkeypatch.setattr(uiturn, "_until", 0.0)
    yield c


def in_thread(fn: object) -> None:
    """Run `fn` on a background thread (as the rows worker and the store do)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()  # type: ignore[operator]
        except BaseException as exc:  # re-raised on the test's thread
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def test_an_idle_ui_costs_a_background_loop_no_wait(clock: Clock) -> None:
    in_thread(uiturn.step_aside)
    assert clock.slept == [] and not uiturn.busy()


def test_a_background_loop_waits_out_the_input_being_handled(clock: Clock) -> None:
    uiturn.input_now()
    assert uiturn.busy()
    clock.now += 0.05  # 50 ms after the key
    in_thread(uiturn.step_aside)
    assert clock.slept == [pytest.approx(uiturn.HOLD_S - 0.05)]
    assert not uiturn.busy()  # it went on once the UI's turn was over
    in_thread(uiturn.step_aside)
    assert len(clock.slept) == 1


def test_the_ui_thread_itself_never_steps_aside(clock: Clock) -> None:
    uiturn.input_now()
    uiturn.step_aside()  # the test runs on the main thread: the UI thread's place
    assert clock.slept == []


def test_stepping_steps_aside_once_per_n_items_and_keeps_them_all(
        clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(uiturn, "step_aside", lambda: calls.append(1))
    assert list(uiturn.stepping(range(10), 4)) == list(range(10))
    assert len(calls) == 3  # before items 0, 4 and 8


def test_the_stores_long_steps_have_pause_points(clock: Clock,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A 20,000-task list is decoded in pieces and merged in a loop: each steps aside."""
    calls: list[int] = []
    monkeypatch.setattr(jsonlist, "step_aside", lambda: calls.append(1))
    body = ("[" + ",".join(f'{{"ID":"t{i}","Version":{{"Index":1}}}}' for i in range(20000))
            + "]").encode()
    assert len(list(jsonlist.iter_list(body))) == 20000
    assert len(calls) >= len(body) // jsonlist.PIECE - 1
    every: list[int] = []

    def stepping(items: list[object], n: int) -> list[object]:
        every.append(n)
        return items

    monkeypatch.setattr(merge, "stepping", stepping)
    merge.merge_kind("tasks", {"x": object()}, [])  # type: ignore[dict-item]
    assert every == [64]
