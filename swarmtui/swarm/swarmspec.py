"""Swarm-level operations on a blocking `docker.APIClient`: init, join tokens, autolock,
unlock keys, settings, CA info, leave and force-new-cluster.

Every operation has the exact `docker …` CLI equivalent (with secrets masked) so a
screen can show it before confirming and the audit journal can record it.

Swarm updates always send the **whole** current spec from `inspect_swarm()["Spec"]`
with its version index, and retry on "update out of sequence". docker-py's high-level
`client.swarm.update(rotate_…)` builds an almost empty spec and silently turns autolock
off; nothing here does that.

Secrets: join tokens (SWMTKN-1-…) and unlock keys (SWMKEY-1-…) travel as `Secret`
objects whose str/repr are masked; `redact()` masks any that appear in free text (error
messages, command output). No exception raised from this module carries one: docker
errors are re-raised as `SwarmSpecError` with a redacted message and no chained cause.
(`Secret` and `redact` are the shared ones of `swarmtui.secrets`.)
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import docker
import docker.errors

from swarmtui.secrets import Secret as Secret
from swarmtui.secrets import contains_secret as contains_secret
from swarmtui.secrets import mask_secret as mask_secret
from swarmtui.secrets import redact as redact
from swarmtui.swarm.certs import parse_pem
from swarmtui.swarm.ops.base import UPDATE_ATTEMPTS, retry_out_of_sequence

Role = Literal["worker", "manager"]

class SwarmSpecError(Exception):
    """A swarm operation failed. The message says what happened and what to do; it never
    holds a token or key."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


def _api_message(exc: BaseException) -> str:
    if isinstance(exc, docker.errors.APIError):
        explanation = exc.explanation
        if isinstance(explanation, bytes):
            explanation = explanation.decode(errors="replace")
        return redact(str(explanation or exc))
    return redact(str(exc) or type(exc).__name__)


@contextmanager
def _docker_errors(what: str, hint: str = "") -> Iterator[None]:
    """Turn any docker/transport error into a SwarmSpecError with no chained cause
    (a chained APIError could carry a request body with a secret into a traceback)."""
    message: str | None = None
    try:
        yield
    except SwarmSpecError:
        raise
    except (docker.errors.DockerException, OSError, ValueError) as exc:
        message = f"{what} failed: {_api_message(exc)}"
        if hint:
            message += f". {hint}"
    if message is not None:
        raise SwarmSpecError(message) from None


# ----------------------------------------------------------------------------- durations

def go_duration(value: timedelta | int) -> str:
    """Format like Go's time.Duration.String (what the docker CLI accepts and prints):
    2160h0m0s, 5s, 1m30s, 500ms. An int is nanoseconds."""
    ns = value if isinstance(value, int) else round(value.total_seconds() * 10**9)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if ns >= size:
                return f"{sign}{_trim(ns / size)}{unit}"
    hours, rem = divmod(ns, 3600 * 10**9)
    minutes, rem = divmod(rem, 60 * 10**9)
    seconds = _trim(rem / 10**9)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _trim(x: float) -> str:
    return f"{x:.9f}".rstrip("0").rstrip(".")


def _ns(td: timedelta) -> int:
    return round(td.total_seconds() * 10**9)


# ----------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class SwarmInspect:
    """The parts of `inspect_swarm()` screens need (no join tokens here)."""

    id: str
    version: int
    spec: dict[str, Any]
    created_at: str
    updated_at: str
    trust_root_pem: str
    root_rotation_in_progress: bool
    data_path_port: int
    default_addr_pool: list[str]
    subnet_size: int

    @property
    def autolock(self) -> bool:
        return bool(self.spec.get("EncryptionConfig", {}).get("AutoLockManagers", False))

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> SwarmInspect:
        return cls(
            id=raw.get("ID", ""),
            version=int(raw.get("Version", {}).get("Index", 0)),
            spec=copy.deepcopy(raw.get("Spec") or {}),
            created_at=raw.get("CreatedAt", ""),
            updated_at=raw.get("UpdatedAt", ""),
            trust_root_pem=(raw.get("TLSInfo") or {}).get("TrustRoot", ""),
            root_rotation_in_progress=bool(raw.get("RootRotationInProgress", False)),
            data_path_port=int(raw.get("DataPathPort") or 4789),
            default_addr_pool=list(raw.get("DefaultAddrPool") or []),
            subnet_size=int(raw.get("SubnetSize") or 24),
        )


