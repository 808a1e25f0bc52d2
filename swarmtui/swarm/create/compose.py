"""Compose files → what `docker stack deploy` would create, as Engine API specs.

:func:`load_compose` / :func:`parse_compose` read a compose file (version 3 /
the Compose Specification, the subset Swarm understands) into a
:class:`StackPlan`: service specs, networks, secrets and configs, each named
``STACK_name`` and labelled ``com.docker.stack.namespace=STACK`` exactly as
the docker CLI does, so ``docker stack ls/services/ps STACK`` see them. Keys
Swarm ignores or rejects become warnings; what cannot work at all (no image, a
reference to an undeclared network, a bad port …) becomes an error naming the
service and the key. No I/O other than reading the file and the files its
secrets/configs name.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from swarmtui.swarm.create.compose_shape import MAX_DEPTH, ShapeError, check_size, check_types
from swarmtui.swarm.create.inventory import STACK_LABEL
from swarmtui.swarm.create.service_form import (
    CONSTRAINT_RE,
    IMAGE_RE,
    SERVICE_NAME_RE,
    constraint_problem,
)
from swarmtui.swarm.create.units import (
    MAX_INT64,
    UnitError,
    parse_cpus,
    parse_duration,
    parse_size,
)
from swarmtui.swarm.ops.validate import MAX_REPLICAS, InputError, user_path

ApiDict = dict[str, Any]
IMAGE_LABEL = "com.docker.stack.image"

#: service keys Swarm ignores or rejects, with what to do instead
IGNORED_SERVICE_KEYS: dict[str, str] = {
    "build": "Swarm cannot build images: build and push the image, then set image:",
    "depends_on": "Swarm starts services in any order: make services retry their dependencies",
    "container_name": "Swarm names task containers itself",
    "links": "use a shared network; services reach each other by service name",
    "external_links": "use a shared network instead",
    "network_mode": "Swarm services use networks:, not network_mode",
    "cgroup_parent": "not supported by Swarm services",
    "devices": "not supported by Swarm services",
    "privileged": "not supported by Swarm services",
    "security_opt": "not supported by Swarm services",
    "userns_mode": "not supported by Swarm services",
    "ipc": "not supported by Swarm services",
    "pid": "not supported by Swarm services",
    "mac_address": "not supported by Swarm services",
    "shm_size": "not supported by Swarm services",
    "domainname": "not supported by Swarm services",
    "volumes_from": "not supported by Swarm services: use named volumes",
    "profiles": "profiles are a docker compose feature; every service is deployed",
    "scale": "use deploy.replicas",
    "mem_limit": "use deploy.resources.limits.memory",
    "memswap_limit": "not supported by Swarm services",
    "mem_reservation": "use deploy.resources.reservations.memory",
    "cpus": "use deploy.resources.limits.cpus",
    "cpu_shares": "use deploy.resources",
    "cpu_quota": "use deploy.resources.limits.cpus",
    "cpuset": "not supported by Swarm services",
    "oom_score_adj": "not supported by Swarm services",
    "pull_policy": "each node uses its local image or pulls it",
    "expose": "has no effect on services: containers on the same network reach all ports",
}
SUPPORTED_SERVICE_KEYS = {
    "image", "command", "entrypoint", "environment", "env_file", "ports", "networks",
    "secrets", "configs", "deploy", "labels", "volumes", "working_dir", "user", "hostname",
    "healthcheck", "stop_grace_period", "stop_signal", "tty", "stdin_open", "read_only",
    "init", "restart", "logging", "extra_hosts",
}
SUPPORTED_DEPLOY_KEYS = {"mode", "replicas", "labels", "update_config", "rollback_config",
                         "restart_policy", "placement", "resources", "endpoint_mode"}


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML 1.1 without sexagesimal ints, so an unquoted port like 22:22 stays a string."""


_INT_TAG = "tag:yaml.org,2002:int"
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != _INT_TAG]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT_TAG,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


class ComposeError(ValueError):
    """The compose file cannot be read at all (not YAML, not a mapping, no services)."""


@dataclass
class PlannedService:
    #: the name in the compose file ("web")
    short: str
    #: the swarm service name ("STACK_web")
    name: str
    #: ServiceSpec with secret/config IDs left empty (filled at deploy time)
    spec: ApiDict


@dataclass
class PlannedNetwork:
    short: str
    name: str
    external: bool
    #: keyword arguments for APIClient.create_network (None when external)
    create: dict[str, Any] | None = None


