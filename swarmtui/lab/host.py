"""One lab host: its own network, UTS and mount namespaces, dockerd and sshd.

A host is anchored by a long-lived process (the "anchor") created with
`nsenter --net=/run/netns/NS unshare --uts --mount --propagation private`.
Inside it, /run is a fresh tmpfs and /var/lib/docker and /etc/docker are
bind-mounted from the host's own directory, so the host's dockerd listens on
the default socket and sshd on port 22 of the host's address. Every process of
the host lives in the host's own pids cgroup, so teardown finds them all,
containers included (dockerd runs with --cgroup-parent under it).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from swarmtui.lab.preflight import LabError, find_binary

CGROUP_ROOT = Path("/sys/fs/cgroup")


def new_ssh_key(path: Path, comment: str) -> None:
    """An ed25519 key pair without a passphrase at `path` (and `path`.pub)."""
    run([find_binary("ssh-keygen") or "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
         "-C", comment, "-f", str(path)])


def run(
    argv: Sequence[str], *, check: bool = True, input_: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run a command; on failure raise LabError carrying its stderr."""
    try:
        proc = subprocess.run(
            list(argv), input=input_, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"`{' '.join(argv)}` did not finish within {timeout:.0f} s") from exc
    if check and proc.returncode != 0:
        err = (proc.stderr or proc.stdout).decode(errors="replace").strip()
        raise LabError(f"`{' '.join(argv)}` failed (exit {proc.returncode}): {err}")
    return proc