def inspect(api: docker.APIClient) -> SwarmInspect:
    with _docker_errors("Reading the swarm", "Is this engine a manager of a swarm?"):
        return SwarmInspect.from_api(api.inspect_swarm())


def update_spec(
    api: docker.APIClient,
    mutate: Callable[[dict[str, Any]], None] | None = None,
    *,
    rotate_worker_token: bool = False,
    rotate_manager_token: bool = False,
    rotate_unlock_key: bool = False,
    attempts: int = UPDATE_ATTEMPTS,
    what: str = "Updating the swarm",
) -> SwarmInspect:
    """Send the whole current spec (changed by `mutate`) with its version; re-read and
    retry on "update out of sequence" (`retry_out_of_sequence`: growing waits). Returns
    the swarm as read after the update."""

    def step(_attempt: int) -> SwarmInspect:
        with _docker_errors(what):
            raw = api.inspect_swarm()
        spec = copy.deepcopy(raw["Spec"])
        if mutate is not None:
            mutate(spec)
        version = int(raw["Version"]["Index"])
        with _docker_errors(what):
            api.update_swarm(
                version=version,
                swarm_spec=spec,
                rotate_worker_token=rotate_worker_token,
                rotate_manager_token=rotate_manager_token,
                rotate_manager_unlock_key=rotate_unlock_key,
            )
        return inspect(api)

    return retry_out_of_sequence(step, what=f"{what}: the swarm", attempts=attempts,
                                 error=SwarmSpecError)


# ----------------------------------------------------------------------------- init


@dataclass(frozen=True)
class AddressCandidate:
    interface: str
    address: str  # without prefix length
    family: Literal[4, 6]

    def __str__(self) -> str:
        return f"{self.address} ({self.interface})"


_SKIP_IFACES = re.compile(r"^(lo|docker0|docker_gwbridge|veth.*|br-.*|vx-.*|cni.*|flannel.*)$")


def parse_ip_addr_json(text: str) -> list[AddressCandidate]:
    """Candidate advertise addresses from `ip -j addr show`: global unicast addresses of
    interfaces other than loopback and Docker's own bridges/veths."""
    try:
        links = json.loads(text or "[]")
    except ValueError:
        return []
    out: list[AddressCandidate] = []
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict):
            continue
        name = str(link.get("ifname", ""))
        flags = link.get("flags", ["UP"])
        if _SKIP_IFACES.match(name) or not isinstance(flags, list) or "UP" not in flags:
            continue
        infos = link.get("addr_info", [])
        for a in infos if isinstance(infos, list) else []:
            if not isinstance(a, dict) or a.get("scope") != "global":
                continue
            try:
                addr = ipaddress.ip_address(str(a.get("local", "")))
            except ValueError:
                continue
            if addr.is_loopback or addr.is_link_local:
                continue
            out.append(AddressCandidate(name, str(addr), 4 if addr.version == 4 else 6))
    out.sort(key=lambda c: (c.family, c.interface))
    return out


async def candidate_advertise_addresses(runner: Any) -> list[AddressCandidate]:
    """A host's candidate advertise addresses, read over a bootstrap CommandRunner
    (`swarmtui.bootstrap.remote.CommandRunner`). Several → warn the user to choose."""
    result = await runner.run("ip -j addr show")
    return parse_ip_addr_json(result.stdout) if result.exit_status == 0 else []


@dataclass(frozen=True)
class InitOptions:
    advertise_addr: str | None = None  # address or interface, optional :port
    listen_addr: str = "0.0.0.0:2377"
    data_path_port: int | None = None  # 1024..49151; None → 4789
    default_addr_pool: tuple[str, ...] = ()  # CIDRs
    subnet_size: int | None = None  # mask length of networks cut from the pool
    autolock: bool = False

    def validate(self) -> list[str]:
        errors: list[str] = []
        if self.data_path_port is not None and not 1024 <= self.data_path_port <= 49151:
            errors.append(f"data path port {self.data_path_port} is out of range: "
                          "use 1024-49151 (the default is 4789)")
        pools: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for cidr in self.default_addr_pool:
            try:
                pools.append(ipaddress.ip_network(cidr, strict=True))
            except ValueError:
                errors.append(f"default address pool {cidr!r} is not a network in CIDR form "
                              "(e.g. 10.20.0.0/16)")
        if self.subnet_size is not None:
            if not 1 <= self.subnet_size <= 29:
                errors.append(f"subnet size /{self.subnet_size} is out of range: use 1-29 "
                              "(the default is 24)")
            for p in pools:
                if p.prefixlen > self.subnet_size:
                    errors.append(f"subnet size /{self.subnet_size} is larger than the pool "
                                  f"{p} itself")
        if not self.listen_addr.strip():
            errors.append("the listen address is empty; the default is 0.0.0.0:2377")
        return errors

    def cli(self) -> str:
        args = ["docker", "swarm", "init"]
        if self.advertise_addr:
            args += ["--advertise-addr", self.advertise_addr]
        if self.listen_addr and self.listen_addr != "0.0.0.0:2377":
            args += ["--listen-addr", self.listen_addr]
        if self.data_path_port:
            args += ["--data-path-port", str(self.data_path_port)]
        for pool in self.default_addr_pool:
            args += ["--default-addr-pool", pool]
        if self.subnet_size is not None:
            args += ["--default-addr-pool-mask-length", str(self.subnet_size)]
        if self.autolock:
            args.append("--autolock")
        return shlex.join(args)


