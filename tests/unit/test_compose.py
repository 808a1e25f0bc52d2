"""Compose files → stack plans: names, labels, specs, warnings for what Swarm ignores, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.swarm.create.compose import ComposeError, interpolate, load_compose, parse_compose
from swarmtui.swarm.create.compose_plan import StackPlan
from swarmtui.swarm.create.compose_values import parse_ports

NS = "com.docker.stack.namespace"


def plan_of(text: str, tmp_path: Path | None = None, env: dict[str, str] | None = None,
            stack: str = "app") -> StackPlan:
    return parse_compose(text, stack, base_dir=tmp_path, env=env or {})


def test_two_services_network_secret_config(tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text("hunter2")
    (tmp_path / "nginx.conf").write_text("events {}")
    plan = plan_of("""
services:
  web:
    image: nginx:1.25
    command: nginx -g 'daemon off;'
    ports: ["8080:80", "443:443/tcp"]
    networks: [front]
    configs: [{source: nginx_conf, target: /etc/nginx/nginx.conf}]
    labels: {c: "1"}
    deploy:
      replicas: 3
      labels: {tier: web}
      placement:
        constraints: ["node.role == worker"]
        preferences: [{spread: node.labels.zone}]
        max_replicas_per_node: 2
      resources:
        limits: {cpus: "0.5", memory: 256M}
        reservations: {memory: 64M}
      update_config: {parallelism: 2, delay: 10s, order: start-first,
                      failure_action: rollback}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3}
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/pw
    secrets: [pw]
    networks: [front]
    deploy: {mode: global}
    volumes: ["dbdata:/var/lib/postgresql/data"]
    healthcheck: {test: ["CMD", "pg_isready"], interval: 10s, retries: 5}
networks:
  front: {driver: overlay, attachable: true, ipam: {config: [{subnet: 10.30.0.0/24}]}}
volumes:
  dbdata: {}
secrets:
  pw: {file: ./pw.txt}
configs:
  nginx_conf: {file: ./nginx.conf}
""", tmp_path)
    assert plan.ok, plan.errors
    assert plan.warnings == []
    assert [s.name for s in plan.services] == ["app_web", "app_db"]
    web = plan.services[0].spec
    assert web["Labels"] == {"tier": "web", NS: "app", "com.docker.stack.image": "nginx:1.25"}
    cs = web["TaskTemplate"]["ContainerSpec"]
    assert cs["Labels"] == {"c": "1", NS: "app"}
    assert cs["Args"] == ["nginx", "-g", "daemon off;"]
    assert cs["Configs"] == [{"ConfigID": "", "ConfigName": "app_nginx_conf",
                              "File": {"Name": "/etc/nginx/nginx.conf", "UID": "0", "GID": "0",
                                       "Mode": 0o444}}]
    assert web["Mode"] == {"Replicated": {"Replicas": 3}}
    assert web["TaskTemplate"]["Networks"] == [{"Target": "app_front", "Aliases": ["web"]}]
    assert web["TaskTemplate"]["Placement"] == {
        "Constraints": ["node.role==worker"],
        "Preferences": [{"Spread": {"SpreadDescriptor": "node.labels.zone"}}],
        "MaxReplicas": 2}
    assert web["TaskTemplate"]["Resources"] == {
        "Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 256 * 2**20},
        "Reservations": {"MemoryBytes": 64 * 2**20}}
    assert web["UpdateConfig"] == {"Parallelism": 2, "Delay": 10 * 10**9,
                                   "FailureAction": "rollback", "Order": "start-first"}
    assert web["TaskTemplate"]["RestartPolicy"] == {"Condition": "on-failure",
                                                    "Delay": 5 * 10**9, "MaxAttempts": 3}
    assert web["EndpointSpec"] == {"Mode": "vip", "Ports": [
        {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"},
        {"Protocol": "tcp", "TargetPort": 443, "PublishedPort": 443, "PublishMode": "ingress"}]}
    db = plan.services[1].spec
    assert db["Mode"] == {"Global": {}}
    dcs = db["TaskTemplate"]["ContainerSpec"]
    assert dcs["Env"] == ["POSTGRES_PASSWORD_FILE=/run/secrets/pw"]
    assert dcs["Secrets"] == [{"SecretID": "", "SecretName": "app_pw",
                               "File": {"Name": "pw", "UID": "0", "GID": "0", "Mode": 0o444}}]
    assert dcs["Mounts"] == [{"Type": "volume", "Source": "app_dbdata",
                              "Target": "/var/lib/postgresql/data",
                              "VolumeOptions": {"Labels": {NS: "app"}}}]
    assert dcs["Healthcheck"] == {"Test": ["CMD", "pg_isready"], "Interval": 10 * 10**9,
                                  "Retries": 5}
    assert [(n.name, n.external) for n in plan.networks] == [("app_front", False)]
    assert plan.networks[0].create == {
        "name": "app_front", "driver": "overlay", "scope": "swarm", "labels": {NS: "app"},
        "attachable": True, "internal": False,
        "ipam": {"Driver": "default", "Config": [{"Subnet": "10.30.0.0/24"}], "Options": {}}}
    assert [(s.name, s.source, s.labels) for s in plan.secrets] == [
        ("app_pw", "file ./pw.txt", {NS: "app"})]
    assert [(c.name, c.path) for c in plan.configs] == [
        ("app_nginx_conf", tmp_path / "nginx.conf")]
    assert "hunter2" not in repr(plan)


def test_features_swarm_ignores_are_warnings() -> None:
    plan = plan_of("""
