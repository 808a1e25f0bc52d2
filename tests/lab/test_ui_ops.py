"""The operation keys driven on the main screen, against real labs over real SSH.

Each test presses keys the way a person would (key → confirmation → Enter → progress
view until converged), then checks the result with the docker CLI on the lab. Tests
that change the cluster get a fresh lab (`make_lab`). Waits have deadlines.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui.swarm.ops.services import ScaleService
from swarmtui.swarm.sync.live import ApiStore
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.flow import ProgressScreen
from tests.functional.conftest import lab_app  # noqa: F401  (fixture used by ops_app)
from tests.functional.test_ops_helpers import (
    cli_text,
    confirm_screen,
    journal_fixture,  # noqa: F401  (the `journal` fixture)
    loaded,
    node_id,
    ops_app_fixture,  # noqa: F401  (the `ops_app` fixture)
    ops_main_class,
    progress_done,
    read_journal,
    select_row,
)
from tests.lab.test_ops_lab import CountingProxy
from tests.waiting import async_wait_for, wait_for

SVC = "--no-resolve-image --stop-grace-period 1s"


def cli(lab: Any, cmd: str) -> str:
    return str(lab.ssh("node1", cmd)).strip()


def running_nodes(lab: Any, service: str) -> list[str]:
    out = cli(lab, f"docker service ps {service} --filter desired-state=running "
                   "--format '{{.Node}} {{.CurrentState}}'")
    return sorted(line.split()[0] for line in out.splitlines() if " Running" in line)


def replicas(lab: Any, service: str) -> str:
    return cli(lab, f"docker service ls --filter name={service} --format '{{{{.Replicas}}}}'")


def no_secrets(lines: list[dict[str, Any]]) -> bool:
    text = str(lines)
    return "SWMTKN-1-" not in text and "SWMKEY-1-" not in text


async def test_drain_a_worker_then_activate_it(make_lab, ops_app, journal) -> None:
    lab = make_lab(nodes=3, managers=1)
    cli(lab, f"docker service create -d {SVC} --name web --replicas 4 busybox:latest "
             "sleep 3600")
    wait_for("web 4/4 running", lambda: len(running_nodes(lab, "web")) == 4, 60)
    assert "node2" in running_nodes(lab, "web")  # the spread puts tasks on every node
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node2"))
        await pilot.press("d")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node update --availability drain node2"
        assert any(p.startswith("web: ") and re.search(r"moves? to (one|any) of node1, node3$", p)
                   for p in dialog.verdict.preview), dialog.verdict.preview
        await pilot.press("enter")  # the Confirm button has the focus
        done = await progress_done(app, 120)
        assert done.phase == "converged", done.last_text
        assert "drained" in done.last_text
        # the oracle: node2 is drained, its tasks run elsewhere
        assert cli(lab, "docker node inspect -f '{{.Spec.Availability}}' node2") == "drain"
        assert cli(lab, "docker node ps node2 --filter desired-state=running -q") == ""
        where = running_nodes(lab, "web")
        assert len(where) == 4 and "node2" not in where, where
        await pilot.press("escape")
        # and back: activate
        await pilot.press("a")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node update --availability active node2"
        await pilot.press("enter")
        done = await progress_done(app, 60)
        assert done.phase == "converged", done.last_text
    assert cli(lab, "docker node inspect -f '{{.Spec.Availability}}' node2") == "active"
    lines = read_journal(journal)
    assert [(e["operation"], e["result"]) for e in lines] == [("drain", "ok"),
                                                            ("activate", "ok")]
    assert lines[0]["cli"] == "docker node update --availability drain node2"
    assert no_secrets(lines)


async def test_a_drain_whose_task_cannot_be_placed_says_why_at_once(
        make_lab, ops_app, journal) -> None:
    """At most one task per node and a task on every node: the drain preview says the
    task will stay Pending; the progress view names it and the scheduler's cause while it
    still waits, and says Esc leaves the change in place; activate says it lands back."""
    lab = make_lab(nodes=3, managers=1)
    cli(lab, f"docker service create -d {SVC} --name web --replicas 3 "
             "--replicas-max-per-node 1 busybox:latest sleep 3600")
    wait_for("web 3/3 running", lambda: len(running_nodes(lab, "web")) == 3, 60)
    app = ops_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await loaded(app)
        await select_row(main, "nodes", node_id(app, "node2"))
        await pilot.press("d")
        dialog = await confirm_screen(app)
        assert any("at most 1 per node" in w and "stay Pending" in w
                   for w in dialog.verdict.warnings), dialog.verdict
        await pilot.press("enter")
        progress = await async_wait_for("the progress view", lambda: app.screen if isinstance(
            app.screen, ProgressScreen) else None, 10)
        detail = await async_wait_for("the pending task named", lambda: re.search(
            r"web\.\d pending: no suitable node \(max replicas per node", str(
                progress.query_one("#ops-detail").render())), 60)
        assert progress.phase == "waiting", detail
        notes = " ".join(str(progress.query_one("#ops-notes").render()).split())
        assert "Esc closes it: the change stays in place." in notes, notes
        await pilot.press("escape")
        assert cli(lab, "docker node inspect -f '{{.Spec.Availability}}' node2") == "drain"
        pending = cli(lab, "docker service ps web --no-trunc "
                           "--format '{{.CurrentState}} {{.Error}}'")
        assert any(ln.startswith("Pending") and "no suitable node" in ln
                   for ln in pending.splitlines()), pending
        await async_wait_for("the main screen", lambda: app.screen is main, 10)
        await pilot.press("a")
        dialog = await confirm_screen(app)
        assert any(re.fullmatch(r"web\.\d is Pending: no suitable node .* — it lands on "
                                r"node2", p) for p in dialog.verdict.preview), dialog.verdict
        await pilot.press("enter")
        done = await progress_done(app, 60)
        assert done.phase == "converged", done.last_text
    wait_for("web 3/3 running", lambda: len(running_nodes(lab, "web")) == 3, 60)
    assert "node2" in running_nodes(lab, "web")


async def test_scale_a_service_up_and_down(make_lab, ops_app, journal) -> None:
    lab = make_lab(nodes=3, managers=1)
    cli(lab, f"docker service create -d {SVC} --name web --replicas 1 busybox:latest "
             "sleep 3600")
    wait_for("web 1/1", lambda: replicas(lab, "web") == "1/1", 60)
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        svc = await async_wait_for("web", lambda: app.snapshot.service_by_name("web"), 30)
        await select_row(main, "services", svc.id)
        for before, after in (("1", "3"), ("3", "2")):
            await pilot.press("ctrl+s")
            dialog = await confirm_screen(app)
            assert dialog.value == before  # pre-filled with the current count
            await pilot.press("backspace", after)
            assert cli_text(dialog) == f"docker service scale web={after}"
            assert f"replicas {before} → {after}" in dialog.verdict.preview[0]
            await pilot.press("enter")  # Enter in the field confirms
            done = await progress_done(app, 60)
            assert done.phase == "converged", done.last_text
            assert replicas(lab, "web") == f"{after}/{after}"
            await pilot.press("escape")
            assert app.screen is main
    lines = read_journal(journal)
    assert [(e["cli"], e["result"]) for e in lines] == [
        ("docker service scale web=3", "ok"), ("docker service scale web=2", "ok")]


async def test_promote_two_marked_workers_both_reachable(make_lab, ops_app, journal) -> None:
    lab = make_lab(nodes=3, managers=1)
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        for host in ("node2", "node3"):
            await select_row(main, "nodes", node_id(app, host))
            await pilot.press("space")
        await pilot.press("plus")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node promote node2 node3"
        assert "managers 1 → 3" in dialog.verdict.preview
        await pilot.press("enter")
        done = await progress_done(app, 90)
        assert done.phase == "converged", done.last_text
        assert main.ops_marked == []  # marks are cleared once the change is sent
    status = cli(lab, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'")
    assert sorted(status.splitlines()) == ["node1 Leader", "node2 Reachable",
                                           "node3 Reachable"], status
    lines = read_journal(journal)
    assert [(e["cli"], e["result"]) for e in lines] == [
        ("docker node promote node2 node3", "ok")]
    assert no_secrets(lines)


async def test_not_converging_says_why(make_lab, ops_app, journal,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Scaling a service no node can run: the progress view gives up in time and says why."""
    lab = make_lab(nodes=2, managers=1)
    cli(lab, f"docker service create -d {SVC} --name nowhere --replicas 0 "
             "--constraint node.labels.nowhere==1 busybox:latest sleep 3600")
    monkeypatch.setattr(ScaleService, "timeout", 8.0)
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app, nodes=2)
        svc = await async_wait_for("nowhere", lambda: app.snapshot.service_by_name("nowhere"),
                                   30)
        await select_row(main, "services", svc.id)
        await pilot.press("ctrl+s")
        dialog = await confirm_screen(app)
        await pilot.press("backspace", "2")
        assert any("Pending" in w for w in dialog.verdict.warnings), dialog.verdict
        await pilot.press("enter")
        done = await progress_done(app, 60)
        assert done.phase == "timeout"
        phase = str(done.query_one("#ops-phase").render())
        # a cause that never passes by itself is named with the explainer's words
        assert "After 8 s: nowhere will not converge: no node meets " \
            "node.labels.nowhere==1" in phase, phase
    assert replicas(lab, "nowhere") == "0/2"  # the change itself was made
    assert [e["result"] for e in read_journal(journal)] == ["ok"]


