"""`swarmtui backup create`: copy a manager's raft state to the jump box.

Docker's procedure, done over one SSH connection: check the quorum survives the manager's
engine being stopped, stop it, tar its swarm directory (streamed to the jump box), start
it again, and wait until the node is back Ready and Reachable. The engine is started
again whatever happened to the copy.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swarmtui.backup.manifest import (
    ARCHIVE_SUFFIX,
    KEY_SUFFIX,
    MANIFEST_SUFFIX,
    Backup,
    Manifest,
    ManifestError,
    backup_name,
    check_archive,
    private_file,
    write_private,
)
from swarmtui.backup.quorum import BackupVerdict, backup_verdict, managers_from_nodes
from swarmtui.backup.remote import SLOW, HostSession
from swarmtui.backup.steps import Listener, Step, StepError, Steps
from swarmtui.bootstrap.engine import (
    EngineControl,
    detect_engine_control,
    start_engine,
    stop_engine,
)
from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm import format as fmt

TAR_FAILED = "swarmtui: tar exited with"


@dataclass(frozen=True)
class CreateRequest:
    endpoint: Endpoint
    options: ConnectOptions
    output: Path  # directory on the jump box
    force: bool = False  # go ahead even when the quorum would be lost meanwhile
    store_unlock_key: bool = False  # write the unlock key beside the archive (0600)
    ready_timeout: float = 120.0  # for the node to be back Ready and Reachable


@dataclass
class CreateResult:
    backup: Backup | None = None
    verdict: BackupVerdict | None = None
    refused: str = ""  # why nothing was done (without --force)
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _SwarmFacts:
    info: dict[str, Any]
    nodes: list[dict[str, Any]]
    swarm: dict[str, Any]
    version: dict[str, Any]

    @property
    def node_id(self) -> str:
        return str(self.info.get("Swarm", {}).get("NodeID", ""))

    @property
    def docker_root(self) -> str:
        return str(self.info.get("DockerRootDir") or "/var/lib/docker")

    @property
    def autolock(self) -> bool:
        enc = self.swarm.get("Spec", {}).get("EncryptionConfig") or {}
        return bool(enc.get("AutoLockManagers"))


async def _read_swarm(host: HostSession) -> _SwarmFacts:
    info: dict[str, Any] = await host.call(lambda api: api.info())
    state = info.get("Swarm", {}).get("LocalNodeState")
    if state != "active":
        raise StepError(f"this engine is not in a swarm (swarm state {state!r}): "
                        "there is no raft state to back up")
    if not info.get("Swarm", {}).get("ControlAvailable"):
        return _SwarmFacts(info, [], {}, await host.call(lambda api: api.version()))
    nodes: list[dict[str, Any]] = await host.call(lambda api: api.nodes())
    swarm: dict[str, Any] = await host.call(lambda api: api.inspect_swarm())
    version: dict[str, Any] = await host.call(lambda api: api.version())
    return _SwarmFacts(info, nodes, swarm, version)


async def _node_back(host: HostSession, node_id: str, deadline_s: float) -> str:
    """Wait until the node is Ready and its manager Reachable, asked through its own API."""
    end = time.monotonic() + deadline_s
    last = "the engine is not answering yet"
    while time.monotonic() < end:
        try:
            node: dict[str, Any] = await host.call(lambda api: api.inspect_node(node_id))
        except Exception as exc:  # starting: connection refused, no leader yet, …
            last = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        else:
            status = node.get("Status", {}).get("State")
            reach = (node.get("ManagerStatus") or {}).get("Reachability")
            leader = (node.get("ManagerStatus") or {}).get("Leader")
            if status == "ready" and reach == "reachable":
                return "Ready, Reachable" + (", Leader" if leader else "")
            last = f"node is {status}, manager {reach}"
        await asyncio.sleep(0.3)
    raise StepError(f"the node was not back Ready and Reachable within {deadline_s:g} s "
                    f"({last})")


def _ssh_line(host: HostSession, command: str) -> str:
    return f"ssh {host.endpoint.label.removeprefix('ssh://')} {shlex.quote(command)}"


async def create_backup(req: CreateRequest, listener: Listener | None = None) -> CreateResult:
    """Take the backup; see the module docstring. Raises ConnectError, StepError,
    EngineControlError; the result says whether it was refused."""
    steps = Steps("backup.create", req.endpoint.label, req.endpoint.label, listener)
    result = CreateResult(steps=steps.done)
    host = await steps.run("connect over SSH", f"ssh {req.endpoint.label.removeprefix('ssh://')}",
                           HostSession.open(req.endpoint, req.options))
    try:
        await _create(req, host, steps, result)
    finally:
        await host.close()
    return result


async def _create(req: CreateRequest, host: HostSession, steps: Steps,
                  result: CreateResult) -> None:
    facts = await steps.run("read the swarm's managers", "docker node ls", _read_swarm(host),
                            lambda f: fmt.count(len(managers_from_nodes(f.nodes)), "manager"))
    managers = managers_from_nodes(facts.nodes)
    if not facts.info.get("Swarm", {}).get("ControlAvailable"):
        known = ", ".join(str(m.get("Addr", "")) for m in
                          facts.info.get("Swarm", {}).get("RemoteManagers") or []) or "unknown"
        why = (f"{facts.info.get('Name') or req.endpoint.label} is a worker: only a manager "
               f"holds the raft log a restore needs; back up one of its managers ({known})")
        result.refused = why
        steps.refuse("check the quorum", "docker info", why)
        return
    verdict = backup_verdict(managers, facts.node_id)
    result.verdict = verdict
    if not verdict.allowed and not req.force:
        why = verdict.block
        if verdict.safe_instead:
            why += f"; back up {', '.join(verdict.safe_instead)} instead"
        elif verdict.managers > 1:
            why += "; no other manager can be stopped without losing the majority either"
        result.refused = why
        steps.refuse("check the quorum", "docker node ls", why)
        return
    result.notes.extend(verdict.warnings)
    if not verdict.allowed:
        result.notes.append(f"--force: {verdict.block}")
    key = ""  # with autolock: the restarted manager comes back locked; kept in memory
    if facts.autolock:
        got: dict[str, Any] = await steps.run(
            "read the unlock key (kept in memory)", "docker swarm unlock-key -q",
            host.call(lambda api: api.get_unlock_key()))
        key = str(got.get("UnlockKey", ""))
    elif req.store_unlock_key:
        result.notes.append("autolock is off: no unlock key is needed to restore; "
                            "none was stored")
    await steps.run("check root access", "sudo -n true", host.check_root())
    control: EngineControl = await steps.run(
        "find how the engine is run", "ps -p 1; ls /etc/init.d/docker",
        detect_engine_control(host.runner), lambda c: c.label)
    root = facts.docker_root
    when = datetime.now(UTC)
    hostname = str(facts.info.get("Name", "") or verdict.target)
    name = backup_name(hostname, when)
    req.output.mkdir(parents=True, exist_ok=True, mode=0o700)
    archive = req.output / f"{name}{ARCHIVE_SUFFIX}"
    part = archive.with_name(archive.name + ".part")
    # gzip -1: the engine is down while this runs; speed over size (the raft WAL is
    # mostly preallocated zeros). tar's own exit status is reported on stderr (no
    # pipefail in every sh); the archive is read back below as well.
    tar = (f"{{ tar -cf - -C {shlex.quote(root)} swarm || echo \"{TAR_FAILED} $?\" >&2; }}"
           " | gzip -1")
    size, digest = 0, ""
    try:
        await steps.run("stop the engine", _ssh_line(host, control.stop),
                        stop_engine(host.runner, control))
        fd = private_file(part)
        try:
            res, size, digest = await steps.run(
                f"archive {root}/swarm", f"{_ssh_line(host, tar)} > {archive}",
                host.stream_to(tar, fd), lambda r: f"{r[1] / 1024:.0f} KiB")
        finally:
            os.close(fd)
        if not res.ok or TAR_FAILED in res.stderr:
            raise StepError(f"`{tar}` failed (exit {res.exit_status}): "
                            f"{res.stderr.strip() or 'no output'}")
    except BaseException as exc:
        part.unlink(missing_ok=True)
        try:  # whatever happened to the copy, the engine runs again
            await steps.run("start the engine", _ssh_line(host, control.start),
                            start_engine(host.runner, control))
        except Exception as again:
            raise StepError(f"{exc}; then starting the engine again failed too: {again} — "
                            f"start it by hand: {_ssh_line(host, control.start)}") from exc
        raise
    await steps.run("start the engine", _ssh_line(host, control.start),
                    start_engine(host.runner, control))
    info = await steps.run("wait for the engine", "docker info",
                           host.wait_info(req.ready_timeout),
                           lambda i: f"swarm {i.get('Swarm', {}).get('LocalNodeState')}")
    if info.get("Swarm", {}).get("LocalNodeState") == "locked":
        await steps.run("unlock the engine", "docker swarm unlock",
                        host.call(lambda api: api.unlock_swarm(key), timeout=SLOW))
    await steps.run(f"wait until {hostname} is Ready and Reachable",
                    f"docker node inspect {hostname} --format "
                    "'{{.Status.State}} {{.ManagerStatus.Reachability}}'",
                    _node_back(host, facts.node_id, req.ready_timeout), lambda s: s)
    try:
        await steps.run("check the archive", f"tar -tzf {archive}",
                        asyncio.to_thread(check_archive, part), lambda n: fmt.count(n, "file"))
    except ManifestError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, archive)
    own = next((n for n in facts.nodes if n.get("ID") == facts.node_id), {})
    addr = str((own.get("ManagerStatus") or {}).get("Addr", "")) or str(
        facts.info.get("Swarm", {}).get("NodeAddr", ""))
    key_file = ""
    if key and req.store_unlock_key:
        key_file = f"{name}{KEY_SUFFIX}"
        write_private(req.output / key_file, key + "\n")
    manifest = Manifest(
        swarm_id=str(facts.info.get("Swarm", {}).get("Cluster", {}).get("ID", "")),
        node_id=facts.node_id, hostname=hostname, node_addr=addr,
        engine_version=str(facts.version.get("Version", "")),
        created=when.isoformat(timespec="seconds"), autolock=facts.autolock,
        managers=len(managers), docker_root=root, archive=archive.name, size=size,
        sha256=digest, source=req.endpoint.label, unlock_key_file=key_file)
    manifest_path = req.output / f"{name}{MANIFEST_SUFFIX}"
    write_private(manifest_path, manifest.to_json())
    result.backup = Backup(manifest, manifest_path)
    if facts.autolock:
        result.notes.append(
            "autolock is on: the restarted manager was unlocked with the key read from the "
            "swarm (in memory only" + (f"; stored as {key_file}" if key_file else
                                       ", not stored: --store-unlock-key would") + "). "
            "Restoring it needs that key, and works only for a swarm of one manager: Docker "
            "cannot force a new cluster from a locked raft (moby/moby#36852); for a backup "
            "that restores after the quorum is lost, back up with autolock off")
