"""The "new service" / "edit service" form as plain data, and its validation.

Every scalar a person types is kept as the text they typed (``replicas="3"``,
``limit_memory="512M"``), so validation can say what is wrong with *that* text.
:func:`validate` returns :class:`FieldError` s keyed by a field path the form
screen maps to its inputs: ``"name"``, ``"replicas"``, ``"ports[0].published"``,
``"networks[1]"``, ``"mounts[0].source"``, ``"constraints[0]"`` …

Building the Engine API spec and the CLI equivalent lives in
:mod:`swarmtui.swarm.create.service_spec` and :mod:`swarmtui.swarm.create.service_cli`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.units import (
    UnitError,
    parse_cpus,
    parse_duration,
    parse_int,
    parse_size,
)

MODES = ("replicated", "global")
PROTOCOLS = ("tcp", "udp", "sctp")
PUBLISH_MODES = ("ingress", "host")
MOUNT_TYPES = ("volume", "bind", "tmpfs")
RESTART_CONDITIONS = ("none", "on-failure", "any")
FAILURE_ACTIONS = ("pause", "continue", "rollback")
UPDATE_ORDERS = ("stop-first", "start-first")

#: swarmkit accepts DNS-label-like names; "_" is allowed (stacks name services STACK_svc)
SERVICE_NAME_RE = re.compile(r"^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*(?::\d+)?/)"
IMAGE_RE = re.compile(
    rf"^{_DOMAIN}?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
VOLUME_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
CONSTRAINT_RE = re.compile(r"^\s*([^=!\s]+)\s*(==|!=)\s*(\S(?:.*\S)?)\s*$")
CONSTRAINT_KEYS = ("node.id", "node.hostname", "node.role", "node.platform.os",
                   "node.platform.arch")
CONSTRAINT_PREFIXES = ("node.labels.", "engine.labels.")
CONSTRAINT_HELP = "write it like node.role==manager or node.labels.zone!=east"
PREFERENCE_RE = re.compile(r"^spread=((?:node|engine)\.labels\.\S+|node\.\w[\w.]*)$")
MIN_MEMORY = 6 * 1024 * 1024  # the engine refuses containers with a smaller memory limit


@dataclass
class PortField:
    """One published port row."""

    target: str = ""
    #: empty → Swarm picks a free port (30000-32767) for ingress
    published: str = ""
    protocol: str = "tcp"
    mode: str = "ingress"


@dataclass
class MountField:
    """One mount row: a named volume, a bind mount of a host path, or a tmpfs."""

    type: str = "volume"
    source: str = ""
    target: str = ""
    readonly: bool = False


@dataclass
class ObjectRef:
    """A secret or config the service mounts: its name, and the file name inside the task."""

    source: str = ""
    #: file name (secrets: under /run/secrets/; configs: absolute or under /); empty = source
    target: str = ""


@dataclass
class ServiceForm:
    """Every field of the new/edit service form, as typed."""

    name: str = ""
    image: str = ""
    #: COMMAND [ARG...] after the image, shell-quoted as typed (→ ContainerSpec.Args)
    command: str = ""
    #: --entrypoint (→ ContainerSpec.Command), shell-quoted
    entrypoint: str = ""
    mode: str = "replicated"
    replicas: str = "1"
    ports: list[PortField] = field(default_factory=list)
    #: network names (or IDs)
    networks: list[str] = field(default_factory=list)
    #: "KEY=VALUE" lines
    env: list[str] = field(default_factory=list)
    mounts: list[MountField] = field(default_factory=list)
    #: "node.role==manager", "node.labels.zone!=east" …
    constraints: list[str] = field(default_factory=list)
    #: "spread=node.labels.zone"
    preferences: list[str] = field(default_factory=list)
    limit_cpus: str = ""
    limit_memory: str = ""
    reserve_cpus: str = ""
    reserve_memory: str = ""
    #: "" (engine default: any), "none", "on-failure", "any"
    restart_condition: str = ""
    restart_delay: str = ""
    restart_max_attempts: str = ""
    restart_window: str = ""
    update_parallelism: str = ""
    update_delay: str = ""
    #: "" (default pause), "pause", "continue", "rollback"
    update_failure_action: str = ""
    #: "" (default stop-first), "stop-first", "start-first"
    update_order: str = ""
    #: a shell command run in the container (CMD-SHELL)
    health_cmd: str = ""
    health_interval: str = ""
    health_timeout: str = ""
    health_retries: str = ""
    health_start_period: str = ""
    #: disable any health check the image defines
    no_healthcheck: bool = False
    #: service labels, "key=value" lines
    labels: list[str] = field(default_factory=list)
    secrets: list[ObjectRef] = field(default_factory=list)
    configs: list[ObjectRef] = field(default_factory=list)


@dataclass(frozen=True)
class FieldError:
    """Why one field is not acceptable, in words for a person."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class FormInvalidError(ValueError):
    """Raised when a spec is asked of a form that does not validate."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def split_words(text: str) -> list[str]:
    """Shell-like split of a command line (raises ValueError on unbalanced quotes)."""
    return shlex.split(text)


def split_pair(line: str) -> tuple[str, str]:
    key, _, value = line.partition("=")
    return key.strip(), value


def label_errors(labels: list[str]) -> list[FieldError]:
    """`labels[i]` messages: each line key=value (key without spaces), each key once."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, line in enumerate(labels):
        key, _ = split_pair(line)
        if not key or any(c.isspace() for c in key):
            errors.append(FieldError(f"labels[{i}]", f"'{line}' must look like key=value "
                                                     "(key without spaces)"))
        elif key in seen:
            errors.append(FieldError(f"labels[{i}]", f"label {key} is set twice"))
        seen.add(key)
    return errors


