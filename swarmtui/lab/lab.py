"""The sandbox lab: N real Docker Engine hosts on this machine, optionally in a swarm.

Names and addresses are per lab (`--name`), so two labs never collide:
network namespaces `stl-NAME-I`, bridge `stl-NAME`, veths `stl-NAME-I`,
cgroups `swarmtui-lab/NAME/nodeI`, an iptables rule commented
`swarmtui-lab-NAME`, and a /24 of 100.64.0.0/10 (a range Docker never uses for
its own networks). The lab only ever sends traffic to its own hosts.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from swarmtui.lab import kernel, preflight
from swarmtui.lab.formswarm import form_swarm
from swarmtui.lab.host import HostSpec, new_ssh_key, pid_alive, run
from swarmtui.lab.image import IMAGE, IMPORT_CHANGES, build_rootfs_tar
from swarmtui.lab.kernel import KernelFact
from swarmtui.lab.network import free_slot, make_network, network
from swarmtui.lab.preflight import LabError, find_binary
from swarmtui.lab.state import LabState, global_lock, labs_root, state_lock
from swarmtui.lab.teardown import cleanup

NAME_RE = re.compile(r"^[a-z0-9]{1,8}$")
DEFAULT_NAME = "lab"


class Lab:
    """A named lab. `Lab(name).up(...)`, `.down()`, `.status()`, fault helpers."""

    def __init__(self, name: str = DEFAULT_NAME, root: Path | None = None) -> None:
        if not NAME_RE.match(name):
            raise LabError(f"lab name {name!r} is not allowed: use 1-8 lowercase letters or digits")
        self.name = name
        self.dir = (root or labs_root()) / name
        self.state: LabState | None = None
        self.reload()

    def reload(self) -> None:
        """Read state.json again (unreadable (not root) or corrupt state is no state)."""
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            self.state = LabState.from_json(self.state_file.read_text())

    @contextlib.contextmanager
    def _changing(self, host: str) -> Iterator[HostSpec]:
        """`host` as state.json has it now, saved after the change. Another process
        (`swarmtui lab stop/start …`) may have changed the file since this object read
        it: the old copy would stop processes that no longer run, and saving it would
        write the old pids back over the new ones."""
        with state_lock(self.dir):
            self.reload()
            h = self.host(host)
            yield h
            self.save()

    # --- paths ------------------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.dir / "state.json"

    @property
    def ssh_config(self) -> Path:
        return self.dir / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    @property
    def client_key(self) -> Path:
        return self.dir / "client_key"

    @property
    def bridge(self) -> str:
        return f"stl-{self.name}"

    @property
    def cgroup(self) -> str:
        return f"swarmtui-lab/{self.name}"

    @property
    def rule_comment(self) -> str:
        return f"swarmtui-lab-{self.name}"

    @property
    def hosts(self) -> list[HostSpec]:
        return self.state.hosts if self.state else []

    def host(self, name: str) -> HostSpec:
        for h in self.hosts:
            if h.name == name:
                return h
        known = ", ".join(h.name for h in self.hosts) or "none"
        raise LabError(f"lab {self.name!r} has no host {name!r} (hosts: {known})")

    def is_up(self) -> bool:
        return bool(self.hosts) and all(pid_alive(h.anchor_pid) for h in self.hosts)

    def save(self) -> None:
        assert self.state is not None
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(self.state.to_json())
        tmp.replace(self.state_file)

    # --- up ---------------------------------------------------------------------------
    def up(
        self, nodes: int = 3, managers: int = 1, swarm: bool = True, members: int | None = None
    ) -> LabState:
        """Bring up `nodes` hosts; with `swarm`, the first `members` (default: all) form a
        swarm with `managers` managers, and the rest stay outside it (to be joined later)."""
        members = nodes if members is None else members
        if not 1 <= nodes <= 50:
            raise LabError(f"--nodes must be between 1 and 50, not {nodes}")
        if swarm and not 1 <= members <= nodes:
            raise LabError(f"members must be between 1 and --nodes ({nodes}), not {members}")
        if swarm and not 1 <= managers <= members:
            raise LabError(f"--managers must be between 1 and --nodes ({members}), not {managers}")
        preflight.check()
        if self.is_up():
            raise LabError(
                f"lab {self.name!r} is already up with {len(self.hosts)} "
                f"{'host' if len(self.hosts) == 1 else 'hosts'}. "
                "Run `swarmtui lab down` first, or pick another --name."
            )
        started = time.monotonic()
        with global_lock():
            self._cleanup()
            slot = free_slot(self.name)
            self.dir.mkdir(parents=True, exist_ok=True)
            os.chmod(self.dir, 0o700)
            self.state = LabState(
                self.name, slot, managers if swarm else 0, swarm, created=time.time()
            )
            net = network(slot)
            hosts_addr = list(net.hosts())
            for i in range(1, nodes + 1):
                self.state.hosts.append(
                    HostSpec(
                        name=f"node{i}",
                        index=i,
                        address=str(hosts_addr[9 + i]),
                        prefix=net.prefixlen,
                        netns=f"stl-{self.name}-{i}",
                        veth=f"stl-{self.name}-{i}",
                        cgroup=f"{self.cgroup}/node{i}",
                        dir=str(self.dir / "hosts" / f"node{i}"),
                    )
                )
            self.save()
            try:
                make_network(self.name, self.bridge, self.rule_comment, net, self.state.hosts)
            except LabError:
                self._cleanup()
                raise
        try:
            self._start_hosts()
            if swarm:
                form_swarm(self.state.hosts, managers, members)
        except BaseException:
            with global_lock():
                self._cleanup()
            raise
        self.save()
        self._write_client_files()
        self.state.created = time.time()
        self.save()
        self.ready_seconds = time.monotonic() - started
        return self.state

    def _start_hosts(self) -> None:
        assert self.state is not None
        hosts = self.state.hosts
        if not self.client_key.exists():
            new_ssh_key(self.client_key, f"swarmtui-lab-{self.name}")
        image_tar = build_rootfs_tar(self.dir / "image.tar")
        for h in hosts:
            h.path.mkdir(parents=True, exist_ok=True)
            h.create_cgroup()
            h.generate_host_key()
            h.write_sshd_config(Path(f"{self.client_key}.pub"))
            h.start_anchor()
        for h in hosts:
            h.wait_anchor()
        for h in hosts:
            h.start_dockerd()
            h.start_sshd()
        self.save()
        tar_bytes = image_tar.read_bytes()

        def ready(h: HostSpec) -> None:
            h.wait_dockerd()
            changes = [arg for c in IMPORT_CHANGES for arg in ("--change", c)]
            run(
                [
                    find_binary("docker") or "docker",
                    "-H",
                    f"unix://{h.docker_socket}",
                    "import",
                    *changes,
                    "-",
                    IMAGE,
                ],
                input_=tar_bytes,
            )
            h.wait_sshd()

        with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
            for f in [pool.submit(ready, h) for h in hosts]:
                f.result()

    def _write_client_files(self) -> None:
        lines = [
            f"# ssh_config for swarmtui lab {self.name!r}: ssh -F {self.ssh_config} node1",
            "",
        ]
        known: list[str] = []
        for h in self.hosts:
            lines += [
                f"Host {h.name}",
                f"    HostName {h.address}",
                "    User root",
                "    Port 22",
                f"    IdentityFile {self.client_key}",
                "    IdentitiesOnly yes",
                f"    UserKnownHostsFile {self.known_hosts}",
                "    StrictHostKeyChecking yes",
                "    LogLevel ERROR",
                "",
            ]
            pub = Path(f"{h.host_key}.pub").read_text().split()
            known.append(f"{h.address} {pub[0]} {pub[1]}")
        self.ssh_config.write_text("\n".join(lines))
        self.known_hosts.write_text("\n".join(known) + "\n")

    # --- down / clean-up ------------------------------------------------------------
    def down(self) -> None:
        with global_lock():
            self._cleanup()
        self.state = None

    def _cleanup(self) -> None:
        cleanup(self.name, self.cgroup, self.bridge, self.rule_comment, self.dir)


    # --- status -----------------------------------------------------------------------
    def status(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        nodes: dict[str, tuple[str, str, str]] = {}
        for h in self.hosts:
            if h.docker_ping():
                out = h.docker(
                    "node",
                    "ls",
                    "--format",
                    "{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}",
                    check=False,
                )
                for line in out.splitlines():
                    parts = line.split("|")
                    if len(parts) == 4:
                        nodes[parts[0]] = (parts[1], parts[2], parts[3])
                if nodes:
                    break
        for h in self.hosts:
            status, avail, mgr = nodes.get(h.name, ("-", "-", "-"))
            rows.append(
                {
                    "host": h.name,
                    "address": h.address,
                    "namespaces": "up" if pid_alive(h.anchor_pid) else "gone",
                    "dockerd": "up" if h.docker_ping() else "down",
                    "sshd": "up" if pid_alive(h.sshd_pid) else "down",
                    "node": status,
                    "availability": avail,
                    "manager": mgr or "worker",
                }
            )
        return rows

    # --- helpers for tests and walkthroughs -------------------------------------------
    SAMPLE_SERVICE = "web"

    def seed_sample(self) -> None:
        """A first service for newcomers (`swarmtui lab`): 3 busybox httpd tasks on port
        8080, so the panes and the tour have something to show. No-op if it exists.

        Published with mode=host: this kernel may lack IPVS (see kernel.py), and then the
        ingress routing mesh does not answer; a host-mode port answers on every host that
        runs a task (`curl http://<host address>:8080/`)."""
        first = self.hosts[0]
        if first.docker("service", "ls", "-q", "--filter", f"name={self.SAMPLE_SERVICE}"):
            return
        first.docker("service", "create", "--detach", "--no-resolve-image",
                     "--name", self.SAMPLE_SERVICE, "--replicas", "3",
                     "--publish", "mode=host,target=80,published=8080",
                     IMAGE, "httpd", "-f", "-p", "80")


    def kernel_facts(self) -> list[KernelFact]:
        """What works on this kernel and what does not, probed in the first host's namespace."""
        if not self.hosts:
            raise LabError(f"lab {self.name!r} is not up: run `swarmtui lab up`")
        return kernel.probe(self.hosts[0])

    def ssh_argv(self, host: str, *command: str) -> list[str]:
        return [
            find_binary("ssh") or "ssh",
            "-F",
            str(self.ssh_config),
            "-o",
            "BatchMode=yes",
            host,
            *command,
        ]

    def ssh(
        self, host: str, command: str | Sequence[str], *, check: bool = True, timeout: float = 60
    ) -> str:
        """Run a command on a lab host over real SSH; return its stdout."""
        cmd = command if isinstance(command, str) else shlex.join(command)
        proc = run(self.ssh_argv(host, cmd), check=check, timeout=timeout)
        return proc.stdout.decode(errors="replace").strip()

    def stop_dockerd(self, host: str) -> None:
        with self._changing(host) as h:
            h.stop_dockerd()

    def start_dockerd(self, host: str) -> None:
        with self._changing(host) as h:
            h.start_dockerd()
        h.wait_dockerd()

    def stop_sshd(self, host: str) -> None:
        with self._changing(host) as h:
            h.stop_sshd()

    def start_sshd(self, host: str) -> None:
        with self._changing(host) as h:
            h.start_sshd()
        h.wait_sshd()

    def regenerate_host_key(self, host: str) -> None:
        """Give a host a new SSH host key (as after a reinstall) and restart its sshd."""
        with self._changing(host) as h:
            h.stop_sshd()
            h.generate_host_key()
        self.start_sshd(host)

    def set_link(self, host: str, up: bool) -> None:
        self.host(host).set_link(up)