@dataclass(frozen=True)
class JoinTokens:
    worker: Secret
    manager: Secret
    manager_addr: str  # host:port to join

    def token(self, role: Role) -> Secret:
        return self.worker if role == "worker" else self.manager

    def join_command(self, role: Role, *, reveal: bool = False) -> str:
        tok = self.token(role)
        shown = tok.reveal() if reveal else tok.masked
        return f"docker swarm join --token {shown} {self.manager_addr}"

    def masked(self) -> dict[Role, str]:
        return {"worker": self.join_command("worker"), "manager": self.join_command("manager")}


@dataclass(frozen=True)
class InitResult:
    node_id: str
    tokens: JoinTokens
    unlock_key: Secret | None  # with autolock: store it safely, it is needed after restarts
    cli: str


def init_swarm(api: docker.APIClient, options: InitOptions) -> InitResult:
    """`docker swarm init …` on the engine behind `api`."""
    errors = options.validate()
    if errors:
        raise SwarmSpecError("Cannot initialise the swarm: " + "; ".join(errors))
    spec = api.create_swarm_spec(autolock_managers=True) if options.autolock else None
    kwargs: dict[str, Any] = {}
    if options.default_addr_pool:
        kwargs["default_addr_pool"] = list(options.default_addr_pool)
    if options.subnet_size is not None:
        kwargs["subnet_size"] = options.subnet_size
    if options.data_path_port:
        kwargs["data_path_port"] = options.data_path_port
    with _docker_errors("docker swarm init",
                        "If this engine is already in a swarm, leave it first"):
        node_id = str(api.init_swarm(advertise_addr=options.advertise_addr,
                                     listen_addr=options.listen_addr, swarm_spec=spec, **kwargs))
    key = get_unlock_key(api) if options.autolock else None
    return InitResult(node_id=node_id, tokens=join_tokens(api), unlock_key=key, cli=options.cli())


# ----------------------------------------------------------------------------- join tokens


def manager_address(api: docker.APIClient) -> str:
    """The address:port other hosts join: this manager's own, else any known manager."""
    with _docker_errors("Reading the engine's swarm state"):
        info = api.info()
    sw = info.get("Swarm") or {}
    node_id = sw.get("NodeID", "")
    remotes = sw.get("RemoteManagers") or []
    for r in remotes:
        if r.get("NodeID") == node_id and r.get("Addr"):
            return str(r["Addr"])
    if remotes:
        return str(remotes[0].get("Addr", ""))
    addr = sw.get("NodeAddr", "")
    return f"{addr}:2377" if addr else ""


def join_tokens(api: docker.APIClient) -> JoinTokens:
    """The worker and manager join tokens (as Secrets) and the address to join."""
    with _docker_errors("Reading the join tokens", "Join tokens can only be read on a manager"):
        raw = api.inspect_swarm().get("JoinTokens") or {}
    return JoinTokens(worker=Secret(raw.get("Worker", "")), manager=Secret(raw.get("Manager", "")),
                      manager_addr=manager_address(api))


def fetch_join_token(api: docker.APIClient, role: Role) -> Secret:
    return join_tokens(api).token(role)


def rotate_token_cli(role: Role) -> str:
    return f"docker swarm join-token --rotate {role}"


def rotate_join_token(api: docker.APIClient, role: Role) -> JoinTokens:
    """Rotate one join token keeping the whole spec (autolock, settings) as it is. Nodes
    already in the swarm are unaffected; the old token stops working for new joins."""
    update_spec(api, rotate_worker_token=role == "worker", rotate_manager_token=role == "manager",
                what=f"Rotating the {role} join token")
    return join_tokens(api)


