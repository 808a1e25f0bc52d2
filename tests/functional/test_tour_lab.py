"""`--tour` end to end on a fresh lab (real SSH, real dockerd): each step is done with
the app's own keys, and the tour moves on only once the cluster shows it happened."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from swarmtui.ui.flow import ConfirmScreen, ProgressScreen
from swarmtui.ui.tour import TourPanel
from tests.functional.test_ops_helpers import (
    journal_fixture,  # noqa: F401  (the `journal` fixture: audit journal in a temp dir)
    loaded,
    node_id,
    select_row,
)
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab


async def _apply(app, pilot, key: str, value: str | None = None) -> None:
    """Press an operation key, fill the value, confirm, wait for the cluster to converge."""
    await pilot.press(key)
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen), 10)
    dialog = app.screen
    if value is not None:
        field = dialog.query_one("#ops-value", Input)
        field.value = value
        await pilot.pause()
    typed = dialog.query("#ops-typed")
    if typed and dialog.op.confirm_text:
        typed.first(Input).value = dialog.op.confirm_text
        await pilot.pause()
    await pilot.press("ctrl+y")
    await async_wait_for("the progress view", lambda: isinstance(app.screen, ProgressScreen),
                         10)
    progress = app.screen
    await async_wait_for("convergence", lambda: progress.phase in (
        "converged", "timeout", "refused", "error"), 120)
    assert progress.phase == "converged", progress.last_text
    await pilot.press("escape")


async def _snapshots_pass(app, count: int = 2) -> None:
    """Wait until the app has received `count` fresh snapshots (the tour saw them)."""
    seen = [app.snapshot]

    def fresh() -> bool:
        if app.snapshot is not seen[-1]:
            seen.append(app.snapshot)
        return len(seen) > count

    await async_wait_for(f"{count} fresh snapshots", fresh, 20)


async def test_the_tour_runs_end_to_end_on_the_lab(make_lab, lab_app, journal) -> None:
    lab = make_lab(nodes=3, managers=1)
    lab.ssh("node1", "docker service create -d --no-resolve-image --name web --replicas 2 "
                     "--stop-grace-period 1s busybox:latest sleep 3600")
    wait_for("web 2/2", lambda: lab.ssh("node1", "docker service ls --filter name=web "
                                                 "--format '{{.Replicas}}'").strip() == "2/2", 60)
    app = lab_app(lab, tour=True)
    async with app.run_test(size=(140, 40)) as pilot:
        main = await loaded(app)
        tour = app.tour
        assert tour is not None and main.query(TourPanel)
        # 1. look at the nodes (the Nodes pane is the first one shown)
        await pilot.press("1")
        await async_wait_for("step 1 done", lambda: tour.index >= 1, 20)
        assert tour.current.id == "scale"
        # nothing done yet: the tour waits
        await _snapshots_pass(app)
        assert tour.current.id == "scale"

        # 2. scale web 2 → 3 with ctrl+s on the Services pane
        web = app.snapshot.service_by_name("web")
        await select_row(main, "services", web.id)
        await _apply(app, pilot, "ctrl+s", "3")
        await async_wait_for("step 2 done", lambda: tour.index >= 2, 60)
        assert lab.ssh("node1", "docker service inspect -f '{{.Spec.Mode.Replicated.Replicas}}' "
                                "web").strip() == "3"

        # 3. drain a worker that runs web's tasks
        await _snapshots_pass(app)
        assert tour.current.id == "drain"
        on = {t.node_id for t in app.snapshot.tasks_of_service(web.id)
              if t.desired_state == "running"}
        worker = next(h for h in ("node2", "node3") if node_id(app, h) in on)
        other = "node3" if worker == "node2" else "node2"
        await select_row(main, "nodes", node_id(app, worker))
        await _apply(app, pilot, "d")
        await async_wait_for("step 3 done", lambda: tour.index >= 3, 60)
        assert lab.ssh("node1", f"docker node inspect -f '{{{{.Spec.Availability}}}}' "
                                f"{worker}").strip() == "drain"

        # 4. watch the tasks move: the step asks for the Tasks pane and for nothing left
        #    on the drained node
        assert tour.current.id == "move"
        await pilot.press("3")
        await async_wait_for("step 4 done", lambda: tour.index >= 4, 90)
        ps = lab.ssh("node1", "docker service ps web --filter desired-state=running "
                              "--format '{{.Node}} {{.CurrentState}}'")
        assert worker not in ps and ps.count("Running") == 3, ps

        # 5. promote the other worker
        assert tour.current.id == "promote"
        await select_row(main, "nodes", node_id(app, other))
        await _apply(app, pilot, "plus")
        await async_wait_for("step 5 done", lambda: tour.index >= 5, 60)

        # 6. the quorum: two managers, both reachable (on the Nodes pane)
        await async_wait_for("the tour finished", lambda: tour.done, 60)
        assert lab.ssh("node1", f"docker node inspect -f '{{{{.ManagerStatus.Reachability}}}}' "
                                f"{other}").strip() == "reachable"
        assert "2/2 managers reachable" in tour.status and "even count" in tour.status
        await pilot.pause()
        shown = str(main.query_one("#tour-body").render())
        assert "Tour complete" in shown
        # the walkthrough recorded what was done, as docker commands
        await async_wait_for("three actions recorded", lambda: len(
            app.walkthrough.actions) == 3, 20)
        assert [a.cli for a in app.walkthrough.actions] == [
            "docker service scale web=3",
            f"docker node update --availability drain {worker}",
            f"docker node promote {other}",
        ]
        assert all(a.ok for a in app.walkthrough.actions)
