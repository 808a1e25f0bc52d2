"""The cluster view against a real swarm: the docker CLI on the lab is the oracle.

The app runs on node1 over real SSH (an OpenSSH -L forward of its docker socket),
with the live store (events + task poll). No key is pressed where the spec says
"without a key pressed".
"""

from __future__ import annotations

import uuid

import pytest

from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.widgets.health import HealthHeader
from tests.functional.conftest import lab_app  # noqa: F401  (the fixture)
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def _main(app) -> MainScreen:
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def test_broken_service_is_in_the_header_at_launch(lab, lab_app) -> None:  # noqa: F811
    name = _name("brk")
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} "
                     "--restart-max-attempts 1 busybox:latest sh -c 'exit 3'")
    try:
        wait_for("a failed task of the broken service", lambda: "Failed" in lab.ssh(
            "node1", f"docker service ps {name} --format '{{{{.CurrentState}}}}'"), 60)
        app = lab_app(lab)
        async with app.run_test(size=(120, 40)):
            main = await _main(app)
            header = main.query_one(HealthHeader)

            def says_it() -> str | None:
                text = plain(header)
                return text if name in text and "exiting with code 3" in text else None

            text = await async_wait_for("the broken service and its error in the header",
                                        says_it, 20)
            assert f"service {name}: 0/1 running" in text
            assert header.summary is not None and header.summary.failing_tasks >= 1
    finally:
        lab.ssh("node1", f"docker service rm {name}", check=False)


async def test_external_scale_shows_desired_then_running(lab, lab_app) -> None:  # noqa: F811
    name = _name("scl")
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} --replicas 1 "
                     "busybox:latest sleep 1d")
    try:
        app = lab_app(lab)
        async with app.run_test(size=(120, 40)) as pilot:
            main = await _main(app)
            await pilot.press("2")  # look at the services pane; no key from here on
            table = main.table("services")

            def replicas() -> str:
                svc = app.snapshot.service_by_name(name)
                return table.rows[svc.id].cells[2] if svc and svc.id in table.rows else ""

            await async_wait_for("1/1 running", lambda: replicas() == "1/1", 30)
            lab.ssh("node1", f"docker service scale -d {name}=3")
            seen = await async_wait_for("the new desired count", lambda: replicas().endswith(
                "/3") and replicas(), 10)
            await async_wait_for("3/3 running", lambda: replicas() == "3/3", 30)
            assert seen in ("1/3", "2/3", "3/3")
    finally:
        lab.ssh("node1", f"docker service rm {name}", check=False)


async def test_stopped_worker_shows_down_and_is_counted(make_lab, lab_app) -> None:  # noqa: F811
    lab = make_lab(nodes=3, managers=1)
    app = lab_app(lab)
    async with app.run_test(size=(120, 40)):
        main = await _main(app)
        header = main.query_one(HealthHeader)
        await async_wait_for("3/3 nodes ready", lambda: header.summary is not None and
                             header.summary.nodes_ready == 3, 20)
        lab.stop_dockerd("node3")

        def node3_status() -> str:
            for row in main.pane_rows("nodes").values():
                if row["hostname"] == "node3":
                    return row["status"]
            return ""

        await async_wait_for("node3 Down in the nodes pane", lambda: node3_status() == "Down",
                             60)
        await async_wait_for("the header to count it", lambda: header.summary.nodes_ready == 2
                             and header.summary.nodes_total == 3, 10)
        problems = plain(header)
        assert "node3 is Down" in problems


def plain(header: HealthHeader) -> str:
    """The header's problem lines as read (a long one is wrapped at words)."""
    return " ".join(str(header.query_one("#problems").render()).split())


def _cli_rows(lab, cmd: str) -> list[list[str]]:
    out = lab.ssh("node1", cmd)
    return [line.split("|") for line in out.splitlines() if line.strip()]


