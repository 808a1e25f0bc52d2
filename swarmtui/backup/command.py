"""`swarmtui backup create|list|restore`: the command line around the domain (printing,
host-key questions on the terminal, exit codes: 0 done, 1 refused or failed, 2 usage)."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import shutil
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import docker
import requests

from swarmtui.backup.manifest import ManifestError, default_dir, find_backup, list_backups
from swarmtui.backup.steps import Step, StepError
from swarmtui.bootstrap.engine import EngineControlError
from swarmtui.connect.endpoint import Endpoint, parse_endpoint, resolve_target
from swarmtui.connect.errors import ConnectError
from swarmtui.connect.hostkeys import HostKeyQuestion, TrustCallback, TrustDecision, fixed_trust
from swarmtui.connect.options import ConnectOptions
from swarmtui.connect.sshconf import ssh_config_files
from swarmtui.secrets import redact


class UsageError(Exception):
    """Bad arguments; exit 2."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser(
        "backup", help="back up a manager's raft state, list backups, restore one",
        description="Docker's backup procedure over SSH: stop a manager's engine (only if the "
        "quorum holds without it), copy /var/lib/docker/swarm to this machine, start it again.")
    bsub = backup.add_subparsers(dest="backup_cmd", required=True)
    conn = argparse.ArgumentParser(add_help=False)
    conn.add_argument("--ssh-config", action="append", default=[], metavar="PATH",
                      help="an extra ssh_config file to read (e.g. the lab's); may repeat")
    conn.add_argument("--trust-host-key", choices=["ask", "once", "save", "never"],
                      default="ask", help="an unknown SSH host key: ask on the terminal "
                      "(default), trust it for this run, trust and save it, or refuse. "
                      "A changed key is always refused.")
    conn.add_argument("--profile", "-p", help="a cluster profile from the config file")
    conn.add_argument("--config", metavar="PATH", help="config file (default: see "
                      "`swarmtui config path`)")
    conn.add_argument("--force", action="store_true",
                      help="go ahead where swarmtui would refuse (see the refusal's message)")
    create = bsub.add_parser("create", parents=[conn],
                             help="back up MANAGER's /var/lib/docker/swarm to this machine")
    create.add_argument("manager", nargs="?", help="ssh://[user@]host or an ssh_config alias "
                        "(default: the profile's first manager)")
    create.add_argument("--output", metavar="DIR", help=f"where the archive goes (default "
                        f"{default_dir()})")
    create.add_argument("--store-unlock-key", action="store_true",
                        help="with autolock: also store the unlock key beside the archive "
                        "(mode 0600; without this it is never stored)")
    create.add_argument("--autolock-ok", action="store_true",
                        help="with autolock on and several managers: take the backup although "
                        "it cannot restore the swarm after its quorum is lost "
                        "(moby/moby#36852); without this, asked on a terminal, else refused "
                        "before anything is stopped")
    create.add_argument("--print-cron", action="store_true",
                        help="print the crontab line that takes this backup every night, "
                        "and do nothing else")
    lst = bsub.add_parser("list", help="the backups on this machine, with their manifests")
    lst.add_argument("--dir", metavar="DIR", help=f"where to look (default {default_dir()})")
    restore = bsub.add_parser(
        "restore", parents=[conn],
        help="restore ARCHIVE on HOST and force a new cluster there")
    restore.add_argument("host", help="ssh://[user@]host or an ssh_config alias")
    restore.add_argument("archive", help="a backup's name, archive or manifest "
                         "(`swarmtui backup list`)")
    restore.add_argument("--dir", metavar="DIR", help="where named backups are looked up")
    restore.add_argument("--unlock-key-file", metavar="FILE",
                         help="an autolocked backup: the file holding the swarm's unlock key "
                         "(default: the key stored beside the backup, if it was)")
    restore.add_argument("--advertise-addr", metavar="ADDR", default="",
                         help="the restored manager's address (default: the host's address "
                         "as reached over SSH)")


def terminal_trust(mode: str, out: TextIO) -> TrustCallback:
    """`--trust-host-key`: a fixed answer, or (ask) a question on the terminal."""
    if mode != "ask":
        return fixed_trust(mode)

    async def ask(question: HostKeyQuestion) -> TrustDecision:
        print(question.text, file=out, flush=True)
        if not sys.stdin.isatty():
            print("No terminal to ask on: not connecting (--trust-host-key once|save to "
                  "decide without asking).", file=out, flush=True)
            return TrustDecision.CANCEL
        answer = await asyncio.to_thread(
            input, "Trust it once, save it to known_hosts, or cancel? [o/s/N] ")
        return {"o": TrustDecision.ONCE, "s": TrustDecision.SAVE}.get(
            answer.strip().lower()[:1], TrustDecision.CANCEL)

    return ask


