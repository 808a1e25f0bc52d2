"""Triage screens against a real swarm (the session lab, node1 the only manager): merged
logs of a stack and of marked services against `docker service logs` of each service,
the docker CLI on the lab being the oracle."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from swarmtui.ui.screens.logs import LogScreen
from swarmtui.ui.screens.main import MainScreen
from tests.functional.conftest import lab_app  # noqa: F401  (the fixture)
from tests.functional.test_ops_helpers import journal_fixture, ops_app_fixture  # noqa: F401
from tests.waiting import async_wait_for, wait_for

pytestmark = pytest.mark.lab

NEW = "docker service create -d --no-resolve-image --stop-grace-period 1s"


def oracle(lab, service: str) -> Counter[tuple[str, str]]:
    """`docker service logs --no-task-ids` of one service: (service.slot@node, text)."""
    out = str(lab.ssh("node1", f"docker service logs --no-task-ids {service} 2>&1"))
    pairs = []
    for raw in out.splitlines():
        prefix, sep, text = raw.partition(" | ")
        if sep:
            pairs.append((prefix.strip(), text))
    return Counter(pairs)


def shown(screen: LogScreen, service_id: str) -> Counter[tuple[str, str]]:
    return Counter((ln.source, ln.text) for ln in screen.lines if ln.service_id == service_id)


async def check_merged(screen: LogScreen, lab, services: dict[str, str]) -> None:
    """The merged view's lines per service equal `docker service logs` of each, in
    timestamp order, every line on screen."""
    want = {sid: oracle(lab, name) for sid, name in services.items()}
    await async_wait_for("every service's lines in the merged view", lambda: all(
        shown(screen, sid) == want[sid] for sid in services), 30)
    stamps = [ln.stamp for ln in screen.lines]
    assert stamps == sorted(stamps)
    view = screen.shown_lines()
    assert len(view) == len(screen.lines)
    assert view[-1].endswith(screen.lines[-1].render())


async def test_merged_logs_of_a_stack_and_of_marked_services(lab, lab_app) -> None:  # noqa: F811
    stack = f"ml{uuid.uuid4().hex[:5]}"
    names = [f"{stack}_web", f"{stack}_db"]
    for name in names:
        lab.ssh("node1", f"{NEW} --name {name} --replicas 2 --label "
                f"com.docker.stack.namespace={stack} busybox:latest sh -c "
                f"'for i in 1 2 3; do echo {name} line $i; done; echo {name} oops >&2; "
                "sleep 1d'")
    try:
        for name in names:  # 2 tasks x 4 lines each, as the CLI sees them
            wait_for(f"the lines of {name}", lambda n=name: sum(oracle(lab, n).values()) == 8,
                     60, 0.5)
        app = lab_app(lab)
        async with app.run_test(size=(120, 30)) as pilot:
            await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)
            main = app.screen
            assert isinstance(main, MainScreen)
            ids = await async_wait_for("both services", lambda: [
                s.id for n in names if (s := app.snapshot.service_by_name(n))] if all(
                app.snapshot.service_by_name(n) for n in names) else None, 20)
            services = dict(zip(ids, names, strict=True))
            await pilot.press("5")
            await async_wait_for("the stack's row", lambda: main.table("stacks").select_key(
                stack), 10)
            await pilot.press("l")
            logs = app.screen
            assert isinstance(logs, LogScreen)
            await check_merged(logs, lab, services)
            assert f"logs of stack {stack}" in str(logs.query_one("#log-title").render())
            # every prefix is service.slot@node, one colour per task
            sources = {ln.source for ln in logs.lines}
            assert len(sources) == 4 and all("@node" in s for s in sources)
            assert len(set(logs.query_one("Log").highlighter.colour.values())) == 4
            await pilot.press("escape")
            # the same two services marked on the Services pane
            await pilot.press("2")
            for sid in ids:
                await async_wait_for("the service's row", lambda s=sid: main.table(
                    "services").select_key(s), 10)
                await pilot.press("space")
            assert set(main.ops_marked) == set(ids)
            await async_wait_for("the service's row", lambda: main.table(
                "services").select_key(ids[0]), 10)
            await pilot.press("l")
            logs = app.screen
            assert isinstance(logs, LogScreen) and logs.service_ids == ids
            await check_merged(logs, lab, services)
            await pilot.press("escape")
            # L: the stack of the service under the cursor
            await pilot.press("L")
            logs = app.screen
            assert isinstance(logs, LogScreen) and set(logs.service_ids) == set(ids)
            await check_merged(logs, lab, services)
    finally:
        lab.ssh("node1", f"docker service rm {' '.join(names)}", check=False)


# ------------------------------------------------------------------ spec history
async def test_spec_history_restores_the_first_change_and_refuses_stale_and_read_only(
        lab, ops_app, journal) -> None:  # noqa: F811
    from swarmtui.ui.screens.history import HistoryScreen
    from tests.functional.test_ops_helpers import (
        cli_text,
        confirm_screen,
        progress_done,
        read_journal,
        select_row,
    )

    name = f"hist{uuid.uuid4().hex[:5]}"
    for host in ("node1", "node2", "node3"):
        lab.ssh(host, "docker tag busybox:latest busybox:v2")
    lab.ssh("node1", f"{NEW} --update-monitor 1s --name {name} --replicas 1 "
            f"--env DB_PASSWORD=hunter2 busybox:latest sleep 1d")
    fmt_ = ("'{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.Spec.Mode.Replicated.Replicas}} "
            "{{json .Spec.TaskTemplate.ContainerSpec.Env}} {{json .Spec.Labels}}'")

    def inspect() -> str:
        return str(lab.ssh("node1", f"docker service inspect {name} --format {fmt_}")).strip()

    try:
        wait_for(f"{name} 1/1", lambda: "1/1" in str(lab.ssh(
            "node1", f"docker service ls --filter name={name} --format '{{{{.Replicas}}}}'")),
            60, 0.5)
        app = ops_app(lab)
        async with app.run_test(size=(120, 40)) as pilot:
            await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 30)
            main = app.screen
            svc = await async_wait_for(name, lambda: app.snapshot.service_by_name(name), 30)
            await select_row(main, "services", svc.id)
            # two changes through swarmtui (A: 2 replicas, B: image v2), then C: 3 replicas
            for key, value, want in (("ctrl+s", "2", "busybox:latest 2"),
                                     ("u", "busybox:v2", "busybox:v2 2"),
                                     ("ctrl+s", "3", "busybox:v2 3")):
                await pilot.press(key)
                await confirm_screen(app)
                await pilot.press(*value, "enter")  # typing replaces the pre-filled value
                done = await progress_done(app, 120)
                assert done.phase == "converged", done.last_text
                assert inspect().startswith(want)
                await pilot.press("escape")
            await pilot.press("H")
            hist = app.screen
            assert isinstance(hist, HistoryScreen)
            table = hist.query_one("#detail-table")
            await async_wait_for("current, previous and the first change", lambda: [
                v.source for v in hist.versions] == ["current", "previous", "journal"], 20)
            assert "docker service scale" in hist.versions[2].how
            first = hist.versions[2]
            await async_wait_for("the first change's row", lambda: table.select_key(first.key),
                                 10)
            summary = await async_wait_for("what changed since it", lambda: (
                text := str(hist.query_one("#summary").render())) and "changed since the" in text
                and text, 10)
            assert "busybox:latest → busybox:v2" in summary and "2 → 3" in summary, summary
            # r: the confirmation; the service changes meanwhile: refused, nothing sent
            await pilot.press("r")
            dialog = await confirm_screen(app)
            assert "Replicas: 3 → 2" in " ".join(dialog.verdict.preview), dialog.verdict
            lab.ssh("node1", f"docker service update -d --label-add moved=1 {name}")
            await async_wait_for("the stale-version refusal", lambda: any(
                "changed since you chose" in b for b in dialog.verdict.blocks), 20)
            await pilot.press("escape")
            assert app.screen is hist
            await async_wait_for("the newer previous spec listed", lambda: len(
                hist.versions) == 4, 10)
            assert hist._chosen() == first  # the cursor stayed on the first change
            await pilot.press("r")  # chosen again from the version shown now
            dialog = await confirm_screen(app)
            assert dialog.verdict.allowed, dialog.verdict
            assert cli_text(dialog).startswith("docker service update")
            await pilot.press("ctrl+y")
            done = await progress_done(app, 120)
            assert done.phase == "converged", done.last_text
        image, replicas, env, labels = inspect().split(" ", 3)
        assert (image, replicas) == ("busybox:latest", "2")
        assert "DB_PASSWORD=hunter2" in env  # the redacted value came from the current spec
        assert "moved" not in labels  # the first change's spec, whole
        lines = read_journal(journal)
        assert [e["operation"] for e in lines] == ["scale", "update-image", "scale",
                                                   "restore-spec"]
        assert "hunter2" not in journal.read_text()
        assert "DB_PASSWORD=<redacted>" in journal.read_text()
        # read-only: refused before anything is sent, journaled
        ro = ops_app(lab, read_only=True)
        async with ro.run_test(size=(120, 40)) as pilot:
            await async_wait_for("the first snapshot", lambda: ro.snapshot is not None, 30)
            await select_row(ro.screen, "services", svc.id)
            await pilot.press("H")
            hist = ro.screen
            assert isinstance(hist, HistoryScreen)
            await async_wait_for("an earlier spec", lambda: len(hist.versions) > 1 and
                                 hist.query_one("#detail-table").select_key("previous"), 20)
            await pilot.press("r")
            assert ro.screen is hist
        last = read_journal(journal)[-1]
        assert (last["operation"], last["result"]) == ("restore-spec", "refused")
        assert inspect().split(" ", 2)[:2] == ["busybox:latest", "2"]
    finally:
        lab.ssh("node1", f"docker service rm {name}", check=False)
        for host in ("node1", "node2", "node3"):
            lab.ssh(host, "docker rmi busybox:v2", check=False)
