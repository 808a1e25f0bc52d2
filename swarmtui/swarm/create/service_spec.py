"""ServiceForm ⇄ Engine API ServiceSpec.

* :func:`build_spec` — the spec to POST to /services/create from a valid form.
* :func:`form_from_spec` — fill the edit form from a service's current spec.
* :func:`merge_form` — the full spec to send for an edit: the current spec with
  exactly the fields the person changed replaced. Everything the form does not
  know about (Monitor, RollbackConfig, DNS, aliases, driver options …) is kept,
  and a field left as it was is left byte-for-byte as it was.
"""

from __future__ import annotations

import copy
from typing import Any

from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.service_form import (
    FormInvalidError,
    MountField,
    ObjectRef,
    PortField,
    ServiceForm,
    split_pair,
    split_words,
    validate,
)
from swarmtui.swarm.create.units import (
    format_cpus,
    format_duration,
    format_size,
    parse_cpus,
    parse_duration,
    parse_size,
    whole_number,
)
from swarmtui.swarm.models import ApiDict

#: swarmkit's defaults for a service created without an UpdateConfig (docker CLI's too)
UPDATE_DEFAULTS: ApiDict = {"Parallelism": 1, "FailureAction": "pause", "Order": "stop-first"}
SECRET_MODE = 0o444


def _network_target(name: str, inv: Inventory | None) -> str:
    if inv is None:
        return name
    n = inv.network(name)
    return n.id if n else name


def _object_ref(kind: str, ref: ObjectRef, inv: Inventory | None) -> ApiDict:
    obj = inv.stored(kind, ref.source.strip()) if inv is not None else None
    name = obj.name if obj else ref.source.strip()
    key = "Secret" if kind == "secret" else "Config"
    out: ApiDict = {
        f"{key}ID": obj.id if obj else "",
        f"{key}Name": name,
        "File": {"Name": ref.target.strip() or name, "UID": "0", "GID": "0", "Mode": SECRET_MODE},
    }
    return out


def build_spec(form: ServiceForm, inv: Inventory | None = None, *,
               editing: str | None = None, check: bool = True) -> ApiDict:
    """The ServiceSpec (Engine API JSON) for a form; FormInvalidError if it does not validate."""
    if check:
        errors = validate(form, inv, editing=editing)
        if errors:
            raise FormInvalidError(errors)

    cs: ApiDict = {"Image": form.image.strip()}
    if form.command.strip():
        cs["Args"] = split_words(form.command)
    if form.entrypoint.strip():
        cs["Command"] = split_words(form.entrypoint)
    if form.env:
        cs["Env"] = [line.strip() if "=" not in line else
                     f"{split_pair(line)[0]}={split_pair(line)[1]}" for line in form.env]
    if form.mounts:
        mounts = []
        for m in form.mounts:
            mount: ApiDict = {"Type": m.type, "Target": m.target.strip()}
            if m.source.strip():
                mount["Source"] = m.source.strip()
            if m.readonly:
                mount["ReadOnly"] = True
            mounts.append(mount)
        cs["Mounts"] = mounts
    health = _healthcheck(form)
    if health:
        cs["Healthcheck"] = health
    if form.secrets:
        cs["Secrets"] = [_object_ref("secret", r, inv) for r in form.secrets]
    if form.configs:
        cs["Configs"] = [_object_ref("config", r, inv) for r in form.configs]

    tt: ApiDict = {"ContainerSpec": cs}
    resources: ApiDict = {}
    for section, cpu, mem in (("Limits", form.limit_cpus, form.limit_memory),
                              ("Reservations", form.reserve_cpus, form.reserve_memory)):
        part: ApiDict = {}
        if cpu.strip():
            part["NanoCPUs"] = parse_cpus(cpu)
        if mem.strip():
            part["MemoryBytes"] = parse_size(mem)
        if part:
            resources[section] = part
    if resources:
        tt["Resources"] = resources
    restart: ApiDict = {}
    if form.restart_delay.strip():
        restart["Delay"] = parse_duration(form.restart_delay)
    if form.restart_max_attempts.strip():
        restart["MaxAttempts"] = whole_number(form.restart_max_attempts)
    if form.restart_window.strip():
        restart["Window"] = parse_duration(form.restart_window)
    if restart or form.restart_condition:
        restart = {"Condition": form.restart_condition or "any", **restart}
        tt["RestartPolicy"] = restart
    placement: ApiDict = {}
    if form.constraints:
        placement["Constraints"] = [c.strip() for c in form.constraints]
    if form.preferences:
        placement["Preferences"] = [
            {"Spread": {"SpreadDescriptor": p.strip().partition("=")[2]}} for p in form.preferences
        ]
    if placement:
        tt["Placement"] = placement
    if form.networks:
        tt["Networks"] = [{"Target": _network_target(n.strip(), inv)} for n in form.networks]

    spec: ApiDict = {"Name": form.name.strip(), "TaskTemplate": tt}
    if form.labels:
        spec["Labels"] = {split_pair(line)[0]: split_pair(line)[1] for line in form.labels}
    if form.mode == "global":
        spec["Mode"] = {"Global": {}}
    else:
        spec["Mode"] = {"Replicated": {"Replicas": whole_number(form.replicas)}}
    update: ApiDict = {}
    if form.update_parallelism.strip():
        update["Parallelism"] = whole_number(form.update_parallelism)
    if form.update_delay.strip():
        update["Delay"] = parse_duration(form.update_delay)
    if form.update_failure_action:
        update["FailureAction"] = form.update_failure_action
    if form.update_order:
        update["Order"] = form.update_order
    if update:
        # A partial UpdateConfig would mean Parallelism 0 = every task at once: fill defaults.
        spec["UpdateConfig"] = {**UPDATE_DEFAULTS, **update}
    if form.ports:
        ports = []
        for p in form.ports:
            port: ApiDict = {"Protocol": p.protocol, "TargetPort": whole_number(p.target),
                             "PublishMode": p.mode}
            if p.published.strip():
                port["PublishedPort"] = whole_number(p.published)
            ports.append(port)
        spec["EndpointSpec"] = {"Mode": "vip", "Ports": ports}
    return spec


