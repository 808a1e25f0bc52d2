"""The docker CLI equivalents of the service form: `service create` and `service update`.

Built from the form's text as typed, so the preview can be regenerated on every
keystroke even while some field is still invalid. Quoting is POSIX-shell
(shlex), so the line can be pasted into a terminal as is.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from swarmtui.swarm.create.service_form import (
    MountField,
    ObjectRef,
    PortField,
    ServiceForm,
    split_pair,
    split_words,
)
from swarmtui.swarm.create.units import whole_number


def _join(argv: Iterable[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


def port_arg(p: PortField) -> str:
    parts = []
    if p.published.strip():
        parts.append(f"published={p.published.strip()}")
    parts.append(f"target={p.target.strip()}")
    if p.protocol != "tcp":
        parts.append(f"protocol={p.protocol}")
    if p.mode != "ingress":
        parts.append(f"mode={p.mode}")
    return ",".join(parts)


def mount_arg(m: MountField) -> str:
    parts = [f"type={m.type}"]
    if m.source.strip():
        parts.append(f"source={m.source.strip()}")
    parts.append(f"target={m.target.strip()}")
    if m.readonly:
        parts.append("readonly")
    return ",".join(parts)


def ref_arg(r: ObjectRef) -> str:
    if r.target.strip() and r.target.strip() != r.source.strip():
        return f"source={r.source.strip()},target={r.target.strip()}"
    return r.source.strip()


def _words_or_raw(text: str) -> list[str]:
    try:
        return split_words(text)
    except ValueError:
        return [text]


def _settings_flags(form: ServiceForm) -> list[str]:
    """Flags shared by create and update with the same name (scalars)."""
    argv: list[str] = []
    for flag, value in (
        ("--limit-cpu", form.limit_cpus), ("--limit-memory", form.limit_memory),
        ("--reserve-cpu", form.reserve_cpus), ("--reserve-memory", form.reserve_memory),
        ("--restart-condition", form.restart_condition),
        ("--restart-delay", form.restart_delay),
        ("--restart-max-attempts", form.restart_max_attempts),
        ("--restart-window", form.restart_window),
        ("--update-parallelism", form.update_parallelism),
        ("--update-delay", form.update_delay),
        ("--update-failure-action", form.update_failure_action),
        ("--update-order", form.update_order),
        ("--health-cmd", form.health_cmd),
        ("--health-interval", form.health_interval),
        ("--health-timeout", form.health_timeout),
        ("--health-retries", form.health_retries),
        ("--health-start-period", form.health_start_period),
    ):
        if value.strip():
            argv += [flag, value.strip()]
    return argv


def _count(text: str) -> str:
    """A whole number as the spec gets it ("007" → "7"; the form refuses other digits).
    The live CLI line is made for every keystroke, valid or not: never raises."""
    t = text.strip()
    if t.isascii() and t.isdigit() and len(t.lstrip("0")) <= 30:
        return str(whole_number(t))
    return t  # not a count (the form says why): shown as typed


def create_argv(form: ServiceForm) -> list[str]:
    """`docker service create …` as an argv list."""
    argv = ["docker", "service", "create", "--name", form.name.strip()]
    if form.mode == "global":
        argv += ["--mode", "global"]
    else:
        argv += ["--replicas", _count(form.replicas)]
    for p in form.ports:
        argv += ["--publish", port_arg(p)]
    for n in form.networks:
        argv += ["--network", n.strip()]
    for e in form.env:
        argv += ["--env", e]
    for m in form.mounts:
        argv += ["--mount", mount_arg(m)]
    for c in form.constraints:
        argv += ["--constraint", c.strip()]
    for p_ in form.preferences:
        argv += ["--placement-pref", p_.strip()]
    argv += _settings_flags(form)
    if form.no_healthcheck:
        argv.append("--no-healthcheck")
    for label in form.labels:
        argv += ["--label", label]
    for r in form.secrets:
        argv += ["--secret", ref_arg(r)]
    for r in form.configs:
        argv += ["--config", ref_arg(r)]
    if form.entrypoint.strip():
        argv += ["--entrypoint", form.entrypoint.strip()]
    # The Engine API does not pin the image to a registry digest; this flag makes the
    # CLI do the same (and not stall on a registry it cannot reach).
    argv.append("--no-resolve-image")
    argv.append(form.image.strip())
    if form.command.strip():
        argv += _words_or_raw(form.command)
    return argv


def create_cli(form: ServiceForm) -> str:
    """`docker service create …` as one shell line."""
    return _join(create_argv(form))


def _list_delta(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    removed = [x for x in old if x not in new]
    added = [x for x in new if x not in old]
    return removed, added


def update_argv(old: ServiceForm, new: ServiceForm) -> list[str]:
    """`docker service update …` with only the flags for what changed (old form → new form)."""
    argv = ["docker", "service", "update"]
    if old.image.strip() != new.image.strip():
        argv += ["--image", new.image.strip()]
    if new.mode == "replicated" and old.replicas.strip() != new.replicas.strip():
        argv += ["--replicas", _count(new.replicas)]
    if old.command.strip() != new.command.strip():
        argv += ["--args", new.command.strip()]
    if old.entrypoint.strip() != new.entrypoint.strip():
        argv += ["--entrypoint", new.entrypoint.strip()]

    def keyed(flag: str, old_items: list[str], new_items: list[str], rm_key: bool) -> None:
        removed, added = _list_delta(old_items, new_items)
        new_keys = {split_pair(x)[0] for x in added}
        for x in removed:
            key = split_pair(x)[0] if rm_key else x
            if rm_key and key in new_keys:
                continue  # replaced by an --*-add of the same key
            argv.extend([f"{flag}-rm", key])
        for x in added:
            argv.extend([f"{flag}-add", x])

    keyed("--env", old.env, new.env, rm_key=True)
    keyed("--label", old.labels, new.labels, rm_key=True)
    keyed("--constraint", [c.strip() for c in old.constraints],
          [c.strip() for c in new.constraints], rm_key=False)
    keyed("--placement-pref", [p.strip() for p in old.preferences],
          [p.strip() for p in new.preferences], rm_key=False)
    keyed("--network", [n.strip() for n in old.networks], [n.strip() for n in new.networks],
          rm_key=False)
    old_ports = [port_arg(p) for p in old.ports]
    new_ports = [port_arg(p) for p in new.ports]
    removed, added = _list_delta(old_ports, new_ports)
    for p in removed:
        argv += ["--publish-rm", p]
    for p in added:
        argv += ["--publish-add", p]
    old_m = {m.target.strip(): mount_arg(m) for m in old.mounts}
    new_m = {m.target.strip(): mount_arg(m) for m in new.mounts}
    for target, arg in old_m.items():
        if new_m.get(target) != arg:
            argv += ["--mount-rm", target]
    for target, arg in new_m.items():
        if old_m.get(target) != arg:
            argv += ["--mount-add", arg]
    for kind, o_refs, n_refs in (("secret", old.secrets, new.secrets),
                                 ("config", old.configs, new.configs)):
        o_args = [ref_arg(r) for r in o_refs]
        n_args = [ref_arg(r) for r in n_refs]
        for r, a in zip(o_refs, o_args, strict=True):
            if a not in n_args:
                argv += [f"--{kind}-rm", r.source.strip()]
        for a in n_args:
            if a not in o_args:
                argv += [f"--{kind}-add", a]
    old_flags = _pairs(_settings_flags(old))
    new_flags = _pairs(_settings_flags(new))
    for flag, value in new_flags.items():
        if old_flags.get(flag) != value:
            argv += [flag, value]
    for flag in old_flags:
        if flag not in new_flags:
            argv += [flag, _RESET.get(flag, "0")]
    if old.no_healthcheck != new.no_healthcheck:
        argv.append("--no-healthcheck" if new.no_healthcheck else "--no-healthcheck=false")
    if len(argv) == 3:
        return []
    argv.append(new.name.strip())
    return argv


#: what a cleared field means when written as a flag ("back to the default")
_RESET = {
    "--limit-cpu": "0", "--limit-memory": "0", "--reserve-cpu": "0", "--reserve-memory": "0",
    "--restart-condition": "any", "--restart-delay": "0s", "--restart-max-attempts": "0",
    "--restart-window": "0s", "--update-parallelism": "1", "--update-delay": "0s",
    "--update-failure-action": "pause", "--update-order": "stop-first", "--health-cmd": "",
    "--health-interval": "0s", "--health-timeout": "0s", "--health-retries": "0",
    "--health-start-period": "0s",
}


def _pairs(argv: list[str]) -> dict[str, str]:
    return {argv[i]: argv[i + 1] for i in range(0, len(argv), 2)}


def update_cli(old: ServiceForm, new: ServiceForm) -> str:
    """`docker service update …` for the edit, or "" when nothing changed."""
    argv = update_argv(old, new)
    return _join(argv) if argv else ""
