"""Helpers for the Pilot tests: a recorded cluster state for pictures, and the app on a lab."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.live import ApiStore
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.ui.app import SwarmApp

FIXTURES = Path(__file__).parent / "fixtures"


def recorded_state(name: str = "cluster.json") -> tuple[ClusterSnapshot, datetime]:
    """The snapshot recorded from a lab (see fixtures/capture.py) and a fixed "now"."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    taken = datetime.fromtimestamp(data["captured_at"], UTC)
    snap = ClusterSnapshot.from_api(
        nodes=data["nodes"], services=data["services"], tasks=data["tasks"],
        networks=data["networks"], info=data["info"], taken_at=taken)
    return snap, taken + timedelta(seconds=30)


def static_app(read_only: bool = False, theme: str | None = None) -> SwarmApp:
    snap, now = recorded_state()
    return SwarmApp(StaticStore(snap, label="recorded lab", read_only=read_only, now=now),
                    theme=theme)


@pytest.fixture
def lab_app(ssh_forward: Callable[..., Any]) -> Iterator[Callable[..., SwarmApp]]:
    """`lab_app(lab)` → a SwarmApp on the lab's node1, reached over real SSH (ssh -L)."""
    clients: list[Any] = []

    def make(lab: Any, host: str = "node1", poll: float = 0.5, **kw: Any) -> SwarmApp:
        fwd = ssh_forward(lab, host)
        api = docker.APIClient(base_url=fwd.base_url, version="1.41", timeout=20)
        clients.append(api)
        return SwarmApp(ApiStore(api, label=f"{lab.name}/{host}", via="ssh",
                                   poll_interval=poll), **kw)

    yield make
    for api in clients:
        api.close()


async def open_service_form(app: SwarmApp, pilot: Any) -> Any:
    """2 then n: the new-service form, once its Name field has the focus."""
    from textual.widgets import Input

    from swarmtui.ui.forms.service import ServiceFormScreen
    from tests.waiting import async_wait_for

    await pilot.press("2", "n")
    form = await async_wait_for("the new-service form", lambda: app.screen if isinstance(
        app.screen, ServiceFormScreen) else None)
    await async_wait_for("its Name focused", lambda: form.query_one("#name", Input).has_focus)
    return form


async def open_scale_of(app: SwarmApp, pilot: Any, service: str) -> Any:
    """2, the service's row, ctrl+s: the scale dialog (a ConfirmScreen)."""
    from swarmtui.ui.flow import ConfirmScreen
    from tests.waiting import async_wait_for

    main = app.screen
    await pilot.press("2")
    sid = app.snapshot.service_by_name(service).id
    await async_wait_for(f"{service}'s row", lambda: main.table("services").select_key(sid))
    await pilot.press("ctrl+s")
    return await async_wait_for("the scale dialog", lambda: app.screen if isinstance(
        app.screen, ConfirmScreen) else None)