def _healthcheck(form: ServiceForm) -> ApiDict:
    if form.no_healthcheck:
        return {"Test": ["NONE"]}
    h: ApiDict = {}
    if form.health_cmd.strip():
        h["Test"] = ["CMD-SHELL", form.health_cmd.strip()]
    for fname, key in (("health_interval", "Interval"), ("health_timeout", "Timeout"),
                       ("health_start_period", "StartPeriod")):
        text = getattr(form, fname)
        if text.strip():
            h[key] = parse_duration(text)
    if form.health_retries.strip():
        h["Retries"] = whole_number(form.health_retries)
    return h


def create_kwargs(spec: ApiDict) -> ApiDict:
    """Keyword arguments for docker.APIClient.create_service / update_service from a spec."""
    kwargs: ApiDict = {
        "task_template": spec.get("TaskTemplate") or {},
        "name": spec.get("Name"),
        "labels": spec.get("Labels") or {},
        "mode": spec.get("Mode") or {"Replicated": {"Replicas": 1}},
        "endpoint_spec": spec.get("EndpointSpec"),
    }
    if spec.get("UpdateConfig") is not None:
        kwargs["update_config"] = spec["UpdateConfig"]
    if spec.get("RollbackConfig") is not None:
        kwargs["rollback_config"] = spec["RollbackConfig"]
    return kwargs


# ------------------------------------------------------------------- spec → form


def _d(v: Any) -> ApiDict:
    return v if isinstance(v, dict) else {}


def _words(words: Any) -> str:
    import shlex

    return shlex.join(str(w) for w in words) if words else ""