ROTATE_TOKEN_WARNING = (
    "Rotating the {role} join token invalidates the current one: any script, cloud-init or "
    "wizard still holding it can no longer join {role}s. Nodes already in the swarm are "
    "not affected."
)


# ----------------------------------------------------------------------------- autolock


def autolock_cli(enabled: bool) -> str:
    return f"docker swarm update --autolock={'true' if enabled else 'false'}"


def set_autolock(api: docker.APIClient, enabled: bool) -> Secret | None:
    """Turn autolock on or off (whole spec). With it on, returns the unlock key."""

    def mutate(spec: dict[str, Any]) -> None:
        spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = enabled

    update_spec(api, mutate, what=f"Turning autolock {'on' if enabled else 'off'}")
    return get_unlock_key(api) if enabled else None


AUTOLOCK_CONSEQUENCES = (
    "With autolock on, a manager whose Docker restarts stays locked until someone "
    "enters the unlock key (`docker swarm unlock`). Keep the key in a password manager: "
    "without it, a locked manager cannot rejoin and must be removed and re-added."
)


def get_unlock_key(api: docker.APIClient) -> Secret | None:
    """The current unlock key, or None when autolock is off."""
    with _docker_errors("Reading the unlock key", "Unlock keys can only be read on a manager"):
        raw = api.get_unlock_key()
    key = (raw or {}).get("UnlockKey", "")
    return Secret(key) if key else None


def unlock_key_cli(rotate: bool = False) -> str:
    return "docker swarm unlock-key --rotate" if rotate else "docker swarm unlock-key"


@dataclass(frozen=True)
class UnlockKeyRotation:
    old: Secret | None
    new: Secret | None
    advice: str = (
        "Keep the old key too for a while: a manager that was down during the rotation, "
        "or restored from a backup, may still need the old key to unlock."
    )


def rotate_unlock_key(api: docker.APIClient) -> UnlockKeyRotation:
    old = get_unlock_key(api)
    if old is None:
        raise SwarmSpecError("Autolock is off, so there is no unlock key to rotate; "
                             "turn autolock on first")
    update_spec(api, rotate_unlock_key=True, what="Rotating the unlock key")
    return UnlockKeyRotation(old=old, new=get_unlock_key(api))


def unlock_cli() -> str:
    return "docker swarm unlock   # the key is read from the prompt"


def local_node_state(api: docker.APIClient) -> str:
    """inactive, pending, active, error or locked."""
    with _docker_errors("Reading the engine's swarm state"):
        return str((api.info().get("Swarm") or {}).get("LocalNodeState", ""))


