"""Overlay networks (validation, overlaps, CLI, remove guard) and the service operations' guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.network import (
    CreateNetwork,
    NetworkForm,
    RemoveNetwork,
    network_create_kwargs,
    validate_network,
)
from swarmtui.swarm.create.service_form import ServiceForm
from swarmtui.swarm.create.service_ops import (
    AttachNetwork,
    CreateService,
    DetachNetwork,
    EditService,
)
from swarmtui.swarm.create.service_spec import form_from_spec
from swarmtui.swarm.ops.base import READ_ONLY_BLOCK
from tests.unit.test_create_fixtures import cluster


@pytest.mark.parametrize(("form", "field", "message"), [
    (NetworkForm(name=""), "name", "a network needs a name"),
    (NetworkForm(name="my net"), "name", "'my net' is not a valid network name"),
    (NetworkForm(name="appnet"), "name", "a network named 'appnet' already exists"),
    (NetworkForm(name="host"), "name", "'host' is a network name Docker reserves"),
    (NetworkForm(name="n", subnet="10.20.0.0"), "subnet",
     "'10.20.0.0' needs a prefix length, e.g. 10.20.0.0/24"),
    (NetworkForm(name="n", subnet="10.20.0.5/24"), "subnet",
     "'10.20.0.5/24' has host bits set: did you mean 10.20.0.0/24?"),
    (NetworkForm(name="n", subnet="10.300.0.0/24"), "subnet",
     "'10.300.0.0/24' is not a subnet: write one like 10.20.0.0/24"),
    (NetworkForm(name="n", subnet="10.0.9.128/25"), "subnet",
     "10.0.9.128/25 overlaps 10.0.9.0/24 of network 'appnet'"),
    (NetworkForm(name="n", subnet="10.0.0.0/8"), "subnet",
     "10.0.0.0/8 overlaps 10.0.9.0/24 of network 'appnet', 10.0.10.0/24 of network 'backend', "
     "10.0.0.0/24 of network 'ingress'"),
    (NetworkForm(name="n", subnet="172.17.5.0/24"), "subnet",
     "172.17.5.0/24 overlaps 172.17.0.0/16 of network 'bridge'"),
    (NetworkForm(name="n", subnet="10.20.0.0/31"), "subnet",
     "10.20.0.0/31 is too small for an overlay network"),
    (NetworkForm(name="n", gateway="10.20.0.1"), "gateway",
     "a gateway needs a subnet: fill in the subnet"),
    (NetworkForm(name="n", subnet="10.20.0.0/24", gateway="10.21.0.1"), "gateway",
     "10.21.0.1 is outside the subnet 10.20.0.0/24"),
    (NetworkForm(name="n", subnet="10.20.0.0/24", gateway="10.20.0.0"), "gateway",
     "10.20.0.0 is the network or broadcast address of 10.20.0.0/24"),
    (NetworkForm(name="n", subnet="10.20.0.0/24", gateway="gw"), "gateway",
     "'gw' is not an IP address"),
    (NetworkForm(name="n", labels=["a=1", "a=2"]), "labels[1]", "label a is set twice"),
])
def test_network_validation(form: NetworkForm, field: str, message: str) -> None:
    errors = validate_network(form, cluster())
    assert [e.field for e in errors] == [field]
    assert errors[0].message == message or errors[0].message.startswith(message)


def test_valid_network_cli_and_api_kwargs() -> None:
    form = NetworkForm(name="appnet2", subnet="10.20.0.0/24", gateway="10.20.0.1",
                       attachable=True, encrypted=True, labels=["env=prod"])
    op = CreateNetwork(form)
    g = op.guard(cluster())
    assert g.allowed
    assert g.preview == ("overlay network appnet2, subnet 10.20.0.0/24, attachable, encrypted",)
    assert "IPsec" in g.warnings[0]
    assert op.cli == ("docker network create --driver overlay --subnet 10.20.0.0/24 "
                      "--gateway 10.20.0.1 --attachable --opt encrypted --label env=prod appnet2")
    assert network_create_kwargs(form) == {
        "name": "appnet2", "driver": "overlay", "attachable": True, "scope": "swarm",
        "labels": {"env": "prod"}, "options": {"encrypted": ""},
        "ipam": {"Driver": "default", "Config": [{"Subnet": "10.20.0.0/24",
                                                  "Gateway": "10.20.0.1"}], "Options": {}},
    }


def test_remove_network_refused_while_used_naming_the_services() -> None:
    inv = cluster()
    assert RemoveNetwork("appnet").guard(inv).blocks == (
        "network appnet is used by service api — detach or remove them first",)
    assert RemoveNetwork("nosuch").guard(inv).blocks == ("there is no network 'nosuch'",)
    assert RemoveNetwork("ingress").guard(inv).blocks[0].startswith("the ingress network")
    assert RemoveNetwork("bridge").guard(inv).blocks[0].startswith("'bridge' is a network")
    ok = RemoveNetwork("backend")
    assert ok.guard(inv).allowed
    assert ok.confirm_text == "backend"
    assert ok.cli == "docker network rm backend"


def test_read_only_refuses_every_create_operation_first() -> None:
    form = ServiceForm(name="", image="")  # invalid too: read-only still comes first
    for op in (CreateService(form), CreateNetwork(NetworkForm()), RemoveNetwork("backend"),
               AttachNetwork("api", "backend"), EditService("api", form)):
        assert op.guard(Inventory(), read_only=True).blocks == (READ_ONLY_BLOCK,), op


def test_create_service_guard_blocks_invalid_and_previews_valid() -> None:
    inv = cluster()
    bad = CreateService(ServiceForm(name="api", image="busybox"))
    assert bad.guard(inv).blocks == ("name: a service named 'api' already exists",)
    good = CreateService(ServiceForm(name="w", image="busybox", replicas="2",
                                     constraints=["node.labels.zone==north"]))
    g = good.guard(inv)
    assert g.allowed
    assert g.preview[0] == "replicated service: 2 tasks"
    one = CreateService(ServiceForm(name="w", image="busybox", replicas="1"))
    assert one.guard(inv).preview[0] == "replicated service: 1 task"
    assert g.warnings == ("no Active, Ready node satisfies these constraints: tasks will stay "
                          "Pending (\"no suitable node\") until one does",)
    glob = CreateService(ServiceForm(name="g", image="busybox", mode="global",
                                     constraints=["node.role==worker"]))
    assert glob.guard(inv).preview[0] == ("global service: one task on each matching Active "
                                          "node (2 now)")


def test_edit_guard_shows_the_diff_and_refuses_mode_change_and_no_change() -> None:
    inv = cluster()
    api = inv.service("api")
    assert api is not None
    form = form_from_spec(api.spec, inv)
    assert EditService("api", form).guard(inv).blocks == ("nothing changed",)
    form.image = "busybox:v2"
    op = EditService("api", form)
    g = op.guard(inv)
    assert g.preview == ("TaskTemplate.ContainerSpec.Image: busybox:latest → busybox:v2",)
    assert op.cli == "docker service update --image busybox:v2 api"
    form.mode = "global"
    assert "mode: a replicated service cannot become global; remove it and create it again" \
        in EditService("api", form).guard(inv).blocks
    assert EditService("gone", form).guard(inv).blocks == ("service gone no longer exists",)


def test_attach_detach_guards() -> None:
    inv = cluster()
    att = AttachNetwork("api", "backend")
    g = att.guard(inv)
    assert g.allowed
    assert g.preview == ("service api joins network backend",
                         "TaskTemplate.Networks[1].Target: (none) → backend")
    assert AttachNetwork("api", "appnet").guard(inv).blocks == (
        "service api is already on network appnet",)
    assert AttachNetwork("api", "bridge").guard(inv).blocks == (
        "network 'bridge' is a local (bridge) network; services can only join swarm-scoped "
        "overlay networks",)
    assert AttachNetwork("api", "nosuch").guard(inv).blocks[0].startswith(
        "unknown network 'nosuch'")
    det = DetachNetwork("api", "appnet")
    assert det.guard(inv).preview[0] == "service api leaves network appnet"
    assert det.cli == "docker service update --network-rm appnet api"
    assert DetachNetwork("api", "backend").guard(inv).blocks == (
        "service api is not on network backend",)


class NoIO:
    """An API object that fails the test on any use: read-only must refuse before any I/O."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"read-only mode touched the API: {name}")


