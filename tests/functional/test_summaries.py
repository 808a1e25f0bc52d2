"""The service detail explains: the cause, each node's reason, the update's progress and what
it changed (from the lab recording tests/unit/fixtures/explain_lab.json)."""

from __future__ import annotations

from swarmtui.ui.summaries import service_summary
from tests.unit.test_explain import recorded


def _plain(markup: str) -> list[str]:
    from textual.content import Content

    return [Content.from_markup(line).plain for line in markup.splitlines()]


def test_service_detail_says_why_and_per_node() -> None:
    snap, at = recorded()
    svc = snap.find_service("xcon")
    assert svc is not None
    lines = [" ".join(line.split()) for line in _plain(service_summary(snap, svc, at))]
    assert ("why no node meets node.labels.nowhere==1 (node1, node2, node3: no label "
            "nowhere)") in lines
    assert "node2: node.labels.nowhere==1: no label nowhere" in lines


def test_service_detail_shows_update_progress_and_what_changed() -> None:
    snap, at = recorded()
    svc = snap.find_service("xupd")
    assert svc is not None
    lines = [" ".join(line.split()) for line in _plain(service_summary(snap, svc, at))]
    state = next(line for line in lines if line.startswith("update state"))
    assert state.startswith("update state update paused at 0 of 1 updated: update paused due")
    assert "changed image: busybox:latest → nosuchimage:2" in lines
    assert any(line.startswith("why update paused due to failure") for line in lines)


def test_services_pane_update_column_shows_progress() -> None:
    from swarmtui.ui.panes.services import update_cell

    snap, _ = recorded()
    by_name = {s.name: s for s in snap.services.values()}
    assert update_cell(snap, by_name["xupd"]) == "paused 0/1"
    assert update_cell(snap, by_name["xcon"]) == ""  # never updated