async def test_read_only_sends_no_mutating_request(lab, ssh_forward, journal,
                                                   tmp_path: Path) -> None:
    """Every operation key in read-only mode: GETs (the panes) but no POST/DELETE."""
    name = f"ro{uuid.uuid4().hex[:6]}"
    cli(lab, f"docker service create -d {SVC} --name {name} --replicas 0 busybox:latest true")
    fwd = ssh_forward(lab, "node1")
    proxy = CountingProxy(str(fwd.sock), tmp_path / "proxy.sock")
    api = docker.APIClient(base_url=proxy.base_url, version="1.41", timeout=20)
    import swarmtui.ui.app as app_module

    mp = pytest.MonkeyPatch()
    mp.setattr(app_module, "MainScreen", ops_main_class())
    try:
        app = SwarmApp(ApiStore(api, label="ro", via="ssh", poll_interval=0.5),
                       read_only=True)
        async with app.run_test(size=(120, 40)) as pilot:
            main = await loaded(app)
            await select_row(main, "nodes", node_id(app, "node2"))
            await pilot.press("plus", "minus", "d", "a", "c", "L", "X", "ctrl+d")
            svc = await async_wait_for("the service", lambda: app.snapshot.service_by_name(name),
                                       30)
            await select_row(main, "services", svc.id)
            await pilot.press("ctrl+s", "r", "R", "u", "ctrl+d")
            assert app.screen is main
            notes = [n.message for n in app._notifications]
            assert notes and all("READ-ONLY" in m for m in notes), notes
            gets = len(proxy.requests)
            assert gets > 0 and proxy.mutating() == [], proxy.requests
    finally:
        mp.undo()
        api.close()
        proxy.close()
        lab.ssh("node1", f"docker service rm {name}", check=False)
    lines = read_journal(journal)
    assert len(lines) == 13 and {e["result"] for e in lines} == {"refused"}
    assert lines[8]["cli"] == f"docker service scale {name}=N"