def _port_number(text: str, what: str) -> int:
    return parse_int(text, what, minimum=1, maximum=65535)


# ------------------------------------------------------------------------ validation


def validate(
    form: ServiceForm,
    inv: Inventory | None = None,
    *,
    editing: str | None = None,
) -> list[FieldError]:
    """All problems with the form, field by field, in form order.

    `inv` (the cluster's networks, services, secrets, configs) enables the checks
    against the cluster: unknown network, name already taken, published port in
    use. `editing` is the name of the service being edited (its own name and
    ports are then not "taken").
    """
    errors: list[FieldError] = []

    def err(path: str, message: str) -> None:
        errors.append(FieldError(path, message))

    # -- name
    name = form.name.strip()
    if not name:
        err("name", "a service needs a name")
    elif len(name) > 63:
        err("name", f"the name is {len(name)} characters long; at most 63 are allowed")
    elif not SERVICE_NAME_RE.match(name):
        err("name", f"'{name}' is not a valid service name: use letters, digits, '-' and '_',"
                    " starting and ending with a letter or digit")
    elif editing is not None and name != editing:
        err("name", f"a service cannot be renamed (it is '{editing}'); create a new one instead")
    elif editing is None and inv is not None and any(s.name == name for s in inv.services):
        err("name", f"a service named '{name}' already exists")

    # -- image
    image = form.image.strip()
    if not image:
        err("image", "an image is required, e.g. busybox:latest")
    elif any(c.isspace() for c in image):
        err("image", f"'{image}' contains spaces; put the command in the command field")
    elif not IMAGE_RE.match(image):
        lowered = image.lower()
        if lowered != image and IMAGE_RE.match(lowered):
            err("image", f"image names are lower-case: '{image}' → '{lowered}'")
        else:
            err("image", f"'{image}' is not a valid image reference (e.g. nginx:1.25 or "
                         "registry.example.com:5000/team/app:v2)")

    # -- command / entrypoint
    for fname, text in (("command", form.command), ("entrypoint", form.entrypoint)):
        try:
            split_words(text)
        except ValueError as exc:
            err(fname, f"cannot split into words ({exc}): check the quotes")

    # -- mode and replicas
    if form.mode not in MODES:
        err("mode", f"mode must be replicated or global, not '{form.mode}'")
    elif form.mode == "replicated":
        try:
            parse_int(form.replicas, "replicas", minimum=0, maximum=100_000)
        except UnitError as exc:
            err("replicas", str(exc))

    # -- ports
    taken = inv.published_ports() if inv is not None else {}
    seen_ports: dict[tuple[int, str], int] = {}
    for i, p in enumerate(form.ports):
        base = f"ports[{i}]"
        try:
            _port_number(p.target, "the target (container) port")
        except UnitError as exc:
            err(f"{base}.target", str(exc) if p.target.strip() else
                "the target port (inside the container) is required, e.g. 80")
        if p.protocol not in PROTOCOLS:
            err(f"{base}.protocol", f"protocol must be tcp, udp or sctp, not '{p.protocol}'")
        if p.mode not in PUBLISH_MODES:
            err(f"{base}.mode", f"publish mode must be ingress or host, not '{p.mode}'")
        if p.published.strip():
            try:
                pub = _port_number(p.published, "the published port")
            except UnitError as exc:
                err(f"{base}.published", str(exc))
                continue
            port_key = (pub, p.protocol)
            if port_key in seen_ports:
                err(f"{base}.published",
                    f"published port {pub}/{p.protocol} is used twice "
                    f"(also in row {seen_ports[port_key] + 1})")
                continue
            seen_ports[port_key] = i
            user = taken.get(port_key)
            if p.mode == "ingress" and user is not None and user != editing:
                err(f"{base}.published",
                    f"published port {pub}/{p.protocol} is already used by service '{user}'")

    # -- networks
    seen_nets: set[str] = set()
    for i, net in enumerate(form.networks):
        path = f"networks[{i}]"
        n = net.strip()
        if not n:
            err(path, "network name is empty")
            continue
        if n in seen_nets:
            err(path, f"network '{n}' is listed twice")
            continue
        seen_nets.add(n)
        if inv is None:
            continue
        found = inv.network(n)
        if found is None:
            known = sorted(x.name for x in inv.networks if x.scope == "swarm" and not x.ingress)
            hint = f" (overlay networks: {', '.join(known)})" if known else \
                " (there are no overlay networks yet: create one first)"
            err(path, f"unknown network '{n}'{hint}")
        elif found.ingress:
            err(path, f"'{found.name}' is the ingress network: it carries published ports and "
                      "cannot be joined directly")
        elif found.scope != "swarm":
            err(path, f"network '{found.name}' is a local ({found.driver}) network; services "
                      "can only join swarm-scoped overlay networks")

    # -- env
    seen_env: set[str] = set()
    for i, line in enumerate(form.env):
        key, value = split_pair(line)
        if "=" not in line:
            err(f"env[{i}]", f"'{line}' must look like KEY=value")
        elif not key or any(c.isspace() for c in key):
            err(f"env[{i}]", f"'{key}' is not a valid variable name (no spaces, not empty)")
        elif key in seen_env:
            err(f"env[{i}]", f"{key} is set twice")
        seen_env.add(key)

    # -- mounts
    seen_targets: set[str] = set()
    for i, m in enumerate(form.mounts):
        base = f"mounts[{i}]"
        if m.type not in MOUNT_TYPES:
            err(f"{base}.type", f"mount type must be volume, bind or tmpfs, not '{m.type}'")
            continue
        target = m.target.strip()
        if not target:
            err(f"{base}.target", "the path inside the container is required, e.g. /data")
        elif not target.startswith("/"):
            err(f"{base}.target", f"'{target}' must be an absolute path (start with /)")
        elif target in seen_targets:
            err(f"{base}.target", f"two mounts at {target}")
        seen_targets.add(target)
        source = m.source.strip()
        if m.type == "bind":
            if not source:
                err(f"{base}.source", "a bind mount needs the host path to mount, e.g. /srv/data")
            elif not source.startswith("/"):
                err(f"{base}.source", f"'{source}' must be an absolute host path (start with /);"
                                      " for a named volume choose type volume")
        elif m.type == "volume":
            if source and not VOLUME_NAME_RE.match(source):
                err(f"{base}.source", f"'{source}' is not a valid volume name (letters, digits,"
                                      " '_', '.', '-'); for a host path choose type bind")
        elif source:
            err(f"{base}.source", "a tmpfs mount has no source; leave it empty")

    # -- placement
    for i, c in enumerate(form.constraints):
        problem = constraint_problem(c)
        if problem:
            err(f"constraints[{i}]", problem)
    for i, pref in enumerate(form.preferences):
        if not PREFERENCE_RE.match(pref.strip()):
            err(f"preferences[{i}]",
                f"'{pref}' is not a placement preference: write spread=node.labels.zone")

    # -- resources
    cpus: dict[str, int] = {}
    mems: dict[str, int] = {}
    for fname in ("limit_cpus", "reserve_cpus"):
        text = getattr(form, fname)
        if text.strip():
            try:
                cpus[fname] = parse_cpus(text)
            except UnitError as exc:
                err(fname, str(exc))
    for fname in ("limit_memory", "reserve_memory"):
        text = getattr(form, fname)
        if text.strip():
            try:
                mems[fname] = parse_size(text)
            except UnitError as exc:
                err(fname, str(exc))
                continue
            if fname == "limit_memory" and mems[fname] < MIN_MEMORY:
                err(fname, f"{text.strip()} is below the engine's minimum memory limit of 6M")
    if "limit_cpus" in cpus and "reserve_cpus" in cpus \
            and cpus["reserve_cpus"] > cpus["limit_cpus"]:
        err("reserve_cpus", f"reserving {form.reserve_cpus.strip()} CPUs is more than the limit"
                            f" of {form.limit_cpus.strip()}")
    if "limit_memory" in mems and "reserve_memory" in mems \
            and mems["reserve_memory"] > mems["limit_memory"]:
        err("reserve_memory", f"reserving {form.reserve_memory.strip()} is more than the limit of"
                              f" {form.limit_memory.strip()}")

    # -- restart policy
    if form.restart_condition and form.restart_condition not in RESTART_CONDITIONS:
        err("restart_condition",
            f"restart condition must be none, on-failure or any, not '{form.restart_condition}'")
    _duration(form.restart_delay, "restart_delay", err)
    _duration(form.restart_window, "restart_window", err)
    _count(form.restart_max_attempts, "restart_max_attempts", "max restart attempts", err)

    # -- update config
    _count(form.update_parallelism, "update_parallelism", "update parallelism", err)
    _duration(form.update_delay, "update_delay", err)
    if form.update_failure_action and form.update_failure_action not in FAILURE_ACTIONS:
        err("update_failure_action", "on update failure: pause, continue or rollback, not "
                                     f"'{form.update_failure_action}'")
    if form.update_order and form.update_order not in UPDATE_ORDERS:
        err("update_order", f"update order must be stop-first or start-first, not "
                            f"'{form.update_order}'")

    # -- health check
    for fname in ("health_interval", "health_timeout", "health_start_period"):
        _duration(getattr(form, fname), fname, err)
    _count(form.health_retries, "health_retries", "health retries", err)
    if form.no_healthcheck and (form.health_cmd.strip() or form.health_interval.strip()
                                or form.health_timeout.strip() or form.health_retries.strip()
                                or form.health_start_period.strip()):
        err("no_healthcheck", "health check disabled but health settings given: clear one")

    # -- labels
    for e in label_errors(form.labels):
        err(e.field, e.message)

    # -- secrets and configs
    for kind, refs in (("secret", form.secrets), ("config", form.configs)):
        seen_files: set[str] = set()
        for i, ref in enumerate(refs):
            base = f"{kind}s[{i}]"
            src = ref.source.strip()
            if not src:
                err(f"{base}.source", f"the {kind} name is empty")
                continue
            if inv is not None and inv.has_objects and inv.stored(kind, src) is None:
                names = sorted(o.name for o in (inv.secrets if kind == "secret" else inv.configs))
                hint = f" (existing: {', '.join(names)})" if names else f" (there are no {kind}s)"
                err(f"{base}.source", f"unknown {kind} '{src}'{hint}")
            fname = ref.target.strip() or src
            if fname in seen_files:
                err(f"{base}.target", f"two {kind}s would be written to the same file '{fname}'")
            seen_files.add(fname)
    return errors