async def test_panes_agree_with_the_docker_cli(lab, lab_app) -> None:  # noqa: F811
    web, glob, bad = _name("web"), _name("glb"), _name("bad")
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {web} --replicas 2 "
                     f"-p 18080:80 busybox:latest httpd -f -p 80")
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {glob} --mode global "
                     "busybox:latest sleep 1d")
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {bad} "
                     "--restart-max-attempts 1 busybox:latest sh -c 'exit 3'")
    lab.ssh("node1", f"docker network create -d overlay --attachable net{web}")
    try:
        def settled() -> bool:
            ls = lab.ssh("node1", "docker service ls --format '{{.Name}} {{.Replicas}}'")
            ps = lab.ssh("node1", f"docker service ps {bad} --format '{{{{.CurrentState}}}}'")
            return f"{web} 2/2" in ls and f"{glob} 3/3" in ls and ps.count("Failed") >= 2
        wait_for("the services to settle", settled, 90)
        # A removed service's tasks linger in the API while being cleaned up; the CLI
        # (`docker service ps`) cannot show them, and neither should the panes.
        lab.ssh("node1", f"docker service create -d --no-resolve-image --name {web}gone "
                         "--replicas 3 busybox:latest sleep 1d")
        wait_for("the doomed service to run", lambda: f"{web}gone 3/3" in lab.ssh(
            "node1", "docker service ls --format '{{.Name}} {{.Replicas}}'"), 60)
        lab.ssh("node1", f"docker service rm {web}gone")
        app = lab_app(lab)
        async with app.run_test(size=(200, 50)) as pilot:
            main = await _main(app)
            for key in "1234":  # build every pane
                await pilot.press(key)
            polls = app.store.poll_count
            await async_wait_for("a fresh poll", lambda: app.store.poll_count > polls + 1, 20)
            for key in "1234":
                await pilot.press(key)

            nodes = {r["hostname"]: r for r in main.pane_rows("nodes").values()}
            cli = _cli_rows(lab, "docker node ls --format "
                                 "'{{.Hostname}}|{{.Status}}|{{.Availability}}|"
                                 "{{.ManagerStatus}}|{{.EngineVersion}}|{{.ID}}'")
            assert sorted(nodes) == sorted(r[0] for r in cli)
            for host, status, avail, mgr, engine, nid in cli:
                row = nodes[host]
                assert (row["status"], row["availability"], row["manager"], row["engine"]) == \
                    (status, avail, mgr, engine), host
                assert nid.startswith(row["id"])

            services = {r["name"]: r for r in main.pane_rows("services").values()}
            cli = _cli_rows(lab, "docker service ls --format "
                                 "'{{.ID}}|{{.Name}}|{{.Mode}}|{{.Replicas}}|{{.Image}}|{{.Ports}}'")
            assert sorted(services) == sorted(r[1] for r in cli)
            for sid, name, mode, replicas, image, ports in cli:
                row = services[name]
                assert (row["id"], row["mode"], row["replicas"], row["image"], row["ports"]) == \
                    (sid, mode, replicas, image, ports), name

            # Tasks churn (restarts, history pruned at 5 per slot) in a shared lab: compare a
            # fresh poll with the CLI right after it, until one pair was taken with no change
            # in between (the task IDs agree), within a deadline.
            ids = lab.ssh("node1", "docker service ls -q").split()
            ps_cmd = ("docker service ps --no-trunc --format "
                      "'{{.ID}}|{{.Name}}|{{.Node}}|{{.DesiredState}}|"
                      "{{.CurrentState}}|{{.Error}}' " + " ".join(ids))

            async def same_task_ids() -> tuple[dict, list[list[str]]] | None:
                polls = app.store.poll_count
                await async_wait_for("a fresh poll", lambda: app.store.poll_count > polls, 20)
                await pilot.pause()
                rows, cli_rows = main.pane_rows("tasks"), _cli_rows(lab, ps_cmd)
                return (rows, cli_rows) if sorted(rows) == sorted(r[0] for r in cli_rows) else None

            tasks, cli = await async_wait_for("the tasks pane and `docker service ps` to list "
                                              "the same tasks", same_task_ids, 60)
            for tid, name, node, desired, current, error in cli:
                row = tasks[tid]
                assert row["name"].strip().removeprefix("\\_ ") == name.strip().removeprefix(
                    "\\_ "), tid
                assert (row["node"], row["desired"]) == (node, desired), tid
                assert row["current"].split()[0] == current.split()[0], tid
                assert row["error"] == error.strip('"'), tid

            # history rows ("\\_ web.1") as the CLI's own table marks them
            table = lab.ssh("node1", "docker service ps --no-trunc " + " ".join(ids))
            checked = 0
            for line in table.splitlines()[1:]:
                words = line.split()
                if words[0] not in tasks:  # a task born since the pair above: not comparable
                    continue
                checked += 1
                assert tasks[words[0]]["name"].startswith(" \\_ ") == (words[1] == "\\_"), line
            assert checked >= len(tasks) // 2, "too few tasks left to compare history marks"

            networks = main.pane_rows("networks")
            cli = _cli_rows(lab, "docker network ls --no-trunc --format "
                                 "'{{.ID}}|{{.Name}}|{{.Driver}}|{{.Scope}}'")
            assert sorted(networks) == sorted(r[0] for r in cli)
            for nid, name, driver, scope in cli:
                row = networks[nid]
                assert (row["name"], row["driver"], row["scope"]) == (name, driver, scope)
            assert web in next(r["services"] for r in networks.values() if r["name"] == "ingress")
    finally:
        lab.ssh("node1", f"docker service rm {web} {glob} {bad}", check=False)
        lab.ssh("node1", f"docker network rm net{web}", check=False)


