"""Form → ServiceSpec, spec → form, edits that keep every other field, CLI equivalents, diffs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from swarmtui.swarm.create.diff import spec_diff
from swarmtui.swarm.create.service_cli import create_argv, create_cli, update_cli
from swarmtui.swarm.create.service_form import (
    FormInvalidError,
    MountField,
    ObjectRef,
    PortField,
    ServiceForm,
)
from swarmtui.swarm.create.service_spec import build_spec, create_kwargs, form_from_spec, merge_form
from tests.unit.test_create_fixtures import cluster


def full_form() -> ServiceForm:
    return ServiceForm(
        name="web", image="nginx:1.25", command="nginx -g 'daemon off;'", entrypoint="/init",
        replicas="3", ports=[PortField("80", "8081"), PortField("53", "", "udp", "host")],
        networks=["appnet"], env=["GREETING=hello world"],
        mounts=[MountField("volume", "data", "/data"), MountField("bind", "/srv", "/srv", True)],
        constraints=["node.role==worker"], preferences=["spread=node.labels.zone"],
        limit_cpus="0.5", limit_memory="512M", reserve_memory="128M",
        restart_condition="on-failure", restart_delay="5s", restart_max_attempts="3",
        update_parallelism="2", update_delay="10s", update_failure_action="rollback",
        update_order="start-first", health_cmd="curl -f localhost", health_interval="30s",
        health_retries="3", labels=["team=web"], secrets=[ObjectRef("db_pw", "password")],
    )


def test_build_spec_from_a_full_form() -> None:
    spec = build_spec(full_form(), cluster())
    assert spec == {
        "Name": "web",
        "Labels": {"team": "web"},
        "Mode": {"Replicated": {"Replicas": 3}},
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": "nginx:1.25",
                "Args": ["nginx", "-g", "daemon off;"],
                "Command": ["/init"],
                "Env": ["GREETING=hello world"],
                "Mounts": [{"Type": "volume", "Source": "data", "Target": "/data"},
                           {"Type": "bind", "Source": "/srv", "Target": "/srv",
                            "ReadOnly": True}],
                "Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"],
                                "Interval": 30 * 10**9, "Retries": 3},
                "Secrets": [{"SecretID": "sec-dbpw-00001", "SecretName": "db_pw",
                             "File": {"Name": "password", "UID": "0", "GID": "0",
                                      "Mode": 0o444}}],
            },
            "Resources": {"Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 512 * 2**20},
                          "Reservations": {"MemoryBytes": 128 * 2**20}},
            "RestartPolicy": {"Condition": "on-failure", "Delay": 5 * 10**9, "MaxAttempts": 3},
            "Placement": {"Constraints": ["node.role==worker"],
                          "Preferences": [{"Spread": {"SpreadDescriptor": "node.labels.zone"}}]},
            "Networks": [{"Target": "net-appnet-0001"}],
        },
        "UpdateConfig": {"Parallelism": 2, "Delay": 10 * 10**9, "FailureAction": "rollback",
                         "Order": "start-first"},
        "EndpointSpec": {"Mode": "vip", "Ports": [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8081,
             "PublishMode": "ingress"},
            {"Protocol": "udp", "TargetPort": 53, "PublishMode": "host"}]},
    }


def test_minimal_spec_and_global_mode() -> None:
    spec = build_spec(ServiceForm(name="g", image="busybox", mode="global", replicas=""))
    assert spec == {"Name": "g", "Mode": {"Global": {}},
                    "TaskTemplate": {"ContainerSpec": {"Image": "busybox"}}}


def test_partial_update_config_gets_the_defaults_not_parallelism_zero() -> None:
    spec = build_spec(ServiceForm(name="a", image="busybox", update_delay="5s"))
    assert spec["UpdateConfig"] == {"Parallelism": 1, "FailureAction": "pause",
                                    "Order": "stop-first", "Delay": 5 * 10**9}


def test_restart_fields_without_condition_mean_any() -> None:
    spec = build_spec(ServiceForm(name="a", image="busybox", restart_delay="1s"))
    assert spec["TaskTemplate"]["RestartPolicy"] == {"Condition": "any", "Delay": 10**9}


def test_no_healthcheck() -> None:
    spec = build_spec(ServiceForm(name="a", image="busybox", no_healthcheck=True))
    assert spec["TaskTemplate"]["ContainerSpec"]["Healthcheck"] == {"Test": ["NONE"]}


def test_an_invalid_form_gives_no_spec() -> None:
    with pytest.raises(FormInvalidError) as exc:
        build_spec(ServiceForm(name="", image="busybox", replicas="x"))
    assert [e.field for e in exc.value.errors] == ["name", "replicas"]


def test_create_kwargs_match_docker_py() -> None:
    spec = build_spec(full_form(), cluster())
    kw = create_kwargs(spec)
    assert set(kw) == {"task_template", "name", "labels", "mode", "endpoint_spec",
                       "update_config"}
    assert kw["task_template"] is spec["TaskTemplate"]


def test_form_round_trips_through_the_spec() -> None:
    inv = cluster()
    form = full_form()
    assert form_from_spec(build_spec(form, inv), inv) == form


def test_create_cli() -> None:
    assert create_cli(full_form()) == (
        "docker service create --name web --replicas 3 --publish published=8081,target=80 "
        "--publish target=53,protocol=udp,mode=host --network appnet "
        "--env 'GREETING=hello world' --mount type=volume,source=data,target=/data "
        "--mount type=bind,source=/srv,target=/srv,readonly --constraint node.role==worker "
        "--placement-pref spread=node.labels.zone --limit-cpu 0.5 --limit-memory 512M "
        "--reserve-memory 128M --restart-condition on-failure --restart-delay 5s "
        "--restart-max-attempts 3 --update-parallelism 2 --update-delay 10s "
        "--update-failure-action rollback --update-order start-first "
        "--health-cmd 'curl -f localhost' --health-interval 30s --health-retries 3 "
        "--label team=web --secret source=db_pw,target=password --entrypoint /init "
        "--no-resolve-image nginx:1.25 nginx -g 'daemon off;'")


def test_the_cli_preview_works_while_fields_are_invalid() -> None:
    form = ServiceForm(name="w", image="busybox", command="sh -c 'unclosed", replicas="x")
    assert create_argv(form)[-3:] == ["--no-resolve-image", "busybox", "sh -c 'unclosed"]
    assert "--replicas x" in create_cli(form)


def test_global_cli() -> None:
    form = ServiceForm(name="g", image="busybox", command="sleep 1d", mode="global")
    assert create_cli(form) == ("docker service create --name g --mode global "
                                "--no-resolve-image busybox sleep 1d")


def live_spec() -> dict[str, Any]:
    """A spec as the engine stores it after `docker service create` (with fields the form
    does not show: Monitor, RollbackConfig, aliases, Isolation, ForceUpdate)."""
    spec = build_spec(full_form(), cluster())
    spec["TaskTemplate"]["Networks"][0]["Aliases"] = ["web-alias"]
    spec["TaskTemplate"]["ContainerSpec"]["Isolation"] = "default"
    spec["TaskTemplate"]["ForceUpdate"] = 2
    spec["UpdateConfig"]["Monitor"] = 5 * 10**9
    spec["RollbackConfig"] = {"Parallelism": 1, "FailureAction": "pause"}
    spec["TaskTemplate"]["ContainerSpec"]["Labels"] = {"c": "1"}
    return spec


def test_an_unchanged_form_changes_nothing() -> None:
    inv = cluster()
    spec = live_spec()
    assert merge_form(spec, form_from_spec(spec, inv), inv) == spec


def test_an_edit_changes_only_what_was_edited() -> None:
    inv = cluster()
    spec = live_spec()
    form = form_from_spec(spec, inv)
    form.image = "nginx:1.26"
    form.replicas = "5"
    form.env.append("NEW=1")
    form.limit_memory = ""
    new = merge_form(spec, form, inv)
    expected = copy.deepcopy(spec)
    expected["TaskTemplate"]["ContainerSpec"]["Image"] = "nginx:1.26"
    expected["TaskTemplate"]["ContainerSpec"]["Env"] = ["GREETING=hello world", "NEW=1"]
    expected["Mode"] = {"Replicated": {"Replicas": 5}}
    del expected["TaskTemplate"]["Resources"]["Limits"]["MemoryBytes"]
    assert new == expected
    assert [str(c) for c in spec_diff(spec, new)] == [
        "Mode.Replicated.Replicas: 3 → 5",
        "TaskTemplate.ContainerSpec.Env: [GREETING=hello world] → [GREETING=hello world, NEW=1]",
        "TaskTemplate.ContainerSpec.Image: nginx:1.25 → nginx:1.26",
        "TaskTemplate.Resources.Limits.MemoryBytes: 512M → (none)",
    ]


def test_changing_networks_keeps_aliases_of_the_networks_that_stay() -> None:
    inv = cluster()
    spec = live_spec()
    form = form_from_spec(spec, inv)
    form.networks.append("backend")
    new = merge_form(spec, form, inv)
    assert new["TaskTemplate"]["Networks"] == [
        {"Target": "net-appnet-0001", "Aliases": ["web-alias"]},
        {"Target": "net-backend-002"}]
    names = {n.id: n.name for n in inv.networks}
    assert [str(c) for c in spec_diff(spec, new, names=names)] == [
        "TaskTemplate.Networks[1].Target: (none) → backend"]


def test_update_cli_lists_only_the_changes() -> None:
    inv = cluster()
    spec = live_spec()
    before = form_from_spec(spec, inv)
    after = form_from_spec(spec, inv)
    assert update_cli(before, after) == ""
    after.image = "nginx:1.26"
    after.env = ["GREETING=hi", "NEW=1"]
    after.networks = ["backend"]
    after.ports = [PortField("80", "9090")]
    after.constraints = []
    after.limit_memory = ""
    after.update_delay = "20s"
    after.labels.append("x=y")
    after.mounts = after.mounts[:1]
    assert update_cli(before, after) == (
        "docker service update --image nginx:1.26 --env-add GREETING=hi --env-add NEW=1 "
        "--label-add x=y --constraint-rm node.role==worker --network-rm appnet "
        "--network-add backend --publish-rm published=8081,target=80 "
        "--publish-rm target=53,protocol=udp,mode=host --publish-add published=9090,target=80 "
        "--mount-rm /srv --update-delay 20s --limit-memory 0 web")


def test_diff_formats_units_and_missing_values() -> None:
    old = {"UpdateConfig": {"Delay": 10**9, "Monitor": 5 * 10**9},
           "TaskTemplate": {"Resources": {"Limits": {"NanoCPUs": 500_000_000}}},
           "Labels": {}, "EndpointSpec": {"Ports": [{"TargetPort": 80, "PublishedPort": 8080}]}}
    new = {"UpdateConfig": {"Delay": 90 * 10**9, "Monitor": 5 * 10**9},
           "TaskTemplate": {"Resources": {"Limits": {"NanoCPUs": 2 * 10**9}}},
           "Labels": {"a": "b"}, "EndpointSpec": {"Ports": [{"TargetPort": 80,
                                                             "PublishedPort": 8081}]}}
    assert [str(c) for c in spec_diff(old, new)] == [
        "EndpointSpec.Ports[0].PublishedPort: 8080 → 8081",
        "Labels.a: (none) → b",
        "TaskTemplate.Resources.Limits.NanoCPUs: 0.5 CPUs → 2 CPUs",
        "UpdateConfig.Delay: 1s → 1m30s",
    ]
    assert spec_diff(old, copy.deepcopy(old)) == []
    # empty containers and absent keys are the same thing
    assert spec_diff({"Labels": {}, "TaskTemplate": {"Networks": []}}, {}) == []


def test_an_edit_merges_onto_the_fresh_spec_and_keeps_a_concurrent_change() -> None:
    """Three-way (issue 15 item 3): the user changed the image; meanwhile someone set 7
    replicas. The merge onto the fresh spec keeps their 7 and applies our image."""
    inv = cluster()
    spec = live_spec()
    base = form_from_spec(spec, inv)
    form = form_from_spec(spec, inv)
    form.image = "nginx:1.26"
    fresh = copy.deepcopy(spec)
    fresh["Mode"] = {"Replicated": {"Replicas": 7}}
    new = merge_form(fresh, form, inv, base=base)
    assert new["Mode"] == {"Replicated": {"Replicas": 7}}
    assert new["TaskTemplate"]["ContainerSpec"]["Image"] == "nginx:1.26"
    # without the base (the old two-way merge) their 7 would be written back to 3
    assert merge_form(fresh, form, inv)["Mode"] == {"Replicated": {"Replicas": 3}}


def test_a_field_both_sides_changed_is_a_conflict() -> None:
    from swarmtui.swarm.create.service_spec import EditConflictError

    inv = cluster()
    spec = live_spec()
    base = form_from_spec(spec, inv)
    form = form_from_spec(spec, inv)
    form.replicas = "5"
    fresh = copy.deepcopy(spec)
    fresh["Mode"] = {"Replicated": {"Replicas": 7}}
    with pytest.raises(EditConflictError) as err:
        merge_form(fresh, form, inv, base=base)
    assert err.value.conflicts == ["Mode.Replicated.Replicas: you 5, now 7 (was 3)"]
    # the same value on both sides is no conflict
    fresh["Mode"] = {"Replicated": {"Replicas": 5}}
    assert merge_form(fresh, form, inv, base=base)["Mode"] == {"Replicated": {"Replicas": 5}}