def _duration(text: str, fname: str, err: object) -> None:
    if text.strip():
        try:
            parse_duration(text)
        except UnitError as exc:
            err(fname, str(exc))  # type: ignore[operator]


def _count(text: str, fname: str, what: str, err: object) -> None:
    if text.strip():
        try:
            parse_int(text, what, minimum=0)
        except UnitError as exc:
            err(fname, str(exc))  # type: ignore[operator]


def constraint_problem(text: str) -> str | None:
    """Why a placement constraint is not valid, or None (swarmkit's `key ==|!= value`)."""
    c = text.strip()
    if not c:
        return "the constraint is empty"
    m = CONSTRAINT_RE.match(c)
    if not m:
        if "==" not in c and "!=" not in c and "=" in c:
            return f"'{c}' uses '='; a constraint compares with == or != ({CONSTRAINT_HELP})"
        return f"'{c}' is not a constraint: {CONSTRAINT_HELP}"
    key, _op, value = m.groups()
    if key not in CONSTRAINT_KEYS and not any(
        key.startswith(p) and len(key) > len(p) for p in CONSTRAINT_PREFIXES
    ):
        return (f"unknown constraint key '{key}': use node.id, node.hostname, node.role, "
                "node.platform.os, node.platform.arch, node.labels.NAME or engine.labels.NAME")
    if key == "node.role" and value not in ("manager", "worker"):
        return f"node.role is manager or worker, not '{value}'"
    return None


def errors_by_field(errors: list[FieldError]) -> dict[str, str]:
    """{field path: first message} — what a form screen shows under each input."""
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e.field, e.message)
    return out


def field_errors(form: ServiceForm, path: str, inv: Inventory | None = None,
                 *, editing: str | None = None) -> list[str]:
    """Messages for one field path (or a prefix, e.g. "ports[0]") — for validate-as-you-type."""
    return [e.message for e in validate(form, inv, editing=editing)
            if e.field == path or e.field.startswith(path + ".") or e.field.startswith(path + "[")]