@dataclass
class PlannedObject:
    kind: str
    short: str
    name: str
    external: bool
    #: where the data comes from, in words ("file ./db_password.txt"); never the data
    source: str = ""
    path: Path | None = None
    #: inline content (configs `content:`) or an environment variable's value
    inline: bytes | None = field(default=None, repr=False)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class StackPlan:
    """Everything a compose file asks for, in Swarm terms."""

    stack: str
    path: Path | None
    services: list[PlannedService] = field(default_factory=list)
    networks: list[PlannedNetwork] = field(default_factory=list)
    secrets: list[PlannedObject] = field(default_factory=list)
    configs: list[PlannedObject] = field(default_factory=list)
    #: compose features Swarm ignores (or that swarmtui does not apply), per service
    warnings: list[str] = field(default_factory=list)
    #: problems that stop the deploy
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------- interpolation

_VAR_RE = re.compile(
    r"\$(?:(?P<esc>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: Any, env: Mapping[str, str], errors: list[str], where: str = "") -> Any:
    """${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, $VAR and $$ in every string."""
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            if m.group("esc"):
                return "$"
            name = m.group("braced") or m.group("named")
            op, arg = m.group("op"), m.group("arg") or ""
            have = env.get(name)
            if op == ":-":
                return have if have else arg
            if op == "-":
                return have if have is not None else arg
            if op in (":?", "?") and ((op == ":?" and not have) or have is None):
                errors.append(f"{where}: variable {name} is required: {arg or 'not set'}")
                return ""
            return have or ""
        return _VAR_RE.sub(sub, value)
    if isinstance(value, dict):
        return {k: interpolate(v, env, errors, f"{where}.{k}" if where else str(k))
                for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, errors, where) for v in value]
    return value


# --------------------------------------------------------------------- entry points


def load_compose(path: str | Path, stack: str, *, env: Mapping[str, str] | None = None
                 ) -> StackPlan:
    """Read a compose file from this machine and plan the stack `stack`."""
    try:
        p = user_path(path)
        text = p.read_text(encoding="utf-8")
    except InputError as exc:
        raise ComposeError(str(exc)) from None
    except OSError as exc:
        raise ComposeError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ComposeError(f"{p} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
                           ) from None
    return parse_compose(text, stack, base_dir=p.resolve().parent, path=p.resolve(), env=env)