def test_read_only_run_operation_sends_nothing_and_journals_the_refusal(tmp_path: Path) -> None:
    from swarmtui.swarm.create.compose import parse_compose
    from swarmtui.swarm.create.objects import CreateObject, Hidden, ObjectForm
    from swarmtui.swarm.create.stack import DeployStack, RemoveStack
    from swarmtui.swarm.ops.runner import run_operation

    journal = tmp_path / "audit.jsonl"
    ops = [
        CreateService(ServiceForm(name="w", image="busybox")),
        CreateNetwork(NetworkForm(name="n")),
        CreateObject(ObjectForm("secret", "s", Hidden("value-xyz"))),
        DeployStack(parse_compose("services: {a: {image: busybox}}", "st", env={})),
        RemoveStack("st"),
    ]
    for op in ops:
        outcome = run_operation(NoIO(), op, read_only=True, journal_path=journal)
        assert outcome.status == "refused" and outcome.message == READ_ONLY_BLOCK
    lines = [json.loads(x) for x in journal.read_text().splitlines()]
    assert [(x["operation"], x["result"]) for x in lines] == [
        ("create service", "refused"), ("create network", "refused"),
        ("create secret", "refused"), ("deploy stack", "refused"), ("remove stack", "refused")]
    assert "value-xyz" not in journal.read_text()


def test_jobs_are_not_edited_with_the_service_form() -> None:
    from tests.unit.test_create_fixtures import service

    job_mode = {"Mode": {"ReplicatedJob": {"TotalCompletions": 1}}}
    inv = Inventory.from_api(services=[service("once", "svc-once-00001", job_mode)])
    job = inv.service("once")
    assert job is not None
    form = form_from_spec(job.spec, inv)
    form.image = "busybox:v2"
    assert EditService("once", form).guard(inv).blocks == (
        "service once is a replicated-job: jobs cannot be edited with this form (re-create the "
        "job instead)",)
