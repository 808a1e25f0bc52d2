"""The guard for the unexpected (issue 15): an exception anywhere shows an error panel,
writes a redacted report to the state dir, and the app keeps running with its state."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button, Static

from swarmtui.ui.crash import CrashGuard, CrashPanel
from tests.functional.conftest import static_app

TOKEN = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SWARMTUI_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


class Broken(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "back")]

    def compose(self) -> ComposeResult:
        yield Button("press me", id="boom")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        raise KeyError("a handler bug")


class Guarded(CrashGuard, App[None]):
    crash_reraise = False  # this test checks the app goes on; elsewhere errors fail tests
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "boom", "boom"), Binding("k", "count", "count"),
        Binding("w", "bad_worker", "worker"), Binding("s", "broken_screen", "screen")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("state", id="state")

    def action_boom(self) -> None:
        sudo_password = "hunter2-very-secret"  # a local: Textual's default would print it
        assert sudo_password
        raise RuntimeError(f"could not join with --token {TOKEN}")

    def action_count(self) -> None:
        self.count += 1

    def action_bad_worker(self) -> None:
        async def fail() -> None:
            raise ValueError("a worker bug")

        self.run_worker(fail())

    def action_broken_screen(self) -> None:
        self.push_screen(Broken())


def reports(state_dir: Path) -> list[Path]:
    return sorted((state_dir / "crash").glob("crash-*.log"))


async def test_an_action_that_raises_shows_the_panel_and_the_app_goes_on(
        state_dir: Path) -> None:
    app = Guarded()
    async with app.run_test() as pilot:
        await pilot.press("k")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, CrashPanel)
        (log,) = reports(state_dir)
        text = log.read_text()
        assert "RuntimeError" in text and "action_boom" in text  # where, for the bug report
        assert "SWMTKN-1-" not in text and "hunter2" not in text
        assert log.stat().st_mode & 0o777 == 0o600
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "What happened: RuntimeError: could not join" in shown
        assert str(log) in shown and "SWMTKN-1-" not in shown and "still running" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CrashPanel)
        await pilot.press("k")
        assert app.count == 2  # alive, state kept
        assert app.is_running and app.return_code is None


async def test_a_failing_worker_and_a_screen_handler_are_reported_too(state_dir: Path) -> None:
    app = Guarded()
    async with app.run_test() as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, CrashPanel)
        assert "ValueError: a worker bug" in app.crash_reports[-1][0]
        await pilot.press("escape")
        app.BURST_S = 0.0
        await pilot.press("s")
        await pilot.pause()
        await pilot.click("#boom")
        await pilot.pause()
        assert isinstance(app.screen, CrashPanel)
        assert "KeyError" in app.crash_reports[-1][0]
        await pilot.press("escape")  # the panel
        await pilot.pause()
        assert isinstance(app.screen, Broken)  # the screen lives on (Textual would prune it)
        app.BURST_S = 5.0
        await pilot.click("#boom")  # and still takes clicks: a second error, notified
        await pilot.pause()
        assert len(app.crash_reports) == 3 and not isinstance(app.screen, CrashPanel)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#state")
        await pilot.press("k")
        assert app.count == 1 and app.is_running
    assert len(reports(state_dir)) == 3


async def test_swarmtui_app_is_guarded(state_dir: Path) -> None:
    app = static_app()
    app.crash_reraise = False
    assert isinstance(app, CrashGuard)
    async with app.run_test() as pilot:
        await pilot.pause()
        snapshot = app.snapshot
        app.report_crash(RuntimeError(f"boom {TOKEN}"), "a test")
        await pilot.pause()
        assert isinstance(app.screen, CrashPanel)
        await pilot.press("escape")
        await pilot.pause()
        assert app.snapshot is snapshot and app.is_running
    assert "SWMTKN-1-" not in reports(state_dir)[0].read_text()


async def test_under_pilot_a_bug_still_fails_the_test(state_dir: Path) -> None:
    class Strict(Guarded):
        crash_reraise = True

    app = Strict()
    with pytest.raises(RuntimeError, match="could not join"):
        async with app.run_test() as pilot:
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, CrashPanel)  # shown all the same
            await pilot.press("escape", "k")
            assert app.count == 1