def test_read_only_store_walls_the_transport_too(lab, ssh_forward, tmp_path: Path) -> None:
    """Below the runner: a read-only store's client refuses a write that skipped the runner
    (here: called directly), before anything reaches the engine."""
    from swarmtui.connect.readonly import ReadOnlyTransportError

    fwd = ssh_forward(lab, "node1")
    proxy = CountingProxy(str(fwd.sock), tmp_path / "proxy.sock")
    api = docker.APIClient(base_url=proxy.base_url, version="1.41", timeout=20)
    try:
        store = ApiStore(api, label="ro", via="ssh", read_only=True)
        walled = store.api()
        node2 = next(n for n in walled.nodes() if n["Description"]["Hostname"] == "node2")
        with pytest.raises(ReadOnlyTransportError):
            walled.update_node(node2["ID"], node2["Version"]["Index"],
                               {**node2["Spec"], "Availability": "drain"})
        with pytest.raises(ReadOnlyTransportError):
            walled.create_service({"ContainerSpec": {"Image": "busybox:latest"}}, name="nope")
        assert proxy.requests and proxy.mutating() == [], proxy.requests
    finally:
        api.close()
        proxy.close()
    assert lab.ssh("node1", "docker node inspect node2 --format '{{.Spec.Availability}}'") \
        == "active"
    names = lab.ssh("node1", "docker service ls --format '{{.Name}}'").split()
    assert "nope" not in names


