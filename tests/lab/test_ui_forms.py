"""Lab: the issue-8 form screens end to end — typed into with Pilot, applied over real SSH,
checked with the docker CLI on node1 (the oracle). The journal lives in a temp dir.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from swarmtui import audit
from swarmtui.lab import Lab
from swarmtui.ui.actions import open_action
from swarmtui.ui.flow import ConfirmScreen, ProgressScreen
from swarmtui.ui.flow.progress import FINAL
from swarmtui.ui.forms.network import NetworkFormScreen, ServiceNetworksScreen
from swarmtui.ui.forms.objects import NewObjectScreen, ObjectsScreen
from swarmtui.ui.forms.rows import PortRow
from swarmtui.ui.forms.service import ServiceFormScreen
from swarmtui.ui.forms.stack import StackDeployScreen
from tests.functional import conftest as functional
from tests.waiting import async_wait_for, wait_for

#: the app on a lab manager over real SSH (the functional tests' fixture)
lab_app = functional.lab_app

QUICK_STOP = """sh -c 'trap "exit 0" TERM; sleep 3600 & wait'"""


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(audit.ENV_STATE_DIR, str(tmp_path / "state"))
    yield tmp_path / "state" / audit.JOURNAL_NAME


def read(path: Path) -> str:
    return path.read_text()


def cli(lab: Lab, cmd: str) -> str:
    return lab.ssh("node1", cmd)


def text(widget: Any) -> str:
    return str(widget.content)


def spec_of(lab: Lab, name: str) -> dict[str, Any]:
    out = cli(lab, f"docker service inspect {name} --format '{{{{json .Spec}}}}'")
    return json.loads(out)  # type: ignore[no-any-return]


async def loaded(app: Any) -> None:
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)


async def go_ahead(pilot: Any, app: Any, typed: str | None = None,
                   timeout: float = 120) -> ProgressScreen:
    """Go ahead in the confirmation and follow the progress view until it ends."""
    await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.pause()
    if typed is not None:
        await pilot.press(*typed)
    app.screen.query_one("#ops-go").press()
    await async_wait_for("the progress view", lambda: isinstance(app.screen, ProgressScreen))
    progress = app.screen
    assert isinstance(progress, ProgressScreen)
    await async_wait_for(f"{progress.op.title} to finish",
                         lambda: progress.phase in FINAL, timeout)
    return progress


def cleanup(lab: Lab, services: tuple[str, ...] = (), networks: tuple[str, ...] = ()) -> None:
    for s in services:
        cli(lab, f"docker service rm {s} >/dev/null 2>&1 || true")
    for n in networks:
        script = (f"docker network rm {n} >/dev/null 2>&1 && echo gone || "
                  f"(docker network inspect {n} >/dev/null 2>&1 || echo gone)")
        wait_for(f"network {n} removed", lambda s=script: "gone" in cli(lab, s), 60, 0.5)


async def test_create_service_with_port_and_network_then_edit_its_image(
        lab: Lab, lab_app: Any, journal_dir: Path) -> None:
    for h in lab.hosts:
        lab.ssh(h.name, "docker tag busybox:latest busybox:v2")
    app = lab_app(lab)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(app)
            # -- the overlay network, through its form
            assert open_action(app, "forms.new-network")
            await pilot.pause()
            net_form = app.screen
            assert isinstance(net_form, NetworkFormScreen)
            await pilot.press(*"fnet", "tab", *"10.81.0.0/24")
            await pilot.pause()
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, NetworkFormScreen)  # closed once done
            await async_wait_for("fnet in the snapshot", lambda: any(
                n.name == "fnet" for n in app.snapshot.networks.values()), 20)

            # -- the service
            assert open_action(app, "forms.new-service")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, ServiceFormScreen)
            await pilot.press(*"fweb", "tab", *"busybox:latest")
            form.query_one("#command").value = QUICK_STOP
            form.query_one("#replicas").value = "2"
            await pilot.press("ctrl+t")
            await pilot.pause()
            row = form.query_one(PortRow)
            row.query_one(f"#{row.wid('target')}").value = "80"
            row.query_one(f"#{row.wid('published')}").value = "8091"
            form.query_one("#networks").value = "fnet"
            form.query_one("#env").text = "A=1\nB=two words"
            form.query_one("#labels").text = "team=web"
            form.query_one("#limit_memory").value = "64M"
            form.query_one("#update_order").value = "start-first"
            await pilot.pause()
            assert not form.query_one("#submit").disabled, form.state.errors
            shown = text(form.query_one("#form-cli"))
            await pilot.press("ctrl+s")
            await async_wait_for("the confirmation",
                                 lambda: isinstance(app.screen, ConfirmScreen))
            assert text(app.screen.query_one("#ops-cli")) == shown
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            assert "2/2 tasks running" in progress.lines[-1]

            spec = spec_of(lab, "fweb")
            cs = spec["TaskTemplate"]["ContainerSpec"]
            assert cs["Image"] == "busybox:latest"
            assert cs["Args"] == ["sh", "-c", 'trap "exit 0" TERM; sleep 3600 & wait']
            assert cs["Env"] == ["A=1", "B=two words"]
            assert spec["Mode"]["Replicated"]["Replicas"] == 2
            assert spec["Labels"] == {"team": "web"}
            assert spec["TaskTemplate"]["Resources"]["Limits"]["MemoryBytes"] == 64 * 1024 ** 2
            assert spec["UpdateConfig"]["Order"] == "start-first"
            assert spec["EndpointSpec"]["Ports"] == [{"Protocol": "tcp", "TargetPort": 80,
                                                      "PublishedPort": 8091,
                                                      "PublishMode": "ingress"}]
            net_id = cli(lab, "docker network inspect fnet --format '{{.Id}}'").strip()
            assert [n["Target"] for n in spec["TaskTemplate"]["Networks"]] == [net_id]
            assert cli(lab, "docker network inspect fnet --format "
                            "'{{(index .IPAM.Config 0).Subnet}}'").strip() == "10.81.0.0/24"
            states = cli(lab, "docker service ps fweb --filter desired-state=running "
                              "--format '{{.CurrentState}}'").split("\n")
            assert len(states) == 2 and all(s.startswith("Running") for s in states)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, ServiceFormScreen)

            # -- the network cannot go while fweb uses it: the confirmation says why
            await async_wait_for("fweb in the snapshot",
                                 lambda: app.snapshot.service_by_name("fweb"), 20)
            assert open_action(app, "forms.remove-network", net_id)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert app.screen.query_one("#ops-go").disabled
            assert "network fnet is used by service fweb — " in \
                text(app.screen.query_one("#ops-blocks"))
            await pilot.press("escape")

            # -- edit the image: the diff first, then the rolling update to completion
            svc_id = app.snapshot.service_by_name("fweb").id
            assert open_action(app, "forms.edit-service", svc_id)
            await pilot.pause()
            form = app.screen
            assert isinstance(form, ServiceFormScreen)
            form.query_one("#image").value = "busybox:v2"
            await pilot.pause()
            assert text(form.query_one("#form-cli")) == \
                "docker service update --image busybox:v2 fweb"
            await pilot.press("ctrl+s")
            await async_wait_for("the confirmation",
                                 lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.pause()
            lines = [text(s) for s in app.screen.query("#ops-preview Static")]
            assert lines == ["• TaskTemplate.ContainerSpec.Image: busybox:latest → busybox:v2"]
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            assert cli(lab, "docker service inspect fweb --format "
                            "'{{.UpdateStatus.State}}'").strip() == "completed"
            images = cli(lab, "docker service ps fweb --filter desired-state=running "
                              "--format '{{.Image}} {{.CurrentState}}'").split("\n")
            assert len(images) == 2 and all(i.startswith("busybox:v2 Running") for i in images)
            await pilot.press("escape")
            await pilot.pause()

            # -- detach it from fnet through the attach/detach screen
            assert open_action(app, "forms.detach-network", svc_id)
            await pilot.pause()
            assert isinstance(app.screen, ServiceNetworksScreen)
            assert text(app.screen.query_one("#form-cli")) == \
                "docker service update --network-rm fnet fweb"
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            assert spec_of(lab, "fweb")["TaskTemplate"].get("Networks") in (None, [])
            await pilot.press("escape")
            await pilot.pause()

            # … and attach it again
            await async_wait_for("fweb off fnet in the snapshot", lambda: not app.snapshot
                                 .service_by_name("fweb").networks, 20)
            assert open_action(app, "forms.attach-network", svc_id)
            await pilot.pause()
            assert isinstance(app.screen, ServiceNetworksScreen)
            assert text(app.screen.query_one("#form-cli")) == \
                "docker service update --network-add fnet fweb"
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            nets = spec_of(lab, "fweb")["TaskTemplate"]["Networks"]
            assert [n["Target"] for n in nets] == [net_id]
        entries = audit.read_journal(journal_dir)
        assert [(e["operation"], e["result"]) for e in entries] == [
            ("create network", "ok"), ("create service", "ok"), ("update service", "ok"),
            ("detach service from network", "ok"), ("attach service to network", "ok")]
    finally:
        cleanup(lab, services=("fweb",), networks=("fnet",))


COMPOSE = """
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    networks: [front]
    secrets: [db_pw]
    configs:
      - source: app_conf
        target: /etc/app.conf
    deploy:
      replicas: 2
  worker:
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    networks: [front]
    depends_on: [web]
