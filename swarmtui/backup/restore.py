"""`swarmtui backup restore`: bring a swarm back on one host from a backup.

Docker's procedure over one SSH connection: stop the host's engine, move its swarm
directory aside (kept, never deleted), unpack the archive in its place, start the engine,
unlock it if the backup was autolocked (the key through the API, never in argv), and
`docker swarm init --force-new-cluster` with the host's own address: a swarm of one
manager holding the backup's services, networks, secrets and configs. Then the state.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import docker

from swarmtui.backup.manifest import Backup, Manifest
from swarmtui.backup.remote import SLOW, HostSession
from swarmtui.backup.steps import Listener, Step, StepError, Steps
from swarmtui.bootstrap.engine import detect_engine_control, start_engine, stop_engine
from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm.swarmkeys import set_autolock

AUTOLOCK_NEEDS_KEY = (
    "this backup was taken with autolock on: its raft keys are encrypted with the swarm's "
    "unlock key, and the key is not stored with it. Nothing was changed. Give the unlock "
    "key (SWMKEY-1-…: `docker swarm unlock-key -q` on a manager of that swarm, or your "
    "password manager) — `--unlock-key-file FILE` here, the unlock key field in the TUI")

AUTOLOCK_MANY = (
    "this backup was taken with autolock on, of a swarm of {managers} managers: once "
    "unlocked, the restored manager waits for its old managers' quorum, and Docker cannot "
    "force a new cluster from a locked raft (moby/moby#36852). Nothing was changed. What to "
    "do: if a manager of the old swarm still runs, `docker swarm update --autolock=false` "
    "there, back up again, then turn autolock on again; keep backups for disaster recovery "
    "from a swarm with autolock off")


def autolock_refusal(manifest: Manifest, unlock_key: str) -> str:
    """Why an autolocked backup cannot be restored with this key ("" when it can: a
    backup of a single-manager swarm, with the key)."""
    if not manifest.autolock:
        return ""
    if not unlock_key:
        return AUTOLOCK_NEEDS_KEY
    if not unlock_key.startswith("SWMKEY-1-"):
        return ("an unlock key starts with SWMKEY-1- (`docker swarm unlock-key -q` shows "
                "it). Nothing was changed")
    if manifest.managers > 1:
        return AUTOLOCK_MANY.format(managers=manifest.managers)
    return ""


@dataclass(frozen=True)
class RestoreRequest:
    endpoint: Endpoint
    options: ConnectOptions
    backup: Backup
    force: bool = False  # even over a host that is in a working swarm
    advertise_addr: str = ""  # default: the host's address we reached it at
    ready_timeout: float = 120.0
    #: an autolocked backup's unlock key (memory only; default: the key stored beside it)
    unlock_key: str = field(default="", repr=False)


@dataclass
class RestoreResult:
    refused: str = ""
    steps: list[Step] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    moved_aside: str = ""  # where the host's old swarm directory went
    notes: list[str] = field(default_factory=list)


def _verify(backup: Backup) -> str:
    digest = hashlib.sha256()
    size = 0
    with backup.archive_path.open("rb") as fh:
        while data := fh.read(1 << 20):
            digest.update(data)
            size += len(data)
    m = backup.manifest
    if size != m.size or digest.hexdigest() != m.sha256:
        raise StepError(f"{backup.archive_path} does not match its manifest (size {size}, "
                        f"expected {m.size}; sha256 differs: the file is damaged or not this "
                        "backup's)")
    return f"{size / 1024:.0f} KiB, sha256 ok"


async def _engine_facts(host: HostSession) -> dict[str, Any] | None:
    """`docker info`, or None when the engine is not answering."""
    try:
        info: dict[str, Any] = await host.call(lambda api: api.info())
    except ConnectError:
        return None
    return info


async def _has_leader(host: HostSession) -> str:
    try:
        nodes: list[dict[str, Any]] = await host.call(lambda api: api.nodes())
    except Exception:  # "The swarm does not have a leader", rpc errors
        return ""
    for n in nodes:
        if (n.get("ManagerStatus") or {}).get("Leader"):
            return str((n.get("Description") or {}).get("Hostname", n.get("ID", "")))
    return ""


def _guard(info: dict[str, Any] | None, leader: str, host: str) -> str:
    """Why restoring over this host needs --force ("" if it does not)."""
    if info is None:
        return ""
    sw = info.get("Swarm", {})
    if sw.get("LocalNodeState") != "active":
        return ""
    if sw.get("ControlAvailable") and leader:
        return (f"{host} is a manager of a working swarm (leader {leader}, "
                f"{sw.get('Managers', '?')} managers): restoring replaces its raft state and "
                "takes it out of that swarm; --force to go ahead")
    if not sw.get("ControlAvailable"):
        return (f"{host} is a worker of a swarm ({sw.get('Cluster', {}).get('ID', '')[:12]}"
                "): restoring makes it the manager of the restored swarm instead; "
                "`docker swarm leave` there first, or --force")
    return ""


async def _readdress(host: HostSession, state_file: str, addr: str) -> str:
    """The engine starts the swarm on the addresses in docker-state.json; on another host
    than the backup's, the old address cannot be bound ("cannot assign requested
    address"): listen on all addresses and advertise this host's, keeping the ports."""
    res = await host.runner.run(f"cat {shlex.quote(state_file)}", sudo=True, timeout=15)
    if not res.ok:
        return f"no {state_file}: left as it is"
    try:
        data = json.loads(res.stdout)
    except json.JSONDecodeError as exc:
        raise StepError(f"{state_file} in the archive is not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise StepError(f"{state_file} in the archive is not a JSON object")
    port = str(data.get("ListenAddr") or ":2377").rsplit(":", 1)[-1] or "2377"
    aport = str(data.get("AdvertiseAddr") or f":{port}").rsplit(":", 1)[-1] or port
    before = data.get("AdvertiseAddr")
    # LocalAddr: an address of this host (the SSH server's); left empty, the engine finds
    # one by a route to RemoteAddr, and a swarm's first manager has none saved: it dials
    # 8.8.8.8, which a host without a default route cannot ("could not find local IP")
    try:
        local = await _advertise_addr(host)
    except StepError:
        local = addr
    data.update(ListenAddr=f"0.0.0.0:{port}", AdvertiseAddr=f"{addr}:{aport}",
                LocalAddr=local)
    written = await host.runner.run(f"cat > {shlex.quote(state_file)}", sudo=True,
                                    input=json.dumps(data).encode(), timeout=15)
    if not written.ok:
        raise StepError(f"cannot write {state_file}: {written.output}")
    return f"advertise {before} → {addr}:{aport}, listen 0.0.0.0:{port}"


async def _advertise_addr(host: HostSession) -> str:
    """The host's address as we reached it ($SSH_CONNECTION's server address)."""
    res = await host.runner.run("echo $SSH_CONNECTION", timeout=15)
    parts = res.stdout.split()
    if len(parts) >= 3:
        return parts[2]
    raise StepError("cannot tell the host's address: give --advertise-addr")


def _inspect_node(api: docker.APIClient, node_id: str) -> dict[str, Any]:
    node: dict[str, Any] = api.inspect_node(node_id)
    return node


async def _leader_ready(host: HostSession, deadline_s: float) -> str:
    end = time.monotonic() + deadline_s
    last = ""
    while time.monotonic() < end:
        try:
            info: dict[str, Any] = await host.call(lambda api: api.info())
            node: dict[str, Any] = await host.call(
                partial(_inspect_node, node_id=str(info.get("Swarm", {}).get("NodeID", ""))))
        except Exception as exc:
            last = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        else:
            ms = node.get("ManagerStatus") or {}
            if node.get("Status", {}).get("State") == "ready" and ms.get("Leader"):
                return "Ready, Leader"
            last = f"node {node.get('Status', {}).get('State')}, leader {ms.get('Leader')}"
        await asyncio.sleep(0.3)
    raise StepError(f"the restored manager did not become a Ready leader within "
                    f"{deadline_s:g} s ({last})")


async def restore_backup(req: RestoreRequest, listener: Listener | None = None
                         ) -> RestoreResult:
    """Restore; see the module docstring. Raises ConnectError, StepError,
    EngineControlError; the result says whether it was refused."""
    label = req.endpoint.label.removeprefix("ssh://")
    steps = Steps("backup.restore", label, req.endpoint.label, listener)
    result = RestoreResult(steps=steps.done)
    backup = req.backup
    key = req.unlock_key.strip() or _stored_key(backup)
    why = autolock_refusal(backup.manifest, key)
    if why:
        result.refused = why
        steps.refuse("check the backup", "docker swarm unlock", why)
        return result
    await steps.run("check the archive against its manifest",
                    f"sha256sum {backup.archive_path}", asyncio.to_thread(_verify, backup),
                    lambda s: s)
    host = await steps.run("connect over SSH", f"ssh {label}",
                           HostSession.open(req.endpoint, req.options))
    try:
        await _restore(req, host, steps, result, label, key)
    finally:
        await host.close()
    return result


def _stored_key(backup: Backup) -> str:
    """The unlock key stored beside the backup (--store-unlock-key), or ""."""
    path = backup.unlock_key_path
    if path is None or not path.is_file():
        return ""
    return path.read_text(encoding="utf-8").strip()


async def _restore(req: RestoreRequest, host: HostSession, steps: Steps,
                   result: RestoreResult, label: str, key: str) -> None:
    m = req.backup.manifest

    async def look() -> tuple[dict[str, Any] | None, str]:
        info = await _engine_facts(host)
        return info, (await _has_leader(host) if info is not None else "")

    info, leader = await steps.run(
        "look at the host's engine", "docker info", look(),
        lambda r: "not answering" if r[0] is None else
        f"swarm {r[0].get('Swarm', {}).get('LocalNodeState')}")
    why = _guard(info, leader, label)
    if why and not req.force:
        result.refused = why
        steps.refuse("check the host", "docker info", why)
        return
    root = str(info.get("DockerRootDir")) if info and info.get("DockerRootDir") else m.docker_root
    addr = req.advertise_addr or await steps.run(
        "find the host's address", "echo $SSH_CONNECTION", _advertise_addr(host), lambda a: a)
    await steps.run("check root access", "sudo -n true", host.check_root())
    control = await steps.run("find how the engine is run", "ps -p 1; ls /etc/init.d/docker",
                              detect_engine_control(host.runner), lambda c: c.label)

    def ssh(command: str) -> str:
        return f"ssh {label} {shlex.quote(command)}"

    await steps.run("stop the engine", ssh(control.stop), stop_engine(host.runner, control))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    swarm_dir = shlex.quote(f"{root}/swarm")
    aside = f"{root}/swarm.before-restore-{stamp}"
    move = f"if [ -e {swarm_dir} ]; then mv {swarm_dir} {shlex.quote(aside)}; echo moved; fi"

    async def move_aside() -> str:
        res = await host.runner.run(move, sudo=True, timeout=120)
        if not res.ok:
            raise StepError(f"cannot move {root}/swarm aside: {res.output}")
        return "moved" if "moved" in res.stdout else ""

    moved = await steps.run(f"move {root}/swarm aside", ssh(move), move_aside(),
                            lambda r: f"to {aside}" if r else f"there was no {root}/swarm")
    result.moved_aside = aside if moved else ""
    untar = f"tar -xzf - -C {shlex.quote(root)}"

    async def unpack() -> str:
        res = await host.stream_from(untar, req.backup.archive_path)
        if not res.ok:
            raise StepError(f"`{untar}` failed (exit {res.exit_status}): {res.output}")
        check = await host.runner.run(f"test -d {swarm_dir}/raft", sudo=True, timeout=15)
        if not check.ok:
            raise StepError(f"the archive did not hold swarm/raft: {root}/swarm/raft is missing")
        return f"{m.size / 1024:.0f} KiB"

    await steps.run(f"unpack the archive into {root}", f"{ssh(untar)} < {req.backup.archive_path}",
                    unpack(), lambda s: s)
    state_file = f"{root}/swarm/docker-state.json"

    async def readdress() -> str:
        return await _readdress(host, state_file, addr)

    await steps.run(f"point the node at {addr}", f"{ssh('cat > ' + state_file)}  "
                    f"# ListenAddr, AdvertiseAddr {addr}", readdress(), lambda s: s)
    await steps.run("start the engine", ssh(control.start), start_engine(host.runner, control))
    info = await steps.run("wait for the engine", "docker info",
                           host.wait_info(req.ready_timeout),
                           lambda i: f"swarm {i.get('Swarm', {}).get('LocalNodeState')}")
    if info.get("Swarm", {}).get("LocalNodeState") == "error":
        raise StepError(f"the restored swarm did not start on {label}: "
                        f"{info.get('Swarm', {}).get('Error') or 'no reason given'}")
    if info.get("Swarm", {}).get("LocalNodeState") == "locked":
        if not key:
            raise StepError(f"the restored swarm is locked on {label}: {AUTOLOCK_NEEDS_KEY}")
        # a single manager's raft: once unlocked it is its own quorum; autolock goes off so
        # that a new cluster can be forced (moby/moby#36852: not from a locked raft)
        await steps.run("unlock the engine", "docker swarm unlock   # the key at its prompt",
                        host.call(lambda api: api.unlock_swarm(key), timeout=SLOW))
        await steps.run("wait until it is the leader", "docker node ls",
                        _leader_ready(host, req.ready_timeout), lambda s: s)
        await steps.run("turn autolock off", "docker swarm update --autolock=false",
                        host.call(lambda api: set_autolock(api, False)))
        result.notes.append("autolock was turned off to force the new cluster: turn it on "
                            "again with `docker swarm update --autolock=true` (a new unlock "
                            "key is printed: keep it)")
    await steps.run(
        "force a new cluster on this manager",
        f"docker swarm init --force-new-cluster --advertise-addr {addr}",
        host.call(lambda api: api.init_swarm(advertise_addr=addr, listen_addr="0.0.0.0:2377",
                                             force_new_cluster=True), timeout=SLOW))
    await steps.run("wait until it is the leader", "docker node ls",
                    _leader_ready(host, req.ready_timeout), lambda s: s)

    async def state() -> None:
        result.nodes = await host.call(lambda api: api.nodes())
        result.services = await host.call(lambda api: api.services())
        result.networks = await host.call(lambda api: api.networks(filters={"scope": "swarm"}))

    await steps.run("read the restored state", "docker node ls; docker service ls", state())
    if m.hostname and info.get("Name") and info.get("Name") != m.hostname:
        result.notes.append(f"the backup was of {m.hostname}; this node keeps that node's "
                            f"identity ({m.node_id[:12]}) under the hostname {info.get('Name')}")
    result.notes.append("the other managers are still listed: re-join them (the TUI's "
                        "recovery wizard, Q, does it), or `docker node rm --force` them and "
                        "join new managers with `docker swarm join-token manager`")