services:
  web:
    image: busybox
    build: .
    depends_on: [db]
    container_name: web1
    restart: always
    links: [db]
    privileged: true
    mem_limit: 1g
    expose: ["80"]
    network_mode: bridge
    x-custom: 1
    frobnicate: yes
  db: {image: busybox}
x-anchors: {}
""")
    assert plan.ok, plan.errors
    assert plan.warnings == [
        "service web: 'build' is ignored by Swarm — Swarm cannot build images: build and push "
        "the image, then set image:",
        "service web: 'depends_on' is ignored by Swarm — Swarm starts services in any order: "
        "make services retry their dependencies",
        "service web: 'container_name' is ignored by Swarm — Swarm names task containers itself",
        "service web: 'links' is ignored by Swarm — use a shared network; services reach each "
        "other by service name",
        "service web: 'privileged' is ignored by Swarm — not supported by Swarm services",
        "service web: 'mem_limit' is ignored by Swarm — use deploy.resources.limits.memory",
        "service web: 'expose' is ignored by Swarm — has no effect on services: containers on "
        "the same network reach all ports",
        "service web: 'network_mode' is ignored by Swarm — Swarm services use networks:, not "
        "network_mode",
        "service web: 'frobnicate' is not applied by swarmtui (ignored)",
        "service web: restart: always is applied as deploy.restart_policy condition any",
    ]
    assert plan.services[0].spec["TaskTemplate"]["RestartPolicy"] == {"Condition": "any"}


def test_restart_no_is_read_as_no_not_false() -> None:
    plan = plan_of("services: {a: {image: busybox, restart: no}}")
    assert plan.services[0].spec["TaskTemplate"]["RestartPolicy"] == {"Condition": "none"}


@pytest.mark.parametrize(("text", "error"), [
    ("services: {web: {build: .}}", "service web: no image (build: is ignored by Swarm); "
                                    "Swarm runs images, add image:"),
    ("services: {web: {image: busybox, networks: [nope]}}",
     "service web: network 'nope' is not declared under the top-level networks:"),
    ("services: {web: {image: busybox, secrets: [nope]}}",
     "service web: secret 'nope' is not declared under the top-level secrets:"),
    ("services: {web: {image: busybox, configs: [nope]}}",
     "service web: config 'nope' is not declared under the top-level configs:"),
    ("services: {web: {image: busybox, ports: ['80:99999']}}",
     "service web: '80:99999': port 99999 is out of range (1-65535)"),
    ("services: {web: {image: busybox, ports: ['eighty']}}",
     "service web: 'eighty' is not a port (write 8080:80, 80 or 53:53/udp)"),
    ("services: {web: {image: busybox, ports: ['80:80', '80:81']}}",
     "service web: published port 80/tcp is used twice"),
    ("services: {web: {image: busybox, deploy: {resources: {limits: {memory: lots}}}}}",
     "service web: deploy.resources.limits.memory: 'lots' is not a size"),
    ("services: {web: {image: busybox, deploy: {replicas: -1}}}",
     "service web: deploy.replicas must be a whole number ≥ 0, not -1"),
    ("services: {web: {image: busybox, deploy: {mode: daemon}}}",
     "service web: deploy.mode must be replicated or global, not 'daemon'"),
    ("services: {web: {image: busybox, deploy: {placement: {constraints: [role=manager]}}}}",
     "service web: deploy.placement.constraints: 'role=manager' uses '='"),
    ("services: {web: {image: busybox, deploy: {update_config: {delay: 10}}}}",
     "service web: deploy.update_config.delay: '10' has no unit"),
    ("services: {web: {image: Busybox}}", "service web: 'Busybox' is not a valid image"),
    ("services: {web: {image: busybox, volumes: ['data:/d']}}",
     "service web: volume 'data' is not declared under the top-level volumes:"),
    ("services: {web: {image: busybox}}\nsecrets: {s: {file: ./missing.txt}}",
     "secret s: file"),
    ("services: {web: {image: '${TAG:?set TAG first}'}}",
     "variable TAG is required: set TAG first"),
])
def test_errors_name_the_service_and_key(text: str, error: str, tmp_path: Path) -> None:
    plan = plan_of(text, tmp_path)
    assert not plan.ok
    assert any(e.startswith(error) or error in e for e in plan.errors), plan.errors


def test_unreadable_files() -> None:
    with pytest.raises(ComposeError, match="not valid YAML at line 3, column 1: expected ','"):
        plan_of("services:\n  web: [unclosed\n")
    with pytest.raises(ComposeError, match="has no services"):
        plan_of("networks: {}")
    with pytest.raises(ComposeError, match="must be a mapping"):
        plan_of("- a\n- b\n")
    with pytest.raises(ComposeError, match="cannot read /nonexistent/compose.yml"):
        load_compose("/nonexistent/compose.yml", "x")


def test_default_network_and_external_ones() -> None:
    plan = plan_of("""