async def test_failover_is_said_on_screen_and_data_comes_back(make_lab) -> None:
    """The real connect path (ClusterLink over asyncssh): lose node1 → stale, then another
    manager, fresh data, and the status bar says so."""
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.widgets.status import StatusBar

    lab = make_lab(nodes=3, managers=3)
    app = SwarmApp(ssh_config=[str(lab.ssh_config)], target="node1", trust_mode="never")
    async with app.run_test(size=(120, 30)):
        main = await _main(app)
        await async_wait_for("3 nodes", lambda: app.snapshot is not None and len(
            app.snapshot.nodes) == 3, 30)
        bar = main.query_one(StatusBar)
        assert "connected to node1" in str(bar.render())
        before = app.snapshot
        lab.stop_dockerd("node1")
        seen: set[str] = set()

        def moved() -> bool:
            text = str(bar.render())
            seen.add(app.store.view.state)
            return "connected to" in text and "node1 " not in text.split("connected to")[1][:7]

        await async_wait_for("the status bar on another manager", moved, 30)
        assert "stale" in seen or "connecting" in seen or "failed over" in str(bar.render())
        await async_wait_for("a fresh snapshot that shows node1 unreachable", lambda: (
            app.snapshot is not before and any(
                n.hostname == "node1" and not n.is_reachable_manager
                for n in app.snapshot.nodes.values())), 45)
        problems = plain(main.query_one(HealthHeader))
        assert "node1" in problems


async def test_events_view_shows_cli_changes_in_words(lab, lab_app) -> None:  # noqa: F811
    from swarmtui.ui.screens.events import EventsScreen
    from swarmtui.ui.widgets.table import KeyedTable

    name, bad = _name("evt"), _name("evf")
    try:
        app = lab_app(lab)
        async with app.run_test(size=(120, 40)) as pilot:
            await _main(app)
            await pilot.press("E")
            await async_wait_for("the events view", lambda: isinstance(app.screen,
                                                                       EventsScreen), 5)
            table = app.screen.query_one("#detail-table", KeyedTable)

            def line(*cells: str) -> tuple[str, ...] | None:
                for key in table.order:
                    row = table.rows[key].cells
                    if all(c in row[2:] or c in row[4] for c in cells):
                        return row
                return None

            lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} "
                             "--replicas 1 busybox:latest sleep 1d")
            await async_wait_for("the create in words", lambda: line(name, "create"), 20)
            lab.ssh("node1", f"docker service scale -d {name}=2")
            row = await async_wait_for("the scale in words",
                                       lambda: line(name, "update", "replicas 1 → 2"), 20)
            assert row[1] == "service"
            lab.ssh("node1", f"docker service create -d --no-resolve-image --name {bad} "
                             "--restart-max-attempts 1 busybox:latest sh -c 'exit 3'")
            cli = await async_wait_for("the CLI's failed task", lambda: [
                r for r in lab.ssh("node1", f"docker service ps {bad} --no-trunc --format "
                                   "'{{.Name}}\t{{.CurrentState}}\t{{.Error}}'").splitlines()
                if "\tFailed" in r], 60)
            task_name, _, error = cli[0].split("\t")
            error = error.strip('"')  # the CLI quotes it
            row = await async_wait_for("the task failure as a task change",
                                       lambda: line(task_name, "failed", error), 20)
            assert row[1] == "task" and "→ failed on node" in row[4], row
            # newest first: the failure is above the scale
            keys = [k for k in table.order if table.rows[k].cells[2] in (name, task_name)]
            assert table.rows[keys[0]].cells[2] == task_name
    finally:
        lab.ssh("node1", f"docker service rm {name} {bad}", check=False)