def wait_until(what: str, predicate: object, deadline_s: float, interval: float = 0.05) -> None:
    """Poll `predicate()` until it is true or the deadline passes (then LabError)."""
    assert callable(predicate)
    end = time.monotonic() + deadline_s
    while True:
        if predicate():
            return
        if time.monotonic() > end:
            raise LabError(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


@dataclass
class HostSpec:
    """Everything needed to find and manage one host; stored in the lab state."""

    name: str  # hostname, also the ssh_config alias: node1, node2, ...
    index: int
    address: str  # e.g. 100.64.7.11
    prefix: int  # e.g. 24
    netns: str  # e.g. stl-test-1
    veth: str  # outer end, on the lab bridge
    cgroup: str  # relative cgroup path, e.g. swarmtui-lab/test/node1
    dir: str  # per-host directory: docker data, etc-docker, ssh host key, logs
    anchor_pid: int = 0
    dockerd_pid: int = 0
    sshd_pid: int = 0

    @property
    def path(self) -> Path:
        return Path(self.dir)

    @property
    def docker_socket(self) -> str:
        """The host's /var/run/docker.sock, reachable from the root namespace."""
        return f"/proc/{self.anchor_pid}/root/run/docker.sock"

    @property
    def host_key(self) -> Path:
        return self.path / "ssh_host_ed25519_key"

    # --- running things inside the host -------------------------------------------

    def enter(self) -> list[str]:
        """argv prefix that runs a command inside this host's namespaces."""
        return [
            find_binary("nsenter") or "nsenter",
            "-t",
            str(self.anchor_pid),
            "-m",
            "-u",
            "-n",
            "--",
        ]

    def exec(self, argv: Sequence[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
        return run([*self.enter(), *argv], **kw)  # type: ignore[arg-type]

    def docker(self, *args: str, check: bool = True, timeout: float = 60) -> str:
        """Run the docker CLI against this host's engine (local socket, no SSH)."""
        proc = run(
            [find_binary("docker") or "docker", "-H", f"unix://{self.docker_socket}", *args],
            check=check,
            timeout=timeout,
        )
        return proc.stdout.decode(errors="replace").strip()

    def _spawn(self, argv: Sequence[str], log_name: str, env: dict[str, str] | None = None) -> int:
        """Start a long-lived process in this host's cgroup; it outlives the CLI."""
        log = open(self.path / log_name, "ab")  # noqa: SIM115 - handed to the child
        cgroup_procs = CGROUP_ROOT / "pids" / self.cgroup / "cgroup.procs"

        def join_cgroup() -> None:
            with contextlib.suppress(OSError), open(cgroup_procs, "w", encoding="ascii") as fh:
                fh.write(str(os.getpid()))

        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=join_cgroup,
                env=env,
            )
        finally:
            log.close()
        return proc.pid

    # --- lifecycle -------------------------------------------------------------------

    def create_cgroup(self) -> None:
        (CGROUP_ROOT / "pids" / self.cgroup).mkdir(parents=True, exist_ok=True)

    def start_anchor(self) -> None:
        for sub in ("docker", "etc-docker"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        Path("/var/lib/docker").mkdir(parents=True, exist_ok=True)
        Path("/etc/docker").mkdir(parents=True, exist_ok=True)
        script = "; ".join(
            [
                "set -e",
                f"hostname {self.name}",
                "mount -t tmpfs -o mode=0755 tmpfs /run",
                "mkdir -p /run/sshd /run/lock",
                f"mount --bind {self.path / 'docker'} /var/lib/docker",
                f"mount --bind {self.path / 'etc-docker'} /etc/docker",
                *self._fresh_dotfiles(),
                "ip link set lo up",
                "exec sleep infinity",
            ]
        )
        argv = [
            find_binary("nsenter") or "nsenter",
            f"--net=/run/netns/{self.netns}",
            find_binary("unshare") or "unshare",
            "--uts",
            "--mount",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            script,
        ]
        self.anchor_pid = self._spawn(argv, "anchor.log")

    def _fresh_dotfiles(self) -> list[str]:
        """Mounts that hide the jump box's root shell start-up files inside the host.

        A lab host shares the jump box's filesystem, so `ssh node1 docker ps` would run
        the jump box's ~/.bashrc (pyenv init, rehash under a lock that waits up to 60 s
        when many shells start at once: seen as "did not finish within 60 s"). A fresh
        host has no such files: each one found is covered by an empty file of the lab.
        """
        home = Path(pwd.getpwuid(0).pw_dir)
        blank = self.path / "blank-dotfile"
        blank.write_text("# a lab host: the jump box's shell start-up files are not run here\n")
        return [
            f"mount --bind {shlex.quote(str(blank))} {shlex.quote(str(home / name))}"
            for name in (".bashrc", ".profile", ".bash_profile", ".bash_login")
            if (home / name).is_file()
        ]

    def wait_anchor(self, deadline_s: float = 10) -> None:
        def ready() -> bool:
            if not pid_alive(self.anchor_pid):
                log = (self.path / "anchor.log").read_text(errors="replace").strip()
                raise LabError(f"{self.name}: the namespace set-up failed: {log or 'no output'}")
            try:
                cmd = Path(f"/proc/{self.anchor_pid}/cmdline").read_bytes()
            except OSError:
                return False
            return cmd.startswith(b"sleep")

        wait_until(f"{self.name}'s namespaces", ready, deadline_s)

    def _dockerd_env_argv(self) -> tuple[dict[str, str], list[str]]:
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            # Use the local image at once instead of trying an unreachable registry
            # for ~20 s per task (see shared/LAB.md).
            "DOCKER_SERVICE_PREFER_OFFLINE_IMAGE": "1",
        }
        argv = [
            find_binary("dockerd") or "dockerd",
            "--host",
            "unix:///var/run/docker.sock",
            "--cgroup-parent",
            f"/{self.cgroup}/docker",
            "--shutdown-timeout",
            "2",
            "--log-level",
            "warn",
        ]
        return env, argv

    def write_engine_starter(self) -> Path:
        """The host's own way to stop and start its engine from inside it (over SSH), as
        /etc/docker/swarmtui-lab-dockerd [stop|start|restart] (default restart): what
        systemctl is on a real host. Daemon health (swarmtui/swarm/reach) and backups
        (swarmtui/bootstrap/engine.py) find it there; `lab stop` finds the pid in
        /run/docker.pid."""
        env, argv = self._dockerd_env_argv()
        path = self.path / "etc-docker" / "swarmtui-lab-dockerd"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        log = shlex.quote(str(self.path / "dockerd.log"))
        path.write_text(
            "#!/bin/sh\n"
            "# written by swarmtui lab: stop, start or restart this lab host's dockerd, as\n"
            "# `swarmtui lab stop|start HOST dockerd` does from outside\n"
            "alive() { [ -n \"$1\" ] && [ -d /proc/$1 ] &&\n"
            "  ! grep -q '^State:.*Z' /proc/$1/status; }\n"
            "pid=$(cat /var/run/docker.pid 2>/dev/null)\n"
            'case "${1:-restart}" in stop|restart)\n'
            '  if alive "$pid"; then\n'
            '    kill "$pid"; i=0\n'
            '    while alive "$pid" && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done\n'
            '    alive "$pid" && kill -KILL "$pid"\n'
            "  fi\n"
            '  [ "$1" = stop ] && exit 0 ;;\n'
            'start) alive "$pid" && exit 0 ;;\n'
            '*) echo "usage: $0 [stop|start|restart]" >&2; exit 2 ;;\n'
            "esac\n"
            f"{exports} setsid {shlex.join(argv)} >>{log} 2>&1 </dev/null &\n"
            "i=0\n"
            "while [ $i -lt 300 ]; do\n"
            "  docker info >/dev/null 2>&1 && exit 0\n"
            "  sleep 0.1; i=$((i+1))\n"
            "done\n"
            "echo 'dockerd did not answer within 30 s' >&2; exit 1\n"
        )
        path.chmod(0o755)
        return path

    def running_dockerd(self) -> int:
        """The pid of this host's dockerd, however it was started (0: none)."""
        if self.dockerd_pid and pid_alive(self.dockerd_pid):
            return self.dockerd_pid
        try:
            pid = int(Path(f"/proc/{self.anchor_pid}/root/run/docker.pid").read_text().strip())
        except (OSError, ValueError):
            return 0
        return pid if pid_alive(pid) else 0

    def start_dockerd(self) -> None:
        self.write_engine_starter()
        running = self.running_dockerd()
        if running:  # started from inside the host (over SSH): adopt it
            self.dockerd_pid = running
            return
        env, argv = self._dockerd_env_argv()
        self.dockerd_pid = self._spawn([*self.enter(), *argv], "dockerd.log", env=env)

    def docker_ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1)
                s.connect(self.docker_socket)
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                return b"200 OK" in s.recv(256)
        except OSError:
            return False

    def wait_dockerd(self, deadline_s: float = 30) -> None:
        self._wait_started("dockerd", self.dockerd_pid, self.docker_ping, deadline_s)

    def _wait_started(self, daemon: str, pid: int, answers: Callable[[], bool],
                      deadline_s: float) -> None:
        """Wait until `daemon` (process `pid`, logging to DAEMON.log) answers; if it exits
        first, the end of its log says why."""
        def ready() -> bool:
            if not pid_alive(pid):
                tail = (self.path / f"{daemon}.log").read_text(errors="replace")[-800:]
                raise LabError(f"{self.name}: {daemon} exited during start-up: {tail.strip()}")
            return answers()

        wait_until(f"{self.name}'s {daemon}", ready, deadline_s)

    def stop_dockerd(self, deadline_s: float = 20) -> None:
        """Stop dockerd gracefully (a real fault: node Down, manager unreachable)."""
        self.dockerd_pid = self.running_dockerd()
        if self.dockerd_pid and pid_alive(self.dockerd_pid):
            os.kill(self.dockerd_pid, signal.SIGTERM)
            try:
                wait_until(
                    f"{self.name}'s dockerd to stop",
                    lambda: not pid_alive(self.dockerd_pid),
                    deadline_s,
                )
            except LabError:
                os.kill(self.dockerd_pid, signal.SIGKILL)
        self.dockerd_pid = 0

    def write_sshd_config(self, authorized_keys: Path) -> Path:
        cfg = self.path / "sshd_config"
        cfg.write_text(
            "\n".join(
                [
                    f"ListenAddress {self.address}",
                    "Port 22",
                    f"HostKey {self.host_key}",
                    # the lab key for every user; a user may add their own (tests do)
                    f"AuthorizedKeysFile {authorized_keys} .ssh/authorized_keys",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "StrictModes no",
                    "UsePAM no",
                    "PidFile /run/sshd.pid",
                    "AllowTcpForwarding yes",
                    "AllowStreamLocalForwarding yes",
                    "ClientAliveInterval 15",
                    "MaxStartups 100:30:200",
                    "MaxSessions 50",
                    "Subsystem sftp internal-sftp",
                    "",
                ]
            )
        )
        return cfg

    def generate_host_key(self) -> None:
        for suffix in ("", ".pub"):
            Path(f"{self.host_key}{suffix}").unlink(missing_ok=True)
        new_ssh_key(self.host_key, f"{self.name}-host")

    def start_sshd(self) -> None:
        argv = [
            *self.enter(),
            find_binary("sshd") or "sshd",
            "-D",
            "-e",
            "-f",
            str(self.path / "sshd_config"),
        ]
        self.sshd_pid = self._spawn(argv, "sshd.log")

    def sshd_listening(self) -> bool:
        try:
            with socket.create_connection((self.address, 22), timeout=1) as s:
                return s.recv(4).startswith(b"SSH-")
        except OSError:
            return False

    def wait_sshd(self, deadline_s: float = 15) -> None:
        self._wait_started("sshd", self.sshd_pid, self.sshd_listening, deadline_s)

    def stop_sshd(self) -> None:
        if pid_alive(self.sshd_pid):
            os.kill(self.sshd_pid, signal.SIGTERM)
            wait_until(f"{self.name}'s sshd to stop", lambda: not pid_alive(self.sshd_pid), 10)
        self.sshd_pid = 0

    def set_link(self, up: bool) -> None:
        """Take the host's cable out (or put it back): its veth on the bridge."""
        run([find_binary("ip") or "ip", "link", "set", self.veth, "up" if up else "down"])


def cgroup_pids(relative: str) -> list[int]:
    """Every pid in a pids-cgroup subtree."""
    base = CGROUP_ROOT / "pids" / relative
    pids: list[int] = []
    if not base.exists():
        return pids
    for procs in base.rglob("cgroup.procs"):
        with contextlib.suppress(OSError):
            pids.extend(int(line) for line in procs.read_text().split())
    return pids


def kill_cgroup(relative: str, deadline_s: float = 10) -> None:
    """SIGKILL every process of a cgroup subtree, wait for them, remove the cgroups."""
    end = time.monotonic() + deadline_s
    while True:
        pids = [p for p in cgroup_pids(relative) if pid_alive(p)]
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > end:
            raise LabError(f"processes {pids} of cgroup {relative} would not die")
        time.sleep(0.05)
    remove_cgroup_dirs(relative)


def remove_cgroup_dirs(relative: str, only_if_empty: bool = False) -> None:
    """rmdir the subtree in every hierarchy (runc makes dirs in all of them)."""
    if not CGROUP_ROOT.exists():
        return
    for hierarchy in CGROUP_ROOT.iterdir():
        base = hierarchy / relative
        if not base.is_dir():
            continue
        if only_if_empty:
            with contextlib.suppress(OSError):
                base.rmdir()
            continue
        dirs = sorted((p for p in base.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
        for d in [*dirs, base]:
            end = time.monotonic() + 5
            while True:
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > end:
                        break
                    time.sleep(0.05)