def unlock_manager(api_on_node: docker.APIClient, key: str | Secret) -> None:
    """Unlock a locked manager; `api_on_node` must reach *that* node's engine."""
    raw = key.reveal() if isinstance(key, Secret) else key.strip()
    if not raw.startswith("SWMKEY-1-"):
        raise SwarmSpecError("That is not an unlock key: unlock keys start with SWMKEY-1-")
    state = local_node_state(api_on_node)
    if state != "locked":
        raise SwarmSpecError(f"This node is not locked (its swarm state is {state or 'unknown'});"
                             " nothing to unlock")
    with _docker_errors("Unlocking the manager",
                        "Check the key (the old key may be needed if it was rotated while this "
                        "manager was down)"):
        api_on_node.unlock_swarm(raw)


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SwarmSettings:
    cert_expiry: timedelta  # validity of node certificates (CAConfig.NodeCertExpiry)
    dispatcher_heartbeat: timedelta  # how often nodes report to managers
    task_history_limit: int  # old tasks kept per slot (Orchestration.TaskHistoryRetentionLimit)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SwarmSettings:
        return cls(
            cert_expiry=timedelta(microseconds=int(
                (spec.get("CAConfig") or {}).get("NodeCertExpiry") or 90 * 86400 * 10**9) / 1000),
            dispatcher_heartbeat=timedelta(microseconds=int(
                (spec.get("Dispatcher") or {}).get("HeartbeatPeriod") or 5 * 10**9) / 1000),
            task_history_limit=int(
                (spec.get("Orchestration") or {}).get("TaskHistoryRetentionLimit", 5)),
        )

    def validate(self) -> list[str]:
        errors: list[str] = []
        if self.cert_expiry < timedelta(hours=1):
            errors.append(f"certificate expiry {go_duration(self.cert_expiry)} is too short: "
                          "Swarm needs at least 1h (the default is 2160h, 90 days)")
        if self.cert_expiry > timedelta(days=3650):
            errors.append("certificate expiry above 10 years is refused: long-lived node "
                          "certificates defeat rotation")
        if self.dispatcher_heartbeat < timedelta(seconds=1):
            errors.append(f"dispatcher heartbeat {go_duration(self.dispatcher_heartbeat)} is "
                          "too short: use at least 1s (the default is 5s)")
        if self.dispatcher_heartbeat > timedelta(minutes=10):
            errors.append("dispatcher heartbeat above 10m would leave dead nodes marked Ready "
                          "for a long time; use 5s-1m")
        if self.task_history_limit < 0:
            errors.append("task history limit cannot be negative (the default is 5)")
        if self.task_history_limit > 10000:
            errors.append("task history limit above 10000 bloats the raft store; the default "
                          "is 5")
        return errors

    def apply_to(self, spec: dict[str, Any], base: SwarmSettings | None = None) -> None:
        """Write these settings into `spec` (the FRESH swarm spec), three-way.

        With `base` (the settings as shown when the user started), only the fields the
        user changed are written, and one that someone else changed meanwhile to
        another value raises SwarmSpecError (shown, never overwritten).
        """
        fresh = SwarmSettings.from_spec(spec)
        changed = [f for f in _SETTING_FIELDS
                   if base is None or getattr(base, f) != getattr(self, f)]
        if base is not None:
            clashes = [f"{_SETTING_WORDS[f]}: you {self._shown(f)}, now {fresh._shown(f)} "
                       f"(was {base._shown(f)})" for f in changed
                       if getattr(fresh, f) not in (getattr(base, f), getattr(self, f))]
            if clashes:
                raise SwarmSpecError(
                    "The swarm settings were changed by someone else meanwhile, in "
                    f"field(s) you changed too: {'; '.join(clashes)}. Nothing was sent: "
                    "reload (r) and try again")
        if "cert_expiry" in changed:
            spec.setdefault("CAConfig", {})["NodeCertExpiry"] = _ns(self.cert_expiry)
        if "dispatcher_heartbeat" in changed:
            spec.setdefault("Dispatcher", {})["HeartbeatPeriod"] = _ns(self.dispatcher_heartbeat)
        if "task_history_limit" in changed:
            spec.setdefault("Orchestration", {})["TaskHistoryRetentionLimit"] = \
                self.task_history_limit

    def _shown(self, name: str) -> str:
        value = getattr(self, name)
        return go_duration(value) if isinstance(value, timedelta) else str(value)

    def cli(self, current: SwarmSettings | None = None) -> str:
        args = ["docker", "swarm", "update"]
        if current is None or current.cert_expiry != self.cert_expiry:
            args += ["--cert-expiry", go_duration(self.cert_expiry)]
        if current is None or current.dispatcher_heartbeat != self.dispatcher_heartbeat:
            args += ["--dispatcher-heartbeat", go_duration(self.dispatcher_heartbeat)]
        if current is None or current.task_history_limit != self.task_history_limit:
            args += ["--task-history-limit", str(self.task_history_limit)]
        return shlex.join(args)


_SETTING_FIELDS = ("cert_expiry", "dispatcher_heartbeat", "task_history_limit")
_SETTING_WORDS = {"cert_expiry": "certificate expiry",
                  "dispatcher_heartbeat": "dispatcher heartbeat",
                  "task_history_limit": "task history limit"}


def read_settings(api: docker.APIClient) -> SwarmSettings:
    return SwarmSettings.from_spec(inspect(api).spec)


def apply_settings(api: docker.APIClient, settings: SwarmSettings,
                   base: SwarmSettings | None = None) -> SwarmSettings:
    """Write `settings` (three-way against `base`, the settings the user started from)."""
    errors = settings.validate()
    if errors:
        raise SwarmSpecError("Settings not applied: " + "; ".join(errors))
    after = update_spec(api, lambda spec: settings.apply_to(spec, base),
                        what="Updating the swarm settings")
    return SwarmSettings.from_spec(after.spec)


@dataclass(frozen=True)
class CAInfo:
    node_cert_expiry: timedelta
    root_subject: str
    root_not_before: datetime | None
    root_not_after: datetime | None
    rotation_in_progress: bool
    external_cas: int
    notes: list[str] = field(default_factory=list)

    def days_left(self, now: datetime | None = None) -> int | None:
        if self.root_not_after is None:
            return None
        return (self.root_not_after - (now or datetime.now(UTC))).days


