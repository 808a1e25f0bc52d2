"""The new/edit service form: every field validated with a message for a person."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.service_form import (
    FieldError,
    MountField,
    ObjectRef,
    PortField,
    ServiceForm,
    constraint_problem,
    errors_by_field,
    field_errors,
    validate,
)
from tests.unit.test_create_fixtures import cluster


def good(**changes: Any) -> ServiceForm:
    form = ServiceForm(name="web", image="busybox:latest", command="sleep 1d")
    for k, v in changes.items():
        setattr(form, k, v)
    return form


def test_a_minimal_form_is_valid() -> None:
    assert validate(good(), cluster()) == []


def test_a_full_form_is_valid() -> None:
    form = good(
        replicas="3", ports=[PortField("80", "8081"), PortField("53", "", "udp", "host")],
        networks=["appnet", "backend"], env=["A=1", "B="],
        mounts=[MountField("volume", "data", "/data"), MountField("bind", "/srv", "/srv", True),
                MountField("tmpfs", "", "/tmp")],
        constraints=["node.role==worker", "node.labels.zone != east", "engine.labels.x==1"],
        preferences=["spread=node.labels.zone"],
        limit_cpus="0.5", limit_memory="512M", reserve_cpus="0.25", reserve_memory="128M",
        restart_condition="on-failure", restart_delay="5s", restart_max_attempts="3",
        restart_window="1m", update_parallelism="2", update_delay="10s",
        update_failure_action="rollback", update_order="start-first",
        health_cmd="wget -q localhost", health_interval="30s", health_timeout="5s",
        health_retries="3", health_start_period="10s", labels=["team=web", "empty="],
        secrets=[ObjectRef("db_pw", "password")],
    )
    assert validate(form, cluster()) == []


CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"name": ""}, "name", "a service needs a name"),
    ({"name": "web app"}, "name", "'web app' is not a valid service name: use letters, digits, "
                                  "'-' and '_', starting and ending with a letter or digit"),
    ({"name": "-web"}, "name", "'-web' is not a valid service name"),
    ({"name": "x" * 64}, "name", "the name is 64 characters long; at most 63 are allowed"),
    ({"name": "api"}, "name", "a service named 'api' already exists"),
    ({"image": ""}, "image", "an image is required, e.g. busybox:latest"),
    ({"image": "Nginx"}, "image", "image names are lower-case: 'Nginx' → 'nginx'"),
    ({"image": "busybox sleep"}, "image", "'busybox sleep' contains spaces; put the command in "
                                          "the command field"),
    ({"image": "bad//image"}, "image", "'bad//image' is not a valid image reference"),
    ({"command": "sh -c 'unclosed"}, "command", "cannot split into words (No closing "
                                                 "quotation): check the quotes"),
    ({"mode": "daemon"}, "mode", "mode must be replicated or global, not 'daemon'"),
    ({"replicas": "three"}, "replicas", "replicas must be a whole number, not 'three'"),
    ({"replicas": "-1"}, "replicas", "replicas must be at least 0, not -1"),
    ({"ports": [PortField("", "8081")]}, "ports[0].target",
     "the target port (inside the container) is required, e.g. 80"),
    ({"ports": [PortField("0")]}, "ports[0].target",
     "the target (container) port must be at least 1, not 0"),
    ({"ports": [PortField("80", "70000")]}, "ports[0].published",
     "the published port must be at most 65535, not 70000"),
    ({"ports": [PortField("80", "http")]}, "ports[0].published",
     "the published port must be a whole number, not 'http'"),
    ({"ports": [PortField("80", "8081", "icmp")]}, "ports[0].protocol",
     "protocol must be tcp, udp or sctp, not 'icmp'"),
    ({"ports": [PortField("80", "8081", "tcp", "bridge")]}, "ports[0].mode",
     "publish mode must be ingress or host, not 'bridge'"),
    ({"ports": [PortField("80", "8081"), PortField("81", "8081")]}, "ports[1].published",
     "published port 8081/tcp is used twice (also in row 1)"),
    ({"ports": [PortField("80", "8080")]}, "ports[0].published",
     "published port 8080/tcp is already used by service 'api'"),
    ({"networks": ["nosuch"]}, "networks[0]",
     "unknown network 'nosuch' (overlay networks: appnet, backend)"),
    ({"networks": ["bridge"]}, "networks[0]",
     "network 'bridge' is a local (bridge) network; services can only join swarm-scoped "
     "overlay networks"),
    ({"networks": ["ingress"]}, "networks[0]",
     "'ingress' is the ingress network: it carries published ports and cannot be joined "
     "directly"),
    ({"networks": ["appnet", "appnet"]}, "networks[1]", "network 'appnet' is listed twice"),
    ({"env": ["NOVALUE"]}, "env[0]", "'NOVALUE' must look like KEY=value"),
    ({"env": ["MY VAR=1"]}, "env[0]", "'MY VAR' is not a valid variable name"),
    ({"env": ["A=1", "A=2"]}, "env[1]", "A is set twice"),
    ({"mounts": [MountField("nfs", "x", "/x")]}, "mounts[0].type",
     "mount type must be volume, bind or tmpfs, not 'nfs'"),
    ({"mounts": [MountField("volume", "data", "")]}, "mounts[0].target",
     "the path inside the container is required, e.g. /data"),
    ({"mounts": [MountField("volume", "data", "data")]}, "mounts[0].target",
     "'data' must be an absolute path (start with /)"),
    ({"mounts": [MountField("bind", "", "/data")]}, "mounts[0].source",
     "a bind mount needs the host path to mount, e.g. /srv/data"),
    ({"mounts": [MountField("bind", "srv", "/data")]}, "mounts[0].source",
     "'srv' must be an absolute host path (start with /); for a named volume choose type "
     "volume"),
    ({"mounts": [MountField("volume", "/srv", "/data")]}, "mounts[0].source",
     "'/srv' is not a valid volume name"),
    ({"mounts": [MountField("tmpfs", "x", "/t")]}, "mounts[0].source",
     "a tmpfs mount has no source; leave it empty"),
    ({"mounts": [MountField("volume", "a", "/d"), MountField("volume", "b", "/d")]},
     "mounts[1].target", "two mounts at /d"),
    ({"constraints": ["node.role=manager"]}, "constraints[0]",
     "'node.role=manager' uses '='; a constraint compares with == or != (write it like "
     "node.role==manager or node.labels.zone!=east)"),
    ({"constraints": ["node.rol==manager"]}, "constraints[0]", "unknown constraint key "
     "'node.rol': use node.id, node.hostname, node.role, node.platform.os, node.platform.arch, "
     "node.labels.NAME or engine.labels.NAME"),
    ({"constraints": ["node.role==boss"]}, "constraints[0]",
     "node.role is manager or worker, not 'boss'"),
    ({"constraints": ["node.labels.==x"]}, "constraints[0]", "unknown constraint key"),
    ({"constraints": ["manager"]}, "constraints[0]", "'manager' is not a constraint"),
    ({"preferences": ["zone"]}, "preferences[0]",
     "'zone' is not a placement preference: write spread=node.labels.zone"),
    ({"limit_cpus": "lots"}, "limit_cpus", "'lots' is not a number of CPUs"),
    ({"limit_memory": "512X"}, "limit_memory", "'512X' is not a size"),
    ({"limit_memory": "1M"}, "limit_memory",
     "1M is below the engine's minimum memory limit of 6M"),
    ({"reserve_memory": "1G", "limit_memory": "512M"}, "reserve_memory",
     "reserving 1G is more than the limit of 512M"),
    ({"reserve_cpus": "2", "limit_cpus": "1"}, "reserve_cpus",
     "reserving 2 CPUs is more than the limit of 1"),
    ({"restart_condition": "always"}, "restart_condition",
     "restart condition must be none, on-failure or any, not 'always'"),
    ({"restart_delay": "5"}, "restart_delay", "'5' has no unit: write 5s for seconds"),
    ({"restart_window": "a while"}, "restart_window", "'a while' is not a duration"),
    ({"restart_max_attempts": "x"}, "restart_max_attempts",
     "max restart attempts must be a whole number, not 'x'"),
    ({"update_parallelism": "-2"}, "update_parallelism",
     "update parallelism must be at least 0, not -2"),
    ({"update_delay": "soon"}, "update_delay", "'soon' is not a duration"),
    ({"update_failure_action": "retry"}, "update_failure_action",
     "on update failure: pause, continue or rollback, not 'retry'"),
    ({"update_order": "parallel"}, "update_order",
     "update order must be stop-first or start-first, not 'parallel'"),
    ({"health_interval": "30"}, "health_interval", "'30' has no unit"),
    ({"health_timeout": "x"}, "health_timeout", "'x' is not a duration"),
    ({"health_start_period": "1 min"}, "health_start_period", "is not a duration"),
    ({"health_retries": "3.5"}, "health_retries",
     "health retries must be a whole number, not '3.5'"),
    ({"no_healthcheck": True, "health_cmd": "true"}, "no_healthcheck",
     "health check disabled but health settings given: clear one"),
    ({"labels": ["novalue"]}, "labels[0]", ""),
    ({"labels": ["=x"]}, "labels[0]", "'=x' must look like key=value (key without spaces)"),
    ({"labels": ["a=1", "a=2"]}, "labels[1]", "label a is set twice"),
    ({"secrets": [ObjectRef("nosuch")]}, "secrets[0].source",
     "unknown secret 'nosuch' (existing: db_pw, unused)"),
    ({"secrets": [ObjectRef("")]}, "secrets[0].source", "the secret name is empty"),
    ({"secrets": [ObjectRef("db_pw"), ObjectRef("unused", "db_pw")]}, "secrets[1].target",
     "two secrets would be written to the same file 'db_pw'"),
    ({"configs": [ObjectRef("app.conf")]}, "configs[0].source",
     "unknown config 'app.conf' (there are no configs)"),
]


@pytest.mark.parametrize(("change", "field", "message"), CASES,
                         ids=[f"{c[1]}:{i}" for i, c in enumerate(CASES)])
def test_each_bad_field_has_its_message(change: dict[str, Any], field: str, message: str
                                        ) -> None:
    errors = validate(good(**change), cluster())
    if field == "labels[0]" and not message:
        # "novalue" is a label with an empty value, as `--label novalue` is
        assert errors == []
        return
    assert [e.field for e in errors] == [field], errors
    assert message in errors[0].message


def test_without_an_inventory_cluster_checks_are_skipped() -> None:
    form = good(networks=["nosuch"], name="api", secrets=[ObjectRef("nosuch")])
    assert validate(form) == []


def test_secret_existence_is_not_judged_when_secrets_were_not_listed() -> None:
    inv = Inventory.of(cluster())
    no_objects = Inventory(replace(inv.snapshot, secrets={}, configs={}), has_objects=False)
    assert validate(good(secrets=[ObjectRef("anything")]), no_objects) == []


def test_editing_allows_own_name_and_ports_but_no_rename() -> None:
    inv = cluster()
    form = good(name="api", ports=[PortField("80", "8080")])
    assert validate(form, inv, editing="api") == []
    renamed = good(name="api2")
    assert [str(e) for e in validate(renamed, inv, editing="api")] == [
        "name: a service cannot be renamed (it is 'api'); create a new one instead"]


def test_global_mode_ignores_replicas() -> None:
    assert validate(good(mode="global", replicas="not a number"), cluster()) == []


def test_errors_are_grouped_for_the_form_screen() -> None:
    form = good(name="", ports=[PortField("x", "y")])
    errors = validate(form, cluster())
    by_field = errors_by_field(errors)
    assert set(by_field) == {"name", "ports[0].target", "ports[0].published"}
    assert field_errors(form, "ports[0]", cluster()) == [
        "the target (container) port must be a whole number, not 'x'",
        "the published port must be a whole number, not 'y'"]
    assert field_errors(form, "name") == ["a service needs a name"]
    assert str(FieldError("name", "x")) == "name: x"


@pytest.mark.parametrize(("text", "ok"), [
    ("node.role==manager", True), ("node.role == worker", True),
    ("node.labels.zone!=east", True), ("node.hostname==node2", True),
    ("node.platform.os==linux", True), ("engine.labels.disk==ssd", True),
    ("node.id!=abc", True), ("node.role=manager", False), ("node.labels==x", False),
    ("zone==east", False), ("node.role==", False), ("", False),
])
def test_constraint_syntax(text: str, ok: bool) -> None:
    assert (constraint_problem(text) is None) == ok


def test_form_state_for_a_create_screen() -> None:
    from swarmtui.swarm.create.service_ops import form_state

    state = form_state(good(name="", ports=[PortField("80", "8080")]), cluster())
    assert not state.valid
    assert state.errors == {"name": "a service needs a name",
                            "ports[0].published": "published port 8080/tcp is already used by "
                                                  "service 'api'"}
    assert state.cli == ("docker service create --name '' --replicas 1 "
                         "--publish published=8080,target=80 --no-resolve-image busybox:latest "
                         "sleep 1d")
    assert form_state(good()).valid


def test_form_state_for_an_edit_screen() -> None:
    from swarmtui.swarm.create.service_ops import form_state
    from swarmtui.swarm.create.service_spec import form_from_spec

    inv = cluster()
    api = inv.service("api")
    assert api is not None
    original = form_from_spec(api.spec, inv)
    edited = form_from_spec(api.spec, inv)
    assert form_state(edited, inv, original=original, editing="api").cli == ""
    edited.replicas = "4"
    state = form_state(edited, inv, original=original, editing="api")
    assert state.valid and state.cli == "docker service update --replicas 4 api"