def terminal_yes(out: TextIO) -> Callable[[str], Awaitable[bool]]:
    """A yes/no question on the terminal: only y or yes goes on (end of input: no)."""

    async def ask(said: str) -> bool:
        print(f"warning: {said}", file=out, flush=True)
        try:
            answer = await asyncio.to_thread(input, "Take this backup anyway? [y/N] ")
        except EOFError:
            answer = ""
        return answer.strip().lower() in ("y", "yes")

    return ask


def _endpoint(args: argparse.Namespace, given: str | None) -> tuple[Endpoint, list[str], bool]:
    """The SSH endpoint, the extra ssh_config files, and whether the profile is read-only."""
    from swarmtui.config import load_settings

    settings = load_settings(args.config)
    extra = [*args.ssh_config, *settings.ssh_config]
    read_only = settings.read_only
    if args.profile:
        prof = settings.profiles.get(args.profile)
        if prof is None:
            known = ", ".join(sorted(settings.profiles)) or "none defined"
            raise UsageError(f"there is no profile {args.profile!r} (profiles: {known})")
        extra += prof.ssh_config
        if prof.read_only is not None:
            read_only = prof.read_only
        if given:
            ep = parse_endpoint(given)
        else:
            ep = resolve_target(profile=args.profile, settings=settings).endpoints[0]
    elif given:
        ep = resolve_target(given, settings=settings).endpoints[0]
    else:
        raise UsageError("give the manager to back up (or --profile)")
    return ep, extra, read_only


def _options(args: argparse.Namespace, extra: Sequence[str], out: TextIO) -> ConnectOptions:
    return ConnectOptions(trust=terminal_trust(args.trust_host_key, out),
                          ssh_config=ssh_config_files(extra))


def _printer(out: TextIO) -> Any:
    def show(step: Step) -> None:
        if step.state == "running":
            print(f"  → {step.name}\n      $ {redact(step.cli)}", file=out, flush=True)
        else:
            print(step.line, file=out, flush=True)

    return show


def cron_line(args: argparse.Namespace, manager: str, output: Path) -> str:
    return cron_entry(manager if args.manager else "", output, args.ssh_config,
                      config=args.config or "", profile=args.profile or "", force=args.force,
                      autolock_ok=args.autolock_ok)


def cron_entry(manager: str, output: Path, ssh_config: Sequence[str], *, config: str = "",
               profile: str = "", force: bool = False, autolock_ok: bool = False) -> str:
    """The crontab line that takes this backup every night at 03:17."""
    exe = shutil.which("swarmtui")
    cmd = [exe] if exe else [sys.executable, "-m", "swarmtui"]
    cmd += ["backup", "create"]
    for f in ssh_config:
        cmd += ["--ssh-config", str(Path(f).expanduser().resolve())]
    cmd += ["--trust-host-key", "never"]  # no one to ask at 03:17: the key must be known
    if config:
        cmd += ["--config", str(Path(config).expanduser().resolve())]
    if profile:
        cmd += ["--profile", profile]
    if manager:
        cmd.append(manager)
    cmd += ["--output", str(output.expanduser().resolve())]
    if force:
        cmd.append("--force")
    if autolock_ok:
        cmd.append("--autolock-ok")
    from swarmtui.audit import state_dir

    log = state_dir() / "backup-cron.log"
    return f"17 3 * * * {shlex.join(cmd)} >> {shlex.quote(str(log))} 2>&1"


def _read_key(path: str) -> str:
    """The unlock key from a file (kept in memory only)."""
    return Path(path).expanduser().read_text(encoding="utf-8").strip()


def _dir(given: str | None) -> Path:
    return Path(given).expanduser() if given else default_dir()