def parse_compose(text: str, stack: str, *, base_dir: Path | None = None,
                  path: Path | None = None, env: Mapping[str, str] | None = None) -> StackPlan:
    """Plan the stack from compose YAML text (relative paths resolve against `base_dir`)."""
    try:
        _check_nesting(text)
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except RecursionError:
        raise ComposeError("the compose file nests too deeply to be read") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ComposeError(f"the compose file is not valid YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise ComposeError("the compose file must be a mapping with a services: key")
    try:
        check_size(doc)  # before anything copies its aliases
    except ShapeError as exc:
        raise ComposeError(str(exc)) from None
    plan = StackPlan(stack=stack, path=path)
    if not SERVICE_NAME_RE.match(stack) or len(stack) > 50:
        plan.errors.append(f"'{stack}' is not a valid stack name: letters, digits, '-' and '_'")
    env = dict(os.environ if env is None else env)
    if base_dir is not None and (base_dir / ".env").is_file():
        for k, v in _read_env_file(base_dir / ".env").items():
            env.setdefault(k, v)
    doc = interpolate(doc, env, plan.errors)
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        raise ComposeError("the compose file has no services")
    for key in doc:
        if key not in ("version", "services", "networks", "volumes", "secrets", "configs",
                       "name") and not str(key).startswith("x-"):
            plan.warnings.append(f"top-level key '{key}' is not understood and is ignored")
    base = base_dir or Path.cwd()
    ctx = _Ctx(stack, base, plan, env)
    misshapen = check_types(doc)
    for problems in misshapen.values():
        plan.errors.extend(problems)
    ctx.networks_decl = _mapping(doc.get("networks"), "networks", plan, misshapen)
    ctx.secrets_decl = _mapping(doc.get("secrets"), "secrets", plan, misshapen)
    ctx.configs_decl = _mapping(doc.get("configs"), "configs", plan, misshapen)
    ctx.volumes_decl = _mapping(doc.get("volumes"), "volumes", plan, misshapen)
    for short, svc in services.items():
        if not isinstance(svc, dict):
            plan.errors.append(f"service {short}: must be a mapping")
            continue
        if f"services.{short}" not in misshapen:
            _guarded(plan, f"service {short}", _service, ctx, str(short), svc)
    _guarded(plan, "networks", _networks, ctx)
    _guarded(plan, "secrets", _objects, ctx, "secret")
    _guarded(plan, "configs", _objects, ctx, "config")
    return plan


def _check_nesting(text: str) -> None:
    """Refuse deep nesting from the parser's events, before the (recursive) composer
    meets it: 3,000 nested `[` took it 5 s to fail with a RecursionError."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ComposeError(f"the compose file nests more than {MAX_DEPTH} levels deep "
                                   f"(line {line})")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _guarded(plan: StackPlan, where: str, fn: Callable[..., None], *args: Any) -> None:
    """Plan one part; a shape the checks above did not foresee is an error naming the
    part, never an exception out of the parser."""
    try:
        fn(*args)
    except (TypeError, AttributeError, ValueError, KeyError, IndexError,
            OverflowError) as exc:
        plan.errors.append(f"{where}: a value has a type or shape swarmtui cannot use "
                           f"({type(exc).__name__}: {str(exc)[:200]})")


# --------------------------------------------------------------------- helpers


class _Ctx:
    def __init__(self, stack: str, base: Path, plan: StackPlan, env: Mapping[str, str]) -> None:
        self.stack = stack
        self.base = base
        self.plan = plan
        self.env = env
        self.networks_decl: dict[str, Any] = {}
        self.secrets_decl: dict[str, Any] = {}
        self.configs_decl: dict[str, Any] = {}
        self.volumes_decl: dict[str, Any] = {}
        self.used_networks: set[str] = set()
        self.used_secrets: set[str] = set()
        self.used_configs: set[str] = set()

    def scoped(self, short: str) -> str:
        return f"{self.stack}_{short}"

    def network_name(self, short: str) -> str:
        decl = self.networks_decl.get(short) or {}
        if isinstance(decl, dict):
            if decl.get("name"):
                return str(decl["name"])
            ext = decl.get("external")
            if isinstance(ext, dict) and ext.get("name"):
                return str(ext["name"])
            if ext:
                return short
        return self.scoped(short)

    def object_name(self, kind: str, short: str) -> str:
        decls = self.secrets_decl if kind == "secret" else self.configs_decl
        decl = decls.get(short) or {}
        if isinstance(decl, dict):
            if decl.get("name"):
                return str(decl["name"])
            ext = decl.get("external")
            if isinstance(ext, dict) and ext.get("name"):
                return str(ext["name"])
            if ext:
                return short
        return self.scoped(short)


def _mapping(value: Any, what: str, plan: StackPlan,
             misshapen: Mapping[str, list[str]]) -> dict[str, Any]:
    """A top-level section by name; a declaration with type problems (already in the
    errors) is kept as an empty one, so its users do not report it again."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        plan.errors.append(f"top-level {what}: must be a mapping")
        return {}
    return {str(k): ({} if v is None or f"{what}.{k}" in misshapen else v)
            for k, v in value.items()}


def _read_env_file(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, _, v = line.partition("=")
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out[k.strip()] = v
    return out


def _as_int(value: Any) -> Any:
    """Numbers may arrive as strings after ${VAR} interpolation: "3" → 3 (else unchanged)."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,30}\s*", value):
        return int(value)
    return value


def _words(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return shlex.split(str(value))


def _duration(value: Any, where: str, errors: list[str]) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except UnitError as exc:
        errors.append(f"{where}: {exc}")
        return None


def _env_list(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}={'' if v is None else v}" for k, v in value.items()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _labels(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(x).partition("=")[0]: str(x).partition("=")[2] for x in value}
    return {}


# --------------------------------------------------------------------- ports

_PORT_RE = re.compile(
    r"^(?:(?P<ip>\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):)?(?:(?P<pub>\d{1,9}(?:-\d{1,9})?):)?"
    r"(?P<target>\d{1,9}(?:-\d{1,9})?)(?:/(?P<proto>tcp|udp|sctp))?$", re.ASCII
)


def _range(text: str) -> list[int]:
    """ "8000-8002" → [8000, 8001, 8002]; beyond the 65,535 ports, just the two ends (the
    caller refuses them as out of range)."""
    a, _, b = text.partition("-")
    lo, hi = int(a), int(b or a)
    if hi - lo > 65535:
        return [lo, hi]
    return list(range(lo, hi + 1))


def parse_ports(value: Any, where: str, errors: list[str], warnings: list[str]) -> list[ApiDict]:
    """Compose ports (short "8080:80/udp", ranges, or long syntax) → EndpointSpec ports."""
    out: list[ApiDict] = []
    if not isinstance(value, list):
        errors.append(f"{where}: ports must be a list")
        return out
    for item in value:
        if isinstance(item, dict):
            target = _as_int(item.get("target"))
            if not isinstance(target, int) or not 1 <= target <= 65535:
                errors.append(f"{where}: port target {target!r} must be a number 1-65535")
                continue
            port: ApiDict = {"Protocol": str(item.get("protocol") or "tcp"),
                             "TargetPort": target,
                             "PublishMode": str(item.get("mode") or "ingress")}
            if port["Protocol"] not in ("tcp", "udp", "sctp"):
                errors.append(f"{where}: protocol {port['Protocol']!r} is not tcp, udp or sctp")
                continue
            if port["PublishMode"] not in ("ingress", "host"):
                errors.append(f"{where}: port mode {port['PublishMode']!r} is not ingress or "
                              "host")
                continue
            pub = item.get("published")
            if pub not in (None, ""):
                try:
                    pub_n = int(str(pub))
                except ValueError:
                    errors.append(f"{where}: published port {pub!r} is not a number")
                    continue
                if not 1 <= pub_n <= 65535:
                    errors.append(f"{where}: published port {pub_n} is out of range (1-65535)")
                    continue
                port["PublishedPort"] = pub_n
            if item.get("host_ip"):
                warnings.append(f"{where}: host_ip {item['host_ip']} is ignored by Swarm")
            out.append(port)
            continue
        text = str(item).strip()
        m = _PORT_RE.match(text)
        if not m:
            errors.append(f"{where}: '{text}' is not a port (write 8080:80, 80 or 53:53/udp)")
            continue
        if m.group("ip"):
            warnings.append(f"{where}: the host address in '{text}' is ignored by Swarm")
        targets = _range(m.group("target"))
        pubs = _range(m.group("pub")) if m.group("pub") else []
        if pubs and len(pubs) != len(targets):
            errors.append(f"{where}: '{text}': the published and target ranges differ in size")
            continue
        bad = [p for p in targets + pubs if not 1 <= p <= 65535]
        if bad:
            errors.append(f"{where}: '{text}': port {bad[0]} is out of range (1-65535)")
            continue
        for i, t in enumerate(targets):
            port = {"Protocol": m.group("proto") or "tcp", "TargetPort": t,
                    "PublishMode": "ingress"}
            if pubs:
                port["PublishedPort"] = pubs[i]
            out.append(port)
    seen: set[tuple[int, str]] = set()
    for p in out:
        if "PublishedPort" in p:
            key = (p["PublishedPort"], p["Protocol"])
            if key in seen:
                errors.append(f"{where}: published port {key[0]}/{key[1]} is used twice")
            seen.add(key)
    return out


# --------------------------------------------------------------------- services


def _service(ctx: _Ctx, short: str, svc: dict[str, Any]) -> None:
    plan, errors, warnings = ctx.plan, ctx.plan.errors, ctx.plan.warnings
    where = f"service {short}"
    name = ctx.scoped(short)
    if not SERVICE_NAME_RE.match(name):
        errors.append(f"{where}: '{short}' gives the service name '{name}', which is not valid")
    for key in svc:
        if key in IGNORED_SERVICE_KEYS:
            warnings.append(f"{where}: '{key}' is ignored by Swarm — {IGNORED_SERVICE_KEYS[key]}")
        elif key not in SUPPORTED_SERVICE_KEYS and not str(key).startswith("x-"):
            warnings.append(f"{where}: '{key}' is not applied by swarmtui (ignored)")
    image = svc.get("image")
    if not image:
        hint = " (build: is ignored by Swarm)" if "build" in svc else ""
        errors.append(f"{where}: no image{hint}; Swarm runs images, add image:")
        image = ""
    elif not IMAGE_RE.match(str(image)):
        errors.append(f"{where}: '{image}' is not a valid image reference")
    image = str(image)
    cs: ApiDict = {"Image": image, "Labels": {**_labels(svc.get("labels")), STACK_LABEL: ctx.stack}}
    if svc.get("command") is not None:
        cs["Args"] = _words(svc["command"])
    if svc.get("entrypoint") is not None:
        cs["Command"] = _words(svc["entrypoint"])
    env: dict[str, str] = {}
    env_files = svc.get("env_file")
    for f in ([env_files] if isinstance(env_files, str) else env_files or []):
        p = (ctx.base / str(f)).expanduser()
        if p.is_file():
            env.update(_read_env_file(p))
        else:
            errors.append(f"{where}: env_file {p} does not exist")
    for line in _env_list(svc.get("environment")):
        k, sep, v = line.partition("=")
        if not sep:
            if k in ctx.env:
                env[k] = ctx.env[k]
            continue
        env[k] = v
    if env:
        cs["Env"] = sorted(f"{k}={v}" for k, v in env.items())
    for key, api_key in (("working_dir", "Dir"), ("user", "User"), ("hostname", "Hostname"),
                         ("stop_signal", "StopSignal")):
        if svc.get(key):
            cs[api_key] = str(svc[key])
    for key, api_key in (("tty", "TTY"), ("stdin_open", "OpenStdin"), ("read_only", "ReadOnly"),
                         ("init", "Init")):
        if svc.get(key) is not None:
            cs[api_key] = bool(svc[key])
    if svc.get("stop_grace_period") is not None:
        d = _duration(svc["stop_grace_period"], f"{where}: stop_grace_period", errors)
        if d is not None:
            cs["StopGracePeriod"] = d
    if svc.get("extra_hosts"):
        hosts = []
        for h in (svc["extra_hosts"] if isinstance(svc["extra_hosts"], list)
                  else [f"{k}:{v}" for k, v in dict(svc["extra_hosts"]).items()]):
            host, _, ip = str(h).partition(":")
            hosts.append(f"{ip} {host}")
        cs["Hosts"] = hosts
    mounts = _volumes(ctx, where, svc.get("volumes"))
    if mounts:
        cs["Mounts"] = mounts
    health = _healthcheck(svc.get("healthcheck"), where, errors)
    if health:
        cs["Healthcheck"] = health
    for kind in ("secret", "config"):
        refs = _object_refs(ctx, kind, where, svc.get(f"{kind}s"))
        if refs:
            cs[f"{kind.capitalize()}s"] = refs

    deploy = svc.get("deploy") or {}
    if not isinstance(deploy, dict):
        errors.append(f"{where}: deploy must be a mapping")
        deploy = {}
    for key in deploy:
        if key not in SUPPORTED_DEPLOY_KEYS:
            warnings.append(f"{where}: deploy.{key} is not applied by swarmtui (ignored)")

    tt: ApiDict = {"ContainerSpec": cs}
    tt["Networks"] = _service_networks(ctx, short, where, svc.get("networks"))
    if "network_mode" in svc and str(svc["network_mode"]) == "host":
        warnings.append(f"{where}: network_mode: host — use a network named 'host' under "
                        "networks: (external) to run on the host network")
    resources = _resources(deploy.get("resources"), where, errors)
    if resources:
        tt["Resources"] = resources
    restart = _restart(deploy.get("restart_policy"), svc.get("restart"), where, errors, warnings)
    if restart:
        tt["RestartPolicy"] = restart
    placement = _placement(deploy.get("placement"), where, errors)
    if placement:
        tt["Placement"] = placement
    logging = svc.get("logging")
    if isinstance(logging, dict) and logging.get("driver"):
        tt["LogDriver"] = {"Name": str(logging["driver"]),
                           "Options": {str(k): str(v) for k, v in
                                       (logging.get("options") or {}).items()}}

    spec: ApiDict = {
        "Name": name,
        "Labels": {**_labels(deploy.get("labels")), STACK_LABEL: ctx.stack, IMAGE_LABEL: image},
        "TaskTemplate": tt,
    }
    mode = str(deploy.get("mode") or "replicated")
    if mode == "global":
        if deploy.get("replicas") is not None:
            warnings.append(f"{where}: deploy.replicas is ignored for a global service")
        spec["Mode"] = {"Global": {}}
    elif mode == "replicated":
        replicas = _as_int(deploy.get("replicas", 1))
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            errors.append(f"{where}: deploy.replicas must be a whole number ≥ 0, not {replicas!r}")
            replicas = 1
        elif replicas > MAX_REPLICAS:
            errors.append(f"{where}: deploy.replicas {replicas} is more than swarmtui deploys "
                          f"(at most {MAX_REPLICAS})")
            replicas = 1
        spec["Mode"] = {"Replicated": {"Replicas": replicas}}
    else:
        errors.append(f"{where}: deploy.mode must be replicated or global, not '{mode}'")
    for key, api_key in (("update_config", "UpdateConfig"), ("rollback_config", "RollbackConfig")):
        conf = _update_config(deploy.get(key), f"{where}: deploy.{key}", errors)
        if conf:
            spec[api_key] = conf
    endpoint: ApiDict = {"Mode": str(deploy.get("endpoint_mode") or "vip")}
    if endpoint["Mode"] not in ("vip", "dnsrr"):
        errors.append(f"{where}: deploy.endpoint_mode must be vip or dnsrr")
    if svc.get("ports") is not None:
        ports = parse_ports(svc["ports"], where, errors, warnings)
        if ports:
            endpoint["Ports"] = ports
            if endpoint["Mode"] == "dnsrr" and any(p["PublishMode"] == "ingress" for p in ports):
                errors.append(f"{where}: endpoint_mode dnsrr cannot publish ingress ports "
                              "(use mode: host)")
    spec["EndpointSpec"] = endpoint
    plan.services.append(PlannedService(short, name, spec))


def _service_networks(ctx: _Ctx, short: str, where: str, value: Any) -> list[ApiDict]:
    nets: list[tuple[str, list[str]]] = []
    if value is None:
        nets = [("default", [])]
    elif isinstance(value, list):
        nets = [(str(n), []) for n in value]
    elif isinstance(value, dict):
        for n, conf in value.items():
            aliases = [str(a) for a in (conf or {}).get("aliases") or []] \
                if isinstance(conf, dict) else []
            nets.append((str(n), aliases))
    else:
        ctx.plan.errors.append(f"{where}: networks must be a list or a mapping")
    out = []
    for n, aliases in nets:
        if n != "default" and n not in ctx.networks_decl:
            ctx.plan.errors.append(f"{where}: network '{n}' is not declared under the "
                                   "top-level networks:")
            continue
        ctx.used_networks.add(n)
        entry: ApiDict = {"Target": ctx.network_name(n), "Aliases": [short, *aliases]}
        out.append(entry)
    return out


def _volumes(ctx: _Ctx, where: str, value: Any) -> list[ApiDict]:
    out: list[ApiDict] = []
    for v in value or []:
        if isinstance(v, dict):
            vtype = str(v.get("type") or "volume")
            source = str(v.get("source") or "")
            target = str(v.get("target") or "")
            ro = bool(v.get("read_only"))
        else:
            parts = str(v).split(":")
            if len(parts) == 1:
                vtype, source, target, ro = "volume", "", parts[0], False
            else:
                source, target = parts[0], parts[1]
                opts = parts[2].split(",") if len(parts) > 2 else []
                ro = "ro" in opts
                vtype = "bind" if source.startswith(("/", ".", "~")) else "volume"
        if not target.startswith("/"):
            ctx.plan.errors.append(f"{where}: volume target '{target}' must be an absolute path")
            continue
        mount: ApiDict = {"Type": vtype, "Target": target}
        if vtype == "bind":
            if not source.startswith("/"):
                ctx.plan.warnings.append(
                    f"{where}: bind mount source '{source}' is relative; it is resolved on this "
                    f"machine ({ctx.base}) but mounted from each node's disk")
                source = str((ctx.base / source).resolve())
            mount["Source"] = source
        elif vtype == "volume" and source:
            decl = ctx.volumes_decl.get(source)
            if decl is None:
                ctx.plan.errors.append(f"{where}: volume '{source}' is not declared under the "
                                       "top-level volumes:")
                continue
            external = isinstance(decl, dict) and decl.get("external")
            mount["Source"] = source if external else (
                str(decl.get("name")) if isinstance(decl, dict) and decl.get("name")
                else ctx.scoped(source))
            mount["VolumeOptions"] = {"Labels": {STACK_LABEL: ctx.stack}}
        if ro:
            mount["ReadOnly"] = True
        out.append(mount)
    return out


def _healthcheck(value: Any, where: str, errors: list[str]) -> ApiDict:
    if not isinstance(value, dict):
        return {}
    if value.get("disable"):
        return {"Test": ["NONE"]}
    h: ApiDict = {}
    test = value.get("test")
    if isinstance(test, str):
        h["Test"] = ["CMD-SHELL", test]
    elif isinstance(test, list):
        h["Test"] = [str(t) for t in test]
    for key, api_key in (("interval", "Interval"), ("timeout", "Timeout"),
                         ("start_period", "StartPeriod")):
        d = _duration(value.get(key), f"{where}: healthcheck.{key}", errors)
        if d is not None:
            h[api_key] = d
    if value.get("retries") is not None:
        h["Retries"] = _count(value["retries"], f"{where}: healthcheck.retries", errors)
    return h


def _object_refs(ctx: _Ctx, kind: str, where: str, value: Any) -> list[ApiDict]:
    decls = ctx.secrets_decl if kind == "secret" else ctx.configs_decl
    used = ctx.used_secrets if kind == "secret" else ctx.used_configs
    key = kind.capitalize()
    out = []
    for ref in value or []:
        if isinstance(ref, dict):
            short = str(ref.get("source") or "")
            target = str(ref.get("target") or "")
            uid, gid = str(ref.get("uid") or "0"), str(ref.get("gid") or "0")
            mode = ref.get("mode", 0o444)
        else:
            short, target, uid, gid, mode = str(ref), "", "0", "0", 0o444
        if short not in decls:
            ctx.plan.errors.append(f"{where}: {kind} '{short}' is not declared under the "
                                   f"top-level {kind}s:")
            continue
        used.add(short)
        if not target:
            target = short if kind == "secret" else f"/{short}"
        try:
            mode = int(mode, 8) if isinstance(mode, str) else int(mode)
        except (TypeError, ValueError):
            ctx.plan.errors.append(f"{where}: {kind} {short}: mode {mode!r} is not an octal "
                                   "file mode like 0440")
            continue
        out.append({f"{key}ID": "", f"{key}Name": ctx.object_name(kind, short),
                    "File": {"Name": target, "UID": uid, "GID": gid, "Mode": int(mode)}})
    return out


def _count(value: Any, where: str, errors: list[str]) -> int:
    v = _as_int(value)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > MAX_INT64:
        errors.append(f"{where} must be a whole number ≥ 0, not {value!r}"[:300])
        return 0
    return v


def _resources(value: Any, where: str, errors: list[str]) -> ApiDict:
    out: ApiDict = {}
    if not isinstance(value, dict):
        return out
    for key, api_key in (("limits", "Limits"), ("reservations", "Reservations")):
        part = value.get(key) or {}
        res: ApiDict = {}
        if part.get("cpus") is not None:
            try:
                res["NanoCPUs"] = parse_cpus(str(part["cpus"]))
            except UnitError as exc:
                errors.append(f"{where}: deploy.resources.{key}.cpus: {exc}")
        if part.get("memory") is not None:
            try:
                res["MemoryBytes"] = parse_size(str(part["memory"]))
            except UnitError as exc:
                errors.append(f"{where}: deploy.resources.{key}.memory: {exc}")
        if res:
            out[api_key] = res
    return out


def _restart(value: Any, restart: Any, where: str, errors: list[str], warnings: list[str]
             ) -> ApiDict:
    if isinstance(value, dict):
        cond = str(value.get("condition") or "any")
        if cond not in ("none", "on-failure", "any"):
            errors.append(f"{where}: deploy.restart_policy.condition must be none, on-failure "
                          f"or any, not '{cond}'")
        out: ApiDict = {"Condition": cond}
        for key, api_key in (("delay", "Delay"), ("window", "Window")):
            d = _duration(value.get(key), f"{where}: deploy.restart_policy.{key}", errors)
            if d is not None:
                out[api_key] = d
        if value.get("max_attempts") is not None:
            out["MaxAttempts"] = _count(value["max_attempts"],
                                        f"{where}: deploy.restart_policy.max_attempts", errors)
        return out
    if restart is not None:
        text = "no" if restart is False else str(restart)
        cond_map = {"no": "none", "always": "any", "unless-stopped": "any"}
        if text.startswith("on-failure"):
            out = {"Condition": "on-failure"}
            if ":" in text:
                out["MaxAttempts"] = _count(text.split(":", 1)[1], f"{where}: restart", errors)
        elif text in cond_map:
            out = {"Condition": cond_map[text]}
        else:
            errors.append(f"{where}: restart '{text}' is not no, always, on-failure or "
                          "unless-stopped")
            return {}
        warnings.append(f"{where}: restart: {text} is applied as deploy.restart_policy "
                        f"condition {out['Condition']}")
        return out
    return {}


def _placement(value: Any, where: str, errors: list[str]) -> ApiDict:
    if not isinstance(value, dict):
        return {}
    out: ApiDict = {}
    constraints = [str(c) for c in value.get("constraints") or []]
    for c in constraints:
        problem = constraint_problem(c)
        if problem:
            errors.append(f"{where}: deploy.placement.constraints: {problem}")
    if constraints:
        out["Constraints"] = [
            "".join(CONSTRAINT_RE.match(c).groups()) if CONSTRAINT_RE.match(c) else c  # type: ignore[union-attr]
            for c in constraints
        ]
    prefs = []
    for p in value.get("preferences") or []:
        if isinstance(p, dict) and p.get("spread"):
            prefs.append({"Spread": {"SpreadDescriptor": str(p["spread"])}})
        else:
            errors.append(f"{where}: deploy.placement.preferences: write - spread: node.labels.X")
    if prefs:
        out["Preferences"] = prefs
    if value.get("max_replicas_per_node") is not None:
        out["MaxReplicas"] = _count(value["max_replicas_per_node"],
                                    f"{where}: deploy.placement.max_replicas_per_node", errors)
    return out


def _update_config(value: Any, where: str, errors: list[str]) -> ApiDict:
    if not isinstance(value, dict):
        return {}
    out: ApiDict = {"Parallelism": _count(value.get("parallelism", 1), f"{where}.parallelism",
                                          errors)}
    for key, api_key in (("delay", "Delay"), ("monitor", "Monitor")):
        d = _duration(value.get(key), f"{where}.{key}", errors)
        if d is not None:
            out[api_key] = d
    action = value.get("failure_action")
    if action is not None:
        if action not in ("pause", "continue", "rollback"):
            errors.append(f"{where}.failure_action must be pause, continue or rollback")
        out["FailureAction"] = str(action)
    if value.get("max_failure_ratio") is not None:
        try:
            out["MaxFailureRatio"] = float(value["max_failure_ratio"])
        except (TypeError, ValueError):
            errors.append(f"{where}.max_failure_ratio must be a number like 0.1")
    order = value.get("order")
    if order is not None:
        if order not in ("stop-first", "start-first"):
            errors.append(f"{where}.order must be stop-first or start-first")
        out["Order"] = str(order)
    return out


# --------------------------------------------------------------------- top level


def _networks(ctx: _Ctx) -> None:
    for short in sorted(ctx.used_networks | set(ctx.networks_decl)):
        decl = ctx.networks_decl.get(short) or {}
        if not isinstance(decl, dict):
            ctx.plan.errors.append(f"network {short}: must be a mapping")
            continue
        name = ctx.network_name(short)
        if decl.get("external"):
            ctx.plan.networks.append(PlannedNetwork(short, name, True))
            continue
        driver = str(decl.get("driver") or "overlay")
        if driver != "overlay":
            ctx.plan.warnings.append(f"network {short}: driver {driver}: Swarm services need "
                                     "overlay networks; deploying it will likely fail")
        kwargs: dict[str, Any] = {
            "name": name, "driver": driver, "scope": "swarm",
            "labels": {**_labels(decl.get("labels")), STACK_LABEL: ctx.stack},
            "attachable": bool(decl.get("attachable")),
            "internal": bool(decl.get("internal")),
        }
        if decl.get("driver_opts"):
            kwargs["options"] = {str(k): str(v) for k, v in decl["driver_opts"].items()}
        ipam = decl.get("ipam") or {}
        if isinstance(ipam, dict) and ipam.get("config"):
            pools = []
            for c in ipam["config"]:
                pool: ApiDict = {}
                if c.get("subnet"):
                    pool["Subnet"] = str(c["subnet"])
                if c.get("gateway"):
                    pool["Gateway"] = str(c["gateway"])
                pools.append(pool)
            kwargs["ipam"] = {"Driver": str(ipam.get("driver") or "default"), "Config": pools,
                              "Options": {}}
        ctx.plan.networks.append(PlannedNetwork(short, name, False, kwargs))


def _objects(ctx: _Ctx, kind: str) -> None:
    decls = ctx.secrets_decl if kind == "secret" else ctx.configs_decl
    target = ctx.plan.secrets if kind == "secret" else ctx.plan.configs
    for short, decl in sorted(decls.items()):
        if not isinstance(decl, dict):
            ctx.plan.errors.append(f"{kind} {short}: must be a mapping")
            continue
        name = ctx.object_name(kind, short)
        labels = {**_labels(decl.get("labels")), STACK_LABEL: ctx.stack}
        if decl.get("external"):
            target.append(PlannedObject(kind, short, name, True, "external"))
            continue
        if decl.get("file"):
            path = (ctx.base / str(decl["file"])).expanduser()
            if not path.is_file():
                ctx.plan.errors.append(f"{kind} {short}: file {path} does not exist")
            target.append(PlannedObject(kind, short, name, False, f"file {decl['file']}",
                                        path=path, labels=labels))
        elif decl.get("environment"):
            var = str(decl["environment"])
            if var not in ctx.env:
                ctx.plan.errors.append(f"{kind} {short}: environment variable {var} is not set")
            target.append(PlannedObject(kind, short, name, False, f"environment variable {var}",
                                        inline=ctx.env.get(var, "").encode(), labels=labels))
        elif kind == "config" and decl.get("content") is not None:
            target.append(PlannedObject(kind, short, name, False, "inline content",
                                        inline=str(decl["content"]).encode(), labels=labels))
        else:
            ctx.plan.errors.append(f"{kind} {short}: give file: (or external: true)")