services:
  a: {image: busybox}
  b: {image: busybox, networks: [shared]}
networks:
  shared: {external: true}
""")
    assert [(n.short, n.name, n.external) for n in plan.networks] == [
        ("default", "app_default", False), ("shared", "shared", True)]
    assert plan.services[0].spec["TaskTemplate"]["Networks"] == [
        {"Target": "app_default", "Aliases": ["a"]}]
    assert plan.services[1].spec["TaskTemplate"]["Networks"] == [
        {"Target": "shared", "Aliases": ["b"]}]


@pytest.mark.parametrize(("ports", "expected"), [
    (["80"], [{"Protocol": "tcp", "TargetPort": 80, "PublishMode": "ingress"}]),
    (["8080:80"], [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080,
                    "PublishMode": "ingress"}]),
    (["53:53/udp"], [{"Protocol": "udp", "TargetPort": 53, "PublishedPort": 53,
                      "PublishMode": "ingress"}]),
    (["9000-9001:90-91"], [
        {"Protocol": "tcp", "TargetPort": 90, "PublishedPort": 9000, "PublishMode": "ingress"},
        {"Protocol": "tcp", "TargetPort": 91, "PublishedPort": 9001, "PublishMode": "ingress"}]),
    ([{"target": 80, "published": 8080, "protocol": "udp", "mode": "host"}],
     [{"Protocol": "udp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}]),
    ([{"target": "80", "published": "8080"}],
     [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}]),
    ([8080], [{"Protocol": "tcp", "TargetPort": 8080, "PublishMode": "ingress"}]),
])
def test_port_syntaxes(ports: list[object], expected: list[dict[str, object]]) -> None:
    errors: list[str] = []
    warnings: list[str] = []
    assert parse_ports(ports, "service x", errors, warnings) == expected
    assert errors == [] and warnings == []


def test_host_ip_is_warned_about() -> None:
    errors: list[str] = []
    warnings: list[str] = []
    ports = parse_ports(["127.0.0.1:8080:80"], "service x", errors, warnings)
    assert ports[0]["PublishedPort"] == 8080
    assert warnings == ["service x: the host address in '127.0.0.1:8080:80' is ignored by Swarm"]


def test_unquoted_short_ports_are_not_read_as_base_60() -> None:
    plan = plan_of("services: {a: {image: busybox, ports: [22:22]}}")
    assert plan.services[0].spec["EndpointSpec"]["Ports"] == [
        {"Protocol": "tcp", "TargetPort": 22, "PublishedPort": 22, "PublishMode": "ingress"}]


def test_interpolation() -> None:
    env = {"TAG": "1.25", "EMPTY": ""}
    errors: list[str] = []
    assert interpolate("nginx:${TAG}", env, errors) == "nginx:1.25"
    assert interpolate("$TAG-$$HOME", env, errors) == "1.25-$HOME"
    assert interpolate("${MISSING:-dflt} ${EMPTY:-e} ${EMPTY-e}", env, errors) == "dflt e "
    assert errors == []
    plan = plan_of("services: {a: {image: 'busybox:${TAG}', deploy: {replicas: '${N:-2}'}}}",
                   env=env)
    assert plan.ok, plan.errors
    assert plan.services[0].spec["Mode"] == {"Replicated": {"Replicas": 2}}
    assert plan.services[0].spec["TaskTemplate"]["ContainerSpec"]["Image"] == "busybox:1.25"


def test_env_file_and_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TAG=9\n")
    (tmp_path / "web.env").write_text("# comment\nA=1\nB='two'\n")
    f = tmp_path / "compose.yml"
    f.write_text("services: {web: {image: 'busybox:${TAG}', env_file: web.env, "
                 "environment: [C=3, A=override]}}")
    plan = load_compose(f, "st", env={})
    assert plan.ok, plan.errors
    cs = plan.services[0].spec["TaskTemplate"]["ContainerSpec"]
    assert cs["Image"] == "busybox:9"
    assert cs["Env"] == ["A=override", "B=two", "C=3"]
    assert plan.path == f.resolve()


def test_bad_stack_name() -> None:
    plan = plan_of("services: {a: {image: busybox}}", stack="my stack")
    assert plan.errors[0] == "'my stack' is not a valid stack name: letters, digits, '-' and '_'"
