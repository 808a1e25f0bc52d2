"""Helpers for the operation-key tests (no tests here).

Import the fixtures `journal_fixture` and `ops_app_fixture` into a test module to use
the fixtures `journal` and `ops_app`.

The operation keys are MainScreen's own (declared in the action registry), so the
app's MainScreen is used as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from swarmtui.ui.flow import ConfirmScreen, ProgressScreen
from swarmtui.ui.screens import main as main_module
from tests.waiting import async_wait_for


def ops_main_class() -> type[main_module.MainScreen]:
    """The main screen, which has the operation keys."""
    return main_module.MainScreen


@pytest.fixture(name="journal")
def journal_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The audit journal of this test, in a temp state dir."""
    monkeypatch.setenv("SWARMTUI_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state" / "audit.jsonl"


@pytest.fixture(name="ops_app")
def ops_app_fixture(lab_app: Callable[..., Any], journal: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """`ops_app(lab, read_only=False)` → a SwarmApp on the lab whose main screen has the keys."""
    import swarmtui.ui.app as app_module

    monkeypatch.setattr(app_module, "MainScreen", ops_main_class())
    yield lab_app


def read_journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def loaded(app: Any, nodes: int = 3) -> Any:
    """Wait for the main screen with `nodes` node rows; return it."""
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 30)
    screen = app.screen
    assert isinstance(screen, main_module.MainScreen), type(screen)
    await async_wait_for(f"{nodes} node rows", lambda: len(screen.table("nodes").order) == nodes,
                         30)
    return screen


async def select_row(screen: Any, kind: str, key: str) -> None:
    """Switch to `kind`'s pane and put the cursor on the row `key`."""
    screen.action_pane(kind)
    table = screen.table(kind)
    await async_wait_for(f"the {kind} row {key}", lambda: table.select_key(key), 30)


def node_id(app: Any, hostname: str) -> str:
    node = app.snapshot.node_by_hostname(hostname)
    assert node is not None, hostname
    return str(node.id)


async def confirm_screen(app: Any) -> ConfirmScreen:
    """Wait for the confirmation, composed and showing its CLI line (painted after mount)."""
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen)
                         and bool(app.screen.query("#ops-cli")) and cli_text(app.screen), 10)
    screen = app.screen
    assert isinstance(screen, ConfirmScreen)
    return screen


async def progress_done(app: Any, timeout: float = 120) -> ProgressScreen:
    """Wait for the progress view to reach a final phase; return it."""
    await async_wait_for("the progress view",
                         lambda: isinstance(app.screen, ProgressScreen), 10)
    screen = app.screen
    assert isinstance(screen, ProgressScreen)
    await async_wait_for("a final phase", lambda: screen.phase in (
        "converged", "timeout", "refused", "error", "failed"), timeout)
    return screen


def cli_text(screen: Any) -> str:
    """What the #ops-cli line shows."""
    from textual.widgets import Static

    return str(screen.query_one("#ops-cli", Static).content)