async def _create(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from swarmtui.backup.create import CreateRequest, create_backup

    ep, extra, read_only = _endpoint(args, args.manager)
    output = _dir(args.output)
    if args.print_cron:
        print("# every night at 03:17; cron has no ssh-agent and no terminal: the SSH key "
              "must be readable without a passphrase and the host key already known", file=out)
        print(cron_line(args, args.manager or "", output), file=out)
        return 0
    if read_only:
        print("swarmtui backup: this cluster is read-only (read_only in the config): a backup "
              "stops a manager's engine; nothing was done", file=err)
        return 1
    print(f"backing up {ep.label} to {output}", file=out, flush=True)
    req = CreateRequest(ep, _options(args, extra, out), output, force=args.force,
                        store_unlock_key=args.store_unlock_key, autolock_ok=args.autolock_ok,
                        ask=terminal_yes(out) if sys.stdin.isatty() else None)
    res = await create_backup(req, _printer(out))
    if res.verdict is not None:
        print(f"quorum: {res.verdict.summary}", file=out)
    for note in res.notes:
        print(f"note: {note}", file=out)
    if res.refused:
        print(f"swarmtui backup: refused: {res.refused}", file=err)
        return 1
    assert res.backup is not None
    total = sum(s.seconds for s in res.steps)
    print(f"backup written in {total:.1f} s: {res.backup.archive_path} "
          f"(manifest {res.backup.manifest_path.name})", file=out)
    return 0


def _list(args: argparse.Namespace, out: TextIO) -> int:
    directory = _dir(args.dir)
    found, problems = list_backups(directory)
    for p in problems:
        print(f"problem: {p}", file=out)
    if not found:
        print(f"no backups in {directory}", file=out)
        return 0
    print(f"backups in {directory}:", file=out)
    rows = [("CREATED (UTC)", "HOST", "SWARM", "ENGINE", "MANAGERS", "AUTOLOCK", "SIZE", "NAME")]
    for b in found:
        m = b.manifest
        lock = ("yes, key stored" if m.unlock_key_file else "yes, key needed") if m.autolock \
            else "no"
        size = f"{m.size / 1024:.0f} KiB" if b.archive_path.is_file() else "archive missing"
        rows.append((m.created.replace("+00:00", "Z"), m.hostname, m.swarm_id[:12],
                     m.engine_version, str(m.managers), lock, size,
                     m.archive.removesuffix(".tar.gz")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)
    return 0


async def _restore(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from swarmtui.backup.restore import RestoreRequest, restore_backup

    backup = find_backup(args.archive, _dir(args.dir))
    ep, extra, read_only = _endpoint(args, args.host)
    if read_only:
        print("swarmtui backup: this cluster is read-only (read_only in the config); "
              "nothing was done", file=err)
        return 1
    m = backup.manifest
    print(f"restoring {backup.archive_path.name} (swarm {m.swarm_id[:12]}, from {m.hostname}, "
          f"{m.created}) on {ep.label}", file=out, flush=True)
    key = _read_key(args.unlock_key_file) if args.unlock_key_file else ""
    req = RestoreRequest(ep, _options(args, extra, out), backup, force=args.force,
                         advertise_addr=args.advertise_addr, unlock_key=key)
    res = await restore_backup(req, _printer(out))
    if res.refused:
        print(f"swarmtui backup: refused: {res.refused}", file=err)
        return 1
    total = sum(s.seconds for s in res.steps)
    print(f"restored in {total:.1f} s" + (f"; the host's old swarm directory is kept at "
                                          f"{res.moved_aside}" if res.moved_aside else ""),
          file=out)
    print("\nnodes:", file=out)
    for n in res.nodes:
        ms = n.get("ManagerStatus") or {}
        role = "Leader" if ms.get("Leader") else str(ms.get("Reachability", "")).capitalize()
        print(f"  {(n.get('Description') or {}).get('Hostname', '?'):<16} "
              f"{str(n.get('Status', {}).get('State', '?')).capitalize():<8} "
              f"{str(n.get('Spec', {}).get('Availability', '?')).capitalize():<8} {role}",
              file=out)
    print("services:", file=out)
    for s in res.services:
        print(f"  {s.get('Spec', {}).get('Name', '?')}", file=out)
    print("networks:", file=out)
    for net in res.networks:
        print(f"  {net.get('Name', '?'):<20} {net.get('Driver', '')}", file=out)
    for note in res.notes:
        print(f"note: {note}", file=out)
    return 0


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`swarmtui backup …`; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.backup_cmd == "list":
            return _list(args, out)
        if args.backup_cmd == "create":
            return asyncio.run(_create(args, out, err))
        return asyncio.run(_restore(args, out, err))
    except UsageError as exc:
        print(f"swarmtui backup: {exc}", file=err)
        return 2
    except (ConnectError, StepError, EngineControlError, ManifestError) as exc:
        print(f"swarmtui backup: {redact(str(exc))}", file=err)
        return 1
    except docker.errors.DockerException as exc:  # the engine refused a call
        explanation = getattr(exc, "explanation", None) or str(exc)
        print(f"swarmtui backup: the Docker Engine said: {redact(str(explanation))}", file=err)
        return 1
    except requests.exceptions.RequestException as exc:
        print(f"swarmtui backup: the Docker Engine did not answer ({redact(str(exc))})",
              file=err)
        return 1
    except OSError as exc:
        print(f"swarmtui backup: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=err)
        return 1
    except KeyboardInterrupt:
        print("swarmtui backup: interrupted", file=err)
        return 130