async def test_update_image_rollback_and_restart(make_lab, ops_app, journal) -> None:
    lab = make_lab(nodes=2, managers=1)
    for host in ("node1", "node2"):
        lab.ssh(host, "docker tag busybox:latest busybox:v2")
    cli(lab, f"docker service create -d {SVC} --update-monitor 1s --rollback-monitor 1s "
             "--name app --replicas 2 busybox:latest sleep 3600")
    wait_for("app 2/2", lambda: replicas(lab, "app") == "2/2", 60)
    image = "docker service inspect app --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}'"
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app, nodes=2)
        svc = await async_wait_for("app", lambda: app.snapshot.service_by_name("app"), 30)
        await select_row(main, "services", svc.id)
        # u: a new image
        await pilot.press("u")
        dialog = await confirm_screen(app)
        assert dialog.value == "busybox:latest"
        await pilot.press(*"busybox:v2")  # the pre-filled value is selected: typing replaces it
        assert cli_text(dialog) == "docker service update --image busybox:v2 app"
        await pilot.press("enter")
        done = await progress_done(app, 120)
        assert done.phase == "converged", done.last_text
        assert cli(lab, image) == "busybox:v2"
        await pilot.press("escape")
        # R: back to the previous spec
        await pilot.press("R")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker service rollback app"
        assert "image busybox:v2 → busybox:latest" in dialog.verdict.preview
        await pilot.press("enter")
        done = await progress_done(app, 120)
        assert done.phase == "converged", done.last_text
        assert cli(lab, image) == "busybox:latest"
        assert cli(lab, "docker service inspect app --format '{{.UpdateStatus.State}}'") == \
            "rollback_completed"
        await pilot.press("escape")
        # r: restart every task with the same spec
        before = set(cli(lab, "docker service ps app -q --filter desired-state=running").split())
        await pilot.press("r")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker service update --force app"
        await pilot.press("enter")
        done = await progress_done(app, 120)
        assert done.phase == "converged", done.last_text
        after = set(cli(lab, "docker service ps app -q --filter desired-state=running").split())
        assert len(after) == 2 and not (after & before)
        assert replicas(lab, "app") == "2/2"
    assert [(e["operation"], e["result"]) for e in read_journal(journal)] == [
        ("update-image", "ok"), ("rollback", "ok"), ("force-update", "ok")]


def labels(lab: Any, host: str) -> dict[str, str]:
    import json

    return dict(json.loads(cli(lab, f"docker node inspect -f '{{{{json .Spec.Labels}}}}' "
                                    f"{host}")) or {})


async def test_labels_added_and_removed_others_kept(make_lab, ops_app, journal) -> None:
    lab = make_lab(nodes=2, managers=1)
    cli(lab, "docker node update --label-add keep=1 node2")
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app, nodes=2)
        await select_row(main, "nodes", node_id(app, "node2"))
        await pilot.press("L")
        dialog = await confirm_screen(app)
        await pilot.press(*"zone=a", "enter")
        done = await progress_done(app, 60)
        assert done.phase == "converged", done.last_text
        assert labels(lab, "node2") == {"keep": "1", "zone": "a"}
        await pilot.press("escape")
        await async_wait_for("the new label on screen", lambda: "zone" in app.snapshot.nodes[
            node_id(app, "node2")].labels, 30)
        await pilot.press("X")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node update --label-rm keep node2"  # first pick
        await pilot.press("down")  # pick zone
        await async_wait_for("zone picked", lambda: cli_text(
            dialog) == "docker node update --label-rm zone node2", 10)
        await pilot.press("enter")  # Enter on the pick confirms: nothing else to type
        done = await progress_done(app, 60)
        assert done.phase == "converged", done.last_text
    assert labels(lab, "node2") == {"keep": "1"}
    assert [e["cli"] for e in read_journal(journal)] == [
        "docker node update --label-add zone=a node2",
        "docker node update --label-rm zone node2"]