def ca_info_from(swarm: SwarmInspect) -> CAInfo:
    notes: list[str] = []
    subject, not_before, not_after = "", None, None
    if swarm.trust_root_pem:
        dates = parse_pem(swarm.trust_root_pem)
        if dates is None:
            notes.append("the root CA certificate could not be read")
        else:
            subject, not_before, not_after = dates.subject, dates.not_before, dates.not_after
    else:
        notes.append("the engine did not return the root CA certificate")
    ca = swarm.spec.get("CAConfig") or {}
    settings = SwarmSettings.from_spec(swarm.spec)
    if swarm.root_rotation_in_progress:
        notes.append("a root CA rotation is in progress (`docker swarm ca --rotate`); nodes "
                     "switch over as they renew their certificates")
    return CAInfo(node_cert_expiry=settings.cert_expiry, root_subject=subject,
                  root_not_before=not_before, root_not_after=not_after,
                  rotation_in_progress=swarm.root_rotation_in_progress,
                  external_cas=len(ca.get("ExternalCAs") or []), notes=notes)


def ca_info(api: docker.APIClient) -> CAInfo:
    return ca_info_from(inspect(api))


# ----------------------------------------------------------------------------- leave


def leave_cli(force: bool) -> str:
    return "docker swarm leave --force" if force else "docker swarm leave"


def leave_consequences(is_manager: bool, managers: int, reachable_managers: int) -> str:
    """What leaving does, spelled out for the confirmation screen.

    A manager forced out with `docker swarm leave --force` is NOT removed from raft: it
    still counts as a (now unreachable) manager until demoted and removed, so quorum is
    computed on the same number of managers with one fewer reachable."""
    if not is_manager:
        return ("This node stops running swarm tasks (they are rescheduled elsewhere) and "
                "stays listed as Down in `docker node ls` until a manager removes it "
                "(`docker node rm`).")
    text = "This is a manager: leaving needs --force. "
    if managers <= 1:
        return text + ("It is the last manager: the swarm and all its services, secrets and "
                       "configs are lost for good.")
    need = managers // 2 + 1
    left = reachable_managers - 1
    if left < need:
        return text + (f"It stays in raft as an unreachable manager, so the {left} remaining "
                       f"reachable manager(s) cannot form a quorum (need {need} of {managers}): "
                       "the swarm can no longer be managed until it is recovered with "
                       "force-new-cluster. Demote it first (`docker node demote`) instead.")
    return text + ("Demote it first (`docker node demote`) to leave cleanly: forced out, it "
                   f"stays in raft as an unreachable manager ({left} of {managers} reachable, "
                   "fewer failures tolerated) until removed with `docker node rm`.")


def leave_swarm(api: docker.APIClient, force: bool) -> None:
    with _docker_errors(leave_cli(force),
                        "A manager can only leave with force; demote it first if you can"):
        api.leave_swarm(force=force)


# ----------------------------------------------------------------------------- force-new-cluster


def force_new_cluster_cli(advertise_addr: str | None, listen_addr: str = "0.0.0.0:2377") -> str:
    args = ["docker", "swarm", "init", "--force-new-cluster"]
    if advertise_addr:
        args += ["--advertise-addr", advertise_addr]
    if listen_addr != "0.0.0.0:2377":
        args += ["--listen-addr", listen_addr]
    return shlex.join(args)


FORCE_NEW_CLUSTER_CONSEQUENCES = (
    "Run this only when the swarm has lost its quorum for good (most managers gone). The "
    "chosen manager becomes the single manager of a swarm that keeps its services, "
    "networks, secrets and configs, and the workers; every other manager is dropped from "
    "raft and must leave and re-join (or be removed). Anything a lost manager accepted "
    "but never replicated is gone. Afterwards promote workers or join new managers to "
    "get back to 3 or 5 managers."
)


def force_new_cluster(api_on_manager: docker.APIClient, advertise_addr: str | None = None,
                      listen_addr: str = "0.0.0.0:2377") -> str:
    """`docker swarm init --force-new-cluster` on the chosen manager; returns its node ID."""
    with _docker_errors(force_new_cluster_cli(advertise_addr, listen_addr),
                        "Run it on a node that was a manager of this swarm"):
        return str(api_on_manager.init_swarm(advertise_addr=advertise_addr,
                                             listen_addr=listen_addr, force_new_cluster=True))
