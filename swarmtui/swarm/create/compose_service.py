"""One compose service → a ServiceSpec: image, command, environment, networks, volumes,
healthcheck, secret/config references; keys Swarm ignores become warnings.
"""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.create.compose_deploy import (
    count_value,
    placement_spec,
    resources_spec,
    restart_spec,
    update_config_spec,
)
from swarmtui.swarm.create.compose_plan import IMAGE_LABEL, ComposeContext, PlannedService
from swarmtui.swarm.create.compose_values import (
    as_int,
    duration_ns,
    env_list,
    label_map,
    parse_ports,
    read_env_file,
    word_list,
)
from swarmtui.swarm.create.inventory import STACK_LABEL
from swarmtui.swarm.create.service_form import (
    IMAGE_RE,
    SERVICE_NAME_RE,
)
from swarmtui.swarm.models import ApiDict
from swarmtui.swarm.ops.validate import MAX_REPLICAS

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


# --------------------------------------------------------------------- services


def plan_service(ctx: ComposeContext, short: str, svc: dict[str, Any]) -> None:
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
    cs: ApiDict = {"Image": image,
                   "Labels": {**label_map(svc.get("labels")), STACK_LABEL: ctx.stack}}
    if svc.get("command") is not None:
        cs["Args"] = word_list(svc["command"])
    if svc.get("entrypoint") is not None:
        cs["Command"] = word_list(svc["entrypoint"])
    env: dict[str, str] = {}
    env_files = svc.get("env_file")
    for f in ([env_files] if isinstance(env_files, str) else env_files or []):
        p = (ctx.base / str(f)).expanduser()
        if p.is_file():
            env.update(read_env_file(p))
        else:
            errors.append(f"{where}: env_file {p} does not exist")
    for line in env_list(svc.get("environment")):
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
        d = duration_ns(svc["stop_grace_period"], f"{where}: stop_grace_period", errors)
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
    resources = resources_spec(deploy.get("resources"), where, errors)
    if resources:
        tt["Resources"] = resources
    restart = restart_spec(deploy.get("restart_policy"), svc.get("restart"), where, errors,
                           warnings)
    if restart:
        tt["RestartPolicy"] = restart
    placement = placement_spec(deploy.get("placement"), where, errors)
    if placement:
        tt["Placement"] = placement
    logging = svc.get("logging")
    if isinstance(logging, dict) and logging.get("driver"):
        tt["LogDriver"] = {"Name": str(logging["driver"]),
                           "Options": {str(k): str(v) for k, v in
                                       (logging.get("options") or {}).items()}}

    spec: ApiDict = {
        "Name": name,
        "Labels": {**label_map(deploy.get("labels")), STACK_LABEL: ctx.stack, IMAGE_LABEL: image},
        "TaskTemplate": tt,
    }
    mode = str(deploy.get("mode") or "replicated")
    if mode == "global":
        if deploy.get("replicas") is not None:
            warnings.append(f"{where}: deploy.replicas is ignored for a global service")
        spec["Mode"] = {"Global": {}}
    elif mode == "replicated":
        replicas = as_int(deploy.get("replicas", 1))
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
        conf = update_config_spec(deploy.get(key), f"{where}: deploy.{key}", errors)
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


def _service_networks(ctx: ComposeContext, short: str, where: str, value: Any) -> list[ApiDict]:
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


def _volumes(ctx: ComposeContext, where: str, value: Any) -> list[ApiDict]:
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
        d = duration_ns(value.get(key), f"{where}: healthcheck.{key}", errors)
        if d is not None:
            h[api_key] = d
    if value.get("retries") is not None:
        h["Retries"] = count_value(value["retries"], f"{where}: healthcheck.retries", errors)
    return h


def _object_refs(ctx: ComposeContext, kind: str, where: str, value: Any) -> list[ApiDict]:
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