networks:
  front:
    driver: overlay
secrets:
  db_pw:
    file: ./db_pw.txt
configs:
  app_conf:
    file: ./app.conf
"""


async def test_deploy_a_compose_stack_through_the_screen_then_remove_it(
        lab: Lab, lab_app: Any, tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text(COMPOSE)
    (tmp_path / "db_pw.txt").write_text("fst-" + secrets.token_hex(6))
    (tmp_path / "app.conf").write_text("level=info\n")
    app = lab_app(lab)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(app)
            assert open_action(app, "forms.deploy-stack")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StackDeployScreen)
            await pilot.press(*str(tmp_path / "compose.yml"), "tab", *"fst", "enter")
            await async_wait_for("the plan", lambda: len(screen.query("#plan Static")) > 1, 20)
            plan = "\n".join(text(s) for s in screen.query("#plan Static"))
            for line in ("create network fst_front", "create secret fst_db_pw",
                         "create config fst_app_conf", "create service fst_web",
                         "create service fst_worker"):
                assert line in plan, plan
            assert "depends_on" in plan  # a warning for what Swarm ignores
            assert not screen.query_one("#submit").disabled
            assert text(screen.query_one("#form-cli")) == \
                f"docker stack deploy -c {tmp_path / 'compose.yml'} fst"
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app, timeout=180)
            assert progress.phase == "converged", progress.lines
            got = sorted(cli(lab, "docker stack services fst --format "
                                  "'{{.Name}} {{.Mode}} {{.Replicas}}'").split("\n"))
            assert got == ["fst_web replicated 2/2", "fst_worker replicated 1/1"]
            assert cli(lab, "docker secret ls --filter label=com.docker.stack.namespace=fst "
                            "--format '{{.Name}}'").strip() == "fst_db_pw"
            assert cli(lab, "docker config ls --filter label=com.docker.stack.namespace=fst "
                            "--format '{{.Name}}'").strip() == "fst_app_conf"
            # the snapshot lists the stack's secret and config: names and labels, no data
            await async_wait_for("the config in the snapshot", lambda: [
                c for c in app.snapshot.configs.values() if c.name == "fst_app_conf"], 70)
            conf = next(c for c in app.snapshot.configs.values() if c.name == "fst_app_conf")
            assert conf.labels == {"com.docker.stack.namespace": "fst"}
            assert "Data" not in conf.raw["Spec"]
            assert [s.name for s in app.snapshot.secrets.values()
                    if s.labels.get("com.docker.stack.namespace") == "fst"] == ["fst_db_pw"]
            await pilot.press("escape")
            await pilot.pause()

            await async_wait_for("the stack in the snapshot", lambda: "fst" in app.snapshot.stacks)
            # the same file again: nothing to create or change
            assert open_action(app, "forms.deploy-stack", "fst")
            await pilot.pause()
            again = app.screen
            assert isinstance(again, StackDeployScreen)
            await pilot.press(*str(tmp_path / "compose.yml"), "enter")
            await async_wait_for("the plan", lambda: len(again.query("#plan Static")) > 1, 20)
            plan = "\n".join(text(s) for s in again.query("#plan Static"))
            for line in ("keep network fst_front", "keep secret fst_db_pw",
                         "keep config fst_app_conf", "unchanged service fst_web",
                         "unchanged service fst_worker"):
                assert line in plan, plan
            assert "create" not in plan and "update" not in plan, plan
            await pilot.press("escape")
            await pilot.pause()
            assert open_action(app, "forms.remove-stack", "fst")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(*"nope", "enter")
            await pilot.pause()
            assert "That is not fst" in text(app.screen.query_one("#ops-typed-error"))
            progress = await go_ahead(pilot, app, typed="fst", timeout=120)
            assert progress.phase == "converged", progress.lines
            assert cli(lab, "docker service ls -q --filter "
                            "label=com.docker.stack.namespace=fst").strip() == ""
    finally:
        cli(lab, "docker stack rm fst >/dev/null 2>&1 || true")


async def test_secret_from_typed_text_is_usable_and_never_written(
        lab: Lab, lab_app: Any, journal_dir: Path, tmp_path: Path) -> None:
    value = "f-typed-" + secrets.token_hex(8)
    log_path = tmp_path / "test.log"
    handler = logging.FileHandler(log_path)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    app = lab_app(lab)
    shown: list[str] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(app)
            assert open_action(app, "forms.new-secret")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, NewObjectScreen)
            await pilot.press(*"fsecret", "tab", "tab", *value)
            field = screen.query_one("#text")
            assert field.password
            await pilot.press("tab")  # leaving the field stores the value and clears it
            await pilot.pause()
            assert field.value == ""
            assert f"{len(value)} bytes" in text(screen.query_one("#value-state"))
            assert text(screen.query_one("#form-cli")) == \
                "printf %s '***' | docker secret create fsecret -"
            shown += [text(s) for s in screen.query("Static")]
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            shown += progress.lines
            assert cli(lab, "docker secret ls --filter name=fsecret --format "
                            "'{{.Name}}'").strip() == "fsecret"
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, NewObjectScreen)

            # usable by a service (through the form's secrets field)
            await async_wait_for("fsecret in the snapshot", lambda: any(
                s.name == "fsecret" for s in app.snapshot.secrets.values()), 70)
            assert open_action(app, "forms.new-service")
            await pilot.pause()
            form = app.screen
            form.query_one("#name").value = "fsec"
            form.query_one("#image").value = "busybox:latest"
            form.query_one("#command").value = \
                "sh -c 'busybox sha256sum /run/secrets/fsecret && sleep 3600'"
            form.query_one("#secrets").value = "fsecret"
            await pilot.pause()
            assert not form.query_one("#submit").disabled, form.state.errors
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            digest = hashlib.sha256(value.encode()).hexdigest()
            wait_for("the service to log the secret's hash", lambda: digest in cli(
                lab, "docker service logs --raw fsec"), 30, 0.5)
            await pilot.press("escape")
            await pilot.pause()

            # the secrets list: who uses it; removing is refused naming the service
            assert open_action(app, "forms.secrets")
            await pilot.pause()
            objs = app.screen
            assert isinstance(objs, ObjectsScreen)
            await async_wait_for("fsec using fsecret", lambda: "fsec" in str(
                objs.query_one("#objects").get_row("fsecret")), 20)
            objs.query_one("#objects").move_cursor(
                row=objs.query_one("#objects").get_row_index("fsecret"))
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert "secret fsecret is used by service fsec" in \
                text(app.screen.query_one("#ops-blocks"))
            shown += [text(s) for s in app.screen.query("Static")]
            shown.append(str(app._notifications and
                             [n.message for n in app._notifications]))
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)
        cli(lab, "docker service rm fsec >/dev/null 2>&1 || true")
        wait_for("fsec's tasks to go", lambda: cli(
            lab, "docker ps -aq --filter label=com.docker.swarm.service.name=fsec") == "",
            30, 0.5)
        cli(lab, "docker secret rm fsecret >/dev/null 2>&1 || true")
    journal = read(journal_dir)
    assert '"create secret"' in journal
    for where, content in (("journal", journal), ("log", read(log_path)),
                           ("screen", "\n".join(shown))):
        assert value not in content, f"the secret's value reached the {where}"


async def test_global_service_then_a_failed_update_is_reported_with_its_reason(
        lab: Lab, lab_app: Any) -> None:
    app = lab_app(lab)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(app)
            assert open_action(app, "forms.new-service")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, ServiceFormScreen)
            form.query_one("#name").value = "fglob"
            form.query_one("#image").value = "busybox:latest"
            form.query_one("#command").value = QUICK_STOP
            form.query_one("#mode").value = "global"
            form.query_one("#update_failure_action").value = "pause"
            await pilot.pause()
            assert form.query_one("#replicas").disabled
            assert "--mode global" in text(form.query_one("#form-cli"))
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            assert "3/3 tasks running" in progress.lines[-1]
            nodes = cli(lab, "docker service ps fglob --filter desired-state=running "
                             "--format '{{.Node}} {{.CurrentState}}'").splitlines()
            assert sorted(n.split()[0] for n in nodes) == ["node1", "node2", "node3"]
            assert all(" Running " in n for n in nodes)
            await pilot.press("escape")
            await pilot.pause()

            # a command that exits at once: the update pauses and the view says why
            await async_wait_for("fglob in the snapshot",
                                 lambda: app.snapshot.service_by_name("fglob"), 20)
            assert open_action(app, "forms.edit-service", "fglob")
            await pilot.pause()
            form = app.screen
            form.query_one("#command").value = "sh -c 'exit 3'"
            await pilot.pause()
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "failed", progress.lines
            assert progress.lines[-1].startswith("update paused"), progress.lines
            msg = cli(lab, "docker service inspect fglob --format '{{.UpdateStatus.Message}}'")
            task_id = msg.strip().rsplit(" ", 1)[-1]  # said as `docker service ps` names it
            task = cli(lab, f"docker service ps fglob --no-trunc --filter id={task_id} "
                            "--format '{{.Name}}'").strip()
            assert task.startswith("fglob.") and \
                msg.strip().replace(task_id, task) in progress.lines[-1], progress.lines
            assert progress.has_class("bad")
    finally:
        cleanup(lab, services=("fglob",))


async def test_config_from_a_file_then_removed_from_the_list(
        lab: Lab, lab_app: Any, tmp_path: Path) -> None:
    conf = tmp_path / "app.conf"
    conf.write_text("listen=8080\n")
    app = lab_app(lab)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(app)
            assert open_action(app, "forms.configs")
            await pilot.pause()
            objs = app.screen
            assert isinstance(objs, ObjectsScreen)
            await pilot.press("n")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, NewObjectScreen) and screen.kind == "config"
            await pilot.press(*"fconf", "tab", *str(tmp_path / "nope.conf"))
            await pilot.pause()
            assert "no such file on this machine" in text(screen.query_one("#error-file"))
            assert screen.query_one("#submit").disabled
            # ~ of a user that does not exist: a message (expanduser used to end the app)
            screen.query_one("#file").value = "~zz-no-such-user/app.conf"
            await pilot.pause()
            assert "no user 'zz-no-such-user'" in text(screen.query_one("#error-file"))
            assert screen.query_one("#submit").disabled
            screen.query_one("#file").value = str(conf)
            await pilot.pause()
            assert text(screen.query_one("#form-cli")) == f"docker config create fconf {conf}"
            await pilot.press("ctrl+s")
            progress = await go_ahead(pilot, app)
            assert progress.phase == "converged", progress.lines
            data = cli(lab, "docker config inspect fconf --format '{{printf \"%s\" .Spec.Data}}'")
            assert data.strip() == "listen=8080"
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is objs  # back on the list, which shows the new config

            table = objs.query_one("#objects")
            await async_wait_for("fconf in the list", lambda: "fconf" in [
                str(k.value) for k in table.rows], 70)
            table.move_cursor(row=table.get_row_index("fconf"))
            await pilot.press("d")
            progress = await go_ahead(pilot, app, typed="fconf")
            assert progress.phase == "converged", progress.lines
            assert cli(lab, "docker config ls -q --filter name=fconf").strip() == ""
    finally:
        cli(lab, "docker config rm fconf >/dev/null 2>&1 || true")