async def test_remove_a_down_node_with_force_typed_name(make_lab, ops_app, journal) -> None:
    from textual.widgets import Button, Checkbox

    lab = make_lab(nodes=3, managers=1)
    lab.stop_dockerd("node3")
    wait_for("node3 Down", lambda: cli(
        lab, "docker node inspect -f '{{.Status.State}}' node3") == "down", 60)
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        # a Ready node: no --force offered, and removing it is blocked
        await select_row(main, "nodes", node_id(app, "node2"))
        await pilot.press("ctrl+d")
        dialog = await confirm_screen(app)
        assert not dialog.query("#ops-force")
        assert any("is Ready" in b for b in dialog.verdict.blocks), dialog.verdict
        await pilot.press("escape")
        # the Down node: --force offered, the name must be typed
        nid = node_id(app, "node3")
        await async_wait_for("node3 Down on screen", lambda: app.snapshot.nodes[nid].state
                             == "down", 60)
        await select_row(main, "nodes", nid)
        await pilot.press("ctrl+d")
        dialog = await confirm_screen(app)
        assert cli_text(dialog) == "docker node rm node3"
        dialog.query_one("#ops-force", Checkbox).value = True
        await async_wait_for("the --force CLI", lambda: cli_text(dialog) ==
                             "docker node rm --force node3", 5)
        assert dialog.query_one("#ops-go", Button).disabled  # the name is not typed yet
        dialog.query_one("#ops-typed").focus()
        await pilot.press(*"node3", "enter")
        done = await progress_done(app, 60)
        assert done.phase == "converged", done.last_text
    assert "node3" not in cli(lab, "docker node ls --format '{{.Hostname}}'").split()
    lines = read_journal(journal)
    assert [(e["cli"], e["result"]) for e in lines] == [("docker node rm --force node3", "ok")]