def form_from_spec(spec: ApiDict, inv: Inventory | None = None) -> ServiceForm:
    """The edit form of a service, filled from its current Spec."""
    tt = _d(spec.get("TaskTemplate"))
    cs = _d(tt.get("ContainerSpec"))
    mode = _d(spec.get("Mode"))
    form = ServiceForm(name=str(spec.get("Name") or ""), image=str(cs.get("Image") or ""))
    form.command = _words(cs.get("Args"))
    form.entrypoint = _words(cs.get("Command"))
    if "Global" in mode:
        form.mode, form.replicas = "global", ""
    else:
        replicas = _d(mode.get("Replicated")).get("Replicas")
        form.replicas = str(1 if replicas is None else replicas)
    for p in _d(spec.get("EndpointSpec")).get("Ports") or []:
        form.ports.append(PortField(
            target=str(p.get("TargetPort", "")),
            published=str(p["PublishedPort"]) if p.get("PublishedPort") else "",
            protocol=str(p.get("Protocol") or "tcp"),
            mode=str(p.get("PublishMode") or "ingress"),
        ))
    for n in tt.get("Networks") or spec.get("Networks") or []:
        target = str(_d(n).get("Target") or "")
        form.networks.append(inv.network_name(target) if inv is not None else target)
    form.env = [str(e) for e in cs.get("Env") or []]
    for m in cs.get("Mounts") or []:
        form.mounts.append(MountField(
            type=str(m.get("Type") or "volume"), source=str(m.get("Source") or ""),
            target=str(m.get("Target") or ""), readonly=bool(m.get("ReadOnly")),
        ))
    placement = _d(tt.get("Placement"))
    form.constraints = [str(c) for c in placement.get("Constraints") or []]
    form.preferences = [
        f"spread={_d(p.get('Spread')).get('SpreadDescriptor', '')}"
        for p in placement.get("Preferences") or [] if "Spread" in p
    ]
    res = _d(tt.get("Resources"))
    for section, cpu_f, mem_f in (("Limits", "limit_cpus", "limit_memory"),
                                  ("Reservations", "reserve_cpus", "reserve_memory")):
        part = _d(res.get(section))
        if part.get("NanoCPUs"):
            setattr(form, cpu_f, format_cpus(int(part["NanoCPUs"])))
        if part.get("MemoryBytes"):
            setattr(form, mem_f, format_size(int(part["MemoryBytes"])))
    rp = _d(tt.get("RestartPolicy"))
    if rp:
        form.restart_condition = str(rp.get("Condition") or "")
        if rp.get("Delay") is not None:
            form.restart_delay = format_duration(int(rp["Delay"]))
        if rp.get("MaxAttempts") is not None:
            form.restart_max_attempts = str(rp["MaxAttempts"])
        if rp.get("Window") is not None:
            form.restart_window = format_duration(int(rp["Window"]))
    uc = _d(spec.get("UpdateConfig"))
    if uc:
        if uc.get("Parallelism") is not None:
            form.update_parallelism = str(uc["Parallelism"])
        if uc.get("Delay") is not None:
            form.update_delay = format_duration(int(uc["Delay"]))
        form.update_failure_action = str(uc.get("FailureAction") or "")
        form.update_order = str(uc.get("Order") or "")
    hc = _d(cs.get("Healthcheck"))
    test = hc.get("Test") or []
    if test == ["NONE"]:
        form.no_healthcheck = True
    elif test[:1] == ["CMD-SHELL"]:
        form.health_cmd = " ".join(str(t) for t in test[1:])
    elif test[:1] == ["CMD"]:
        form.health_cmd = _words(test[1:])
    for key, fname in (("Interval", "health_interval"), ("Timeout", "health_timeout"),
                       ("StartPeriod", "health_start_period")):
        if hc.get(key):
            setattr(form, fname, format_duration(int(hc[key])))
    if hc.get("Retries"):
        form.health_retries = str(hc["Retries"])
    form.labels = [f"{k}={v}" for k, v in _d(spec.get("Labels")).items()]
    for kind, key in (("secret", "Secret"), ("config", "Config")):
        refs = []
        for r in cs.get(f"{key}s") or []:
            name = str(r.get(f"{key}Name") or "")
            fname = str(_d(r.get("File")).get("Name") or "")
            refs.append(ObjectRef(source=name, target="" if fname == name else fname))
        setattr(form, f"{kind}s", refs)
    return form


# ------------------------------------------------------------------- editing


