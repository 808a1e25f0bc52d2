"""Lab: a secret typed as text is usable by a service, and its value is written nowhere."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui.lab import Lab
from swarmtui.swarm.create.base import OperationError
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.objects import (
    CreateObject,
    Hidden,
    ObjectForm,
    RemoveObject,
    object_rows,
)
from swarmtui.swarm.create.service_form import ObjectRef, ServiceForm
from swarmtui.swarm.create.service_ops import CreateService
from swarmtui.swarm.ops.runner import run_operation
from tests.waiting import wait_for


@pytest.fixture
def api(lab: Lab, ssh_forward: Any) -> Iterator[Any]:
    client = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    yield client
    client.close()


def cli(lab: Lab, cmd: str) -> str:
    return lab.ssh("node1", cmd)


def test_typed_secret_is_usable_and_never_written(
        lab: Lab, api: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    value = "k-typed-" + secrets.token_hex(8)
    journal = tmp_path / "audit.jsonl"
    form = ObjectForm(kind="secret", name="k_pw", text=Hidden(value), labels=["owner=k"])
    op = CreateObject(form)
    assert op.cli == "printf %s '***' | docker secret create --label owner=k k_pw -"
    assert value not in repr(form) and value not in f"{form.text}"
    try:
        outcome = run_operation(api, op, journal_path=journal)
        assert outcome.ok, outcome.message
        assert cli(lab, "docker secret ls --filter name=k_pw --format '{{.Name}}'") == "k_pw"
        assert value not in cli(lab, "docker secret inspect k_pw")

        # a second secret of the same name is refused by the guard …
        inv = Inventory.read(api)
        dup = CreateObject(ObjectForm(kind="secret", name="k_pw", text=Hidden(value)))
        assert dup.guard(inv).blocks[0].startswith("name: a secret named 'k_pw' already exists")
        # … and if sent anyway, the engine's error carries no value
        with pytest.raises(OperationError) as exc:
            dup.apply(api)
        assert "already exists" in str(exc.value) and value not in str(exc.value)

        svc = CreateService(ServiceForm(
            name="k-sec", image="busybox:latest", replicas="1",
            command="sh -c 'busybox sha256sum /run/secrets/k_pw && sleep 3600'",
            secrets=[ObjectRef("k_pw")]))
        assert svc.cli.endswith("--secret k_pw --no-resolve-image busybox:latest sh -c "
                                "'busybox sha256sum /run/secrets/k_pw && sleep 3600'")
        outcome = run_operation(api, svc, journal_path=journal, wait=True, timeout=60)
        assert outcome.ok and outcome.converged, (outcome.message, outcome.converge_text)
        digest = hashlib.sha256(value.encode()).hexdigest()
        logs = wait_for("the service to log the secret's hash",
                        lambda: (lambda t: t if digest in t else "")(
                            cli(lab, "docker service logs --raw k-sec")), 30, 0.5)
        assert value not in logs

        inv = Inventory.read(api)
        row = next(r for r in object_rows(inv, "secret") if r.name == "k_pw")
        assert row.used_by == ("k-sec",) and row.labels == {"owner": "k"}
        rm = RemoveObject("secret", "k_pw")
        assert rm.guard(inv).blocks == (
            "secret k_pw is used by service k-sec — remove it from them first",)
        refused = run_operation(api, rm, typed_confirmation="k_pw", journal_path=journal)
        assert refused.status == "refused"
    finally:
        cli(lab, "docker service rm k-sec >/dev/null 2>&1 || true")
    wait_for("k-sec's tasks to go", lambda: cli(
        lab, "docker ps -aq --filter label=com.docker.swarm.service.name=k-sec") == "", 30, 0.5)
    outcome = run_operation(api, RemoveObject("secret", "k_pw"), typed_confirmation="k_pw",
                            journal_path=journal)
    assert outcome.ok, outcome.message
    assert cli(lab, "docker secret ls -q --filter name=k_pw") == ""

    text = journal.read_text()
    assert value not in text
    assert value not in caplog.text
    entries = [json.loads(line) for line in text.splitlines()]
    assert [(e["operation"], e["result"]) for e in entries] == [
        ("create secret", "ok"), ("create service", "ok"), ("remove secret", "refused"),
        ("remove secret", "ok")]
    assert entries[0]["cli"] == "printf %s '***' | docker secret create --label owner=k k_pw -"


def test_config_from_a_file(lab: Lab, api: Any, tmp_path: Path) -> None:
    f = tmp_path / "app.conf"
    f.write_text("level=debug\n")
    op = CreateObject(ObjectForm(kind="config", name="k_conf", file=str(f)))
    assert op.cli == f"docker config create k_conf {f}"
    try:
        assert op.guard(Inventory.read(api)).allowed
        op.apply(api)
        data = cli(lab, "docker config inspect k_conf --format '{{json .Spec.Data}}'")
        import base64

        assert base64.b64decode(json.loads(data)) == b"level=debug\n"
    finally:
        cli(lab, "docker config rm k_conf >/dev/null 2>&1 || true")