async def test_half_applied_change_is_named(make_lab, ops_app, journal,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Promote node2+node3; node3 leaves and is removed between the two writes (for real):
    node2 is promoted, node3 fails, and the progress view says it was half applied."""
    from swarmtui.swarm.ops import nodes as node_ops

    lab = make_lab(nodes=3, managers=1)
    real = node_ops.update_node_spec
    calls: list[str] = []

    def update_with_node3_leaving(api: Any, nid: str, *args: Any, **kw: Any) -> int:
        calls.append(nid)
        if len(calls) == 2:  # between node2's write and node3's: node3 leaves the swarm
            lab.ssh("node3", "docker swarm leave")
            wait_for("node3 Down", lambda: cli(
                lab, "docker node inspect -f '{{.Status.State}}' node3") == "down", 60)
            cli(lab, "docker node rm node3")
        return int(real(api, nid, *args, **kw))

    monkeypatch.setattr(node_ops, "update_node_spec", update_with_node3_leaving)
    app = ops_app(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await loaded(app)
        for host in ("node2", "node3"):
            await select_row(main, "nodes", node_id(app, host))
            await pilot.press("space")
        await pilot.press("plus")
        await confirm_screen(app)
        await pilot.press("enter")
        done = await progress_done(app, 120)
        assert done.phase == "error"
        notes = str(done.query_one("#ops-notes").render())
        assert "HALF-APPLIED: node2 changed, node3 did not" in notes, notes
        phase = str(done.query_one("#ops-phase").render())
        assert phase.startswith("Failed:") and "Traceback" not in phase
    assert cli(lab, "docker node inspect -f '{{.Spec.Role}}' node2") == "manager"
    lines = read_journal(journal)
    assert [(e["cli"], e["result"]) for e in lines] == [
        ("docker node promote node2 node3", "error")]


async def test_image_no_node_has_is_warned_and_the_paused_update_says_why(
        lab, ops_app, journal) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 item 6 at 80×24 on the session lab: `r` shows tasks updated N of M and the
    stop grace while it runs; `u` to an image no node has warns before (nodes asked over
    SSH, the registry unreachable); the paused update says the failed task's error and that
    R rolls back, in the words of `docker service inspect` UpdateStatus."""
    from swarmtui.connect.endpoint import parse_endpoint
    from swarmtui.connect.hostkeys import fixed_trust
    from swarmtui.connect.nodes import NodePool
    from swarmtui.connect.options import ConnectOptions
    from swarmtui.connect.sshconf import ssh_config_files
    from swarmtui.swarm.reach.watch import NodeReach

    name = f"upd{uuid.uuid4().hex[:6]}"
    cli(lab, f"docker service create -d --no-resolve-image --stop-grace-period 4s "
             f"--update-monitor 2s --name {name} --replicas 2 busybox:latest sleep 3600")
    wait_for(f"{name} 2/2", lambda: replicas(lab, name) == "2/2", 60)
    app = ops_app(lab)
    opts = ConnectOptions(trust=fixed_trust("never"), ssh_config=ssh_config_files([lab.ssh_config]))
    app.store.attach_reach(NodeReach(NodePool(opts, manager=parse_endpoint("node1"),
                                              connect_timeout=10.0)))  # a loaded machine
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            main = await loaded(app)
            svc = await async_wait_for(name, lambda: app.snapshot.service_by_name(name), 30)
            await select_row(main, "services", svc.id)
            # r: a restart whose tasks take their stop grace (sleep ignores SIGTERM)
            await pilot.press("r")
            await confirm_screen(app)
            await pilot.press("enter")
            progress = await async_wait_for("the progress view", lambda: app.screen if
                                            isinstance(app.screen, ProgressScreen) else None)
            paced = await async_wait_for("the pace of the restart", lambda: next(
                (x for x in progress.lines if "each given up to 4 s to stop" in x), None), 60)
            assert f"{name}: updating: " in paced and " of 2 updated — 1 task at a time" \
                in paced, paced
            done = await progress_done(app, 120)
            assert done.phase == "converged", done.lines
            await pilot.press("escape")
            # u: an image that no node has, and no registry to get it from
            await pilot.press("u")
            dialog = await confirm_screen(app)
            await pilot.press(*"nosuchimage:2")
            warned = await async_wait_for("the warning before", lambda: next(
                (w for w in dialog.verdict.warnings if "nosuchimage:2" in w), None), 30)
            assert warned.startswith("nosuchimage:2 is on no node and its registry cannot be "
                                     "reached"), warned
            assert "R then rolls back" in warned
            await pilot.press("enter")
            done = await progress_done(app, 180)
            assert done.phase == "failed", done.lines
            said = done.last_text
        state = cli(lab, f"docker service inspect {name} --format '{{{{.UpdateStatus.State}}}}'")
        message = cli(lab, f"docker service inspect {name} "
                           "--format '{{.UpdateStatus.Message}}'")
        assert state == "paused"
        # the engine's words, with its task named as `docker service ps` names it
        task_id = message.rsplit(" ", 1)[-1]
        task = cli(lab, f"docker service ps {name} --no-trunc --filter id={task_id} "
                        "--format '{{.Name}}'")
        assert task.startswith(f"{name}.") and task_id not in said, (task, said)
        assert message.replace(task_id, task) in said, (message, said)
        errors = cli(lab, f"docker service ps {name} --no-trunc --format '{{{{.Error}}}}'")
        assert "No such image: nosuchimage:2" in errors
        assert "No such image: nosuchimage:2" in said and "R rolls back" in said, said
    finally:
        cli(lab, f"docker service rm {name}")