def _flatten(value: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Dicts flattened to leaf paths; lists and scalars are leaves; empty dicts vanish."""
    out: dict[tuple[str, ...], Any] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_flatten(v, (*prefix, str(k))))
    elif value is not None and value != []:
        out[prefix] = value
    return out


def _set(doc: ApiDict, path: tuple[str, ...], value: Any) -> None:
    for k in path[:-1]:
        nxt = doc.get(k)
        if not isinstance(nxt, dict):
            nxt = {}
            doc[k] = nxt
        doc = nxt
    doc[path[-1]] = value


def _delete(doc: ApiDict, path: tuple[str, ...]) -> None:
    for k in path[:-1]:
        nxt = doc.get(k)
        if not isinstance(nxt, dict):
            return
        doc = nxt
    doc.pop(path[-1], None)


#: list leaves whose entries carry fields the form does not show; matched by key to keep them
_KEEP_ENTRIES: dict[tuple[str, ...], str] = {
    ("TaskTemplate", "Networks"): "Target",
    ("TaskTemplate", "ContainerSpec", "Secrets"): "SecretName",
    ("TaskTemplate", "ContainerSpec", "Configs"): "ConfigName",
}


class EditConflictError(ValueError):
    """Someone else changed, since the form was opened, a field the user changed too.

    ``conflicts``: one sentence per field ("Mode.Replicated.Replicas: you 4, now 5 (was 3)").
    """

    def __init__(self, service: str, conflicts: list[str]) -> None:
        self.conflicts = conflicts
        super().__init__(
            f"service {service} was changed by someone else since the form was opened, in "
            f"fields you changed too: {'; '.join(conflicts)}. Nothing was sent: close the "
            "form and open it again to start from what is there now")


def _show(value: Any) -> str:
    return "unset" if value is None else str(value)


def merge_form(current: ApiDict, form: ServiceForm, inv: Inventory | None = None, *,
               base: ServiceForm | None = None) -> ApiDict:
    """The full spec for an edit, by a three-way merge onto `current` (the FRESH spec).

    `base` is the form as it was filled when the user opened it (None: from `current`).
    Only the leaves the user changed (`base` → `form`) are written onto `current`, so
    fields the form does not cover, and fields someone else changed meanwhile that the
    user left alone, are kept. A leaf changed both by the user and (differently) by
    someone else raises :class:`EditConflictError`: it is shown, never overwritten.
    """
    name = str(current.get("Name") or "")
    theirs = build_spec(form_from_spec(current, inv), inv, check=False)
    before = build_spec(base, inv, check=False) if base is not None else theirs
    after = build_spec(form, inv, editing=name)
    flat_theirs, flat_before, flat_after = _flatten(theirs), _flatten(before), _flatten(after)
    changed = [p for p in sorted(set(flat_before) | set(flat_after))
               if flat_before.get(p) != flat_after.get(p)]
    conflicts = [f"{'.'.join(p)}: you {_show(flat_after.get(p))}, now "
                 f"{_show(flat_theirs.get(p))} (was {_show(flat_before.get(p))})"
                 for p in changed
                 if flat_theirs.get(p) not in (flat_before.get(p), flat_after.get(p))]
    if conflicts:
        raise EditConflictError(name, conflicts)
    merged = copy.deepcopy(current)
    for path in changed:
        new = flat_after.get(path)
        if new is None:
            _delete(merged, path)
            continue
        key = _KEEP_ENTRIES.get(path)
        if key is not None and isinstance(new, list):
            existing = _current_list(current, path)
            kept = {str(e.get(key)): e for e in existing if isinstance(e, dict)}
            new = [copy.deepcopy(kept.get(str(e.get(key)), e)) for e in new]
        _set(merged, path, new)
    if before.get("Mode") != after.get("Mode") and \
            set(_flatten(before.get("Mode"))) != set(_flatten(after.get("Mode"))):
        merged["Mode"] = copy.deepcopy(after["Mode"])  # replicated ↔ global: the whole mode
    nets = ("TaskTemplate", "Networks")
    if flat_before.get(nets) != flat_after.get(nets):
        merged.pop("Networks", None)  # the deprecated top-level field would conflict
    return merged


def _current_list(doc: ApiDict, path: tuple[str, ...]) -> list[Any]:
    cur: Any = doc
    for k in path:
        cur = _d(cur).get(k)
    return cur if isinstance(cur, list) else []
