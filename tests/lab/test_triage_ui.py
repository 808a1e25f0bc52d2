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
