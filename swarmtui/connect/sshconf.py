"""Resolve an ssh endpoint through ssh_config files, the way `ssh` would.

Reads ~/.ssh/config plus extra files (--ssh-config, the config file's
`ssh_config`, a profile's `ssh_config`) with asyncssh's own OpenSSH config
parser, and returns the options swarmtui needs to handle itself: where to
connect, as whom, with which keys, which known_hosts file to check and write,
and the ProxyJump hops (opened one by one, each with the same host-key checks).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from swarmtui.connect.endpoint import Endpoint, _parse_bare
from swarmtui.connect.errors import ConnectError, EndpointError


@dataclass(frozen=True)
class SshTarget:
    """The resolved way to one SSH host."""

    alias: str  # the name looked up in ssh_config (what the user typed)
    hostname: str  # where to connect (HostName)
    port: int
    user: str
    identity_files: tuple[str, ...]  # IdentityFile entries that exist (empty: ssh defaults)
    known_hosts: Path  # UserKnownHostsFile (first) or ~/.ssh/known_hosts: checked and written
    other_known_hosts: tuple[Path, ...]  # further UserKnownHostsFile/GlobalKnownHostsFile: read
    host_key_alias: str | None  # HostKeyAlias, the name known_hosts is searched under
    proxy_jump: tuple[str, ...]  # hops ([user@]host[:port]), first one contacted first
    proxy_command: str | None
    config_files: tuple[Path, ...]
    keepalive_interval: float | None  # ServerAliveInterval, if set
    connect_timeout: float | None  # ConnectTimeout, if set
    hash_known_hosts: bool = False  # HashKnownHosts: save new keys as |1|salt|hash
    #: the name handed to asyncssh, which applies ssh_config under it (Ciphers, agent, …):
    #: the alias itself, or the address for a learned manager (whose alias settings are
    #: passed explicitly: user, port, keys, known_hosts, jump)
    connect_as: str = ""

    @property
    def known_hosts_name(self) -> str:
        return self.host_key_alias or self.hostname

    @property
    def all_known_hosts(self) -> tuple[Path, ...]:
        return (self.known_hosts, *self.other_known_hosts)

    @property
    def can_save_keys(self) -> bool:
        """False when UserKnownHostsFile is /dev/null (or another non-file): a key saved
        there is gone at once, so "trust and save" can only trust for this run."""
        kh = self.known_hosts
        return not (str(kh) == os.devnull or (kh.exists() and not kh.is_file()))


_PARSER: list[Any] = []


def _parser() -> Any:
    """asyncssh's ssh_config parser, plus the options it ignores that swarmtui honours
    (made on first use: importing asyncssh is ~0.2 s of CPU, issue 17)."""
    if not _PARSER:
        from asyncssh.config import SSHClientConfig, SSHConfig

        class _ClientConfig(SSHClientConfig):
            _handlers = {**SSHClientConfig._handlers,
                         "hashknownhosts": ("HashKnownHosts", SSHConfig._set_bool)}

        _PARSER.append(_ClientConfig)
    return _PARSER[0]


def ssh_config_files(extra: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """~/.ssh/config (if readable) followed by the extra files, without duplicates."""
    files: list[Path] = []
    default = Path("~/.ssh/config").expanduser()
    if os.access(default, os.R_OK):
        files.append(default)
    for p in extra:
        path = Path(p).expanduser()
        if not path.is_file():
            raise EndpointError(f"the ssh_config file {path} does not exist",
                                "fix the --ssh-config / ssh_config path")
        if path not in files:
            files.append(path)
    return files


#: the ssh_config as it applies to one host, by (the files as they were, host, user, port):
#: parsing is pure Python (shlex), ~10 ms a file, and the node pool resolves a node on each
#: connection attempt — at 1,000 nodes the parsing held the GIL most of the time
_LOADED: dict[tuple[Any, ...], Any] = {}
_LOADED_MAX = 4096


def file_stamp(path: Path) -> tuple[int, int] | None:
    """What tells a changed file: its modification time and size (None: no such file)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _load(files: Sequence[Path], host: str, user: str | None, port: int | None) -> Any:
    """The settings of `files` for this host (kept until a file changes; do not change
    what is returned)."""
    try:
        local_user = getpass.getuser()
    except KeyError:  # no passwd entry
        local_user = os.environ.get("USER", "root")
    key = (tuple((p, file_stamp(p)) for p in files), host, user, port, local_user)
    cfg = _LOADED.get(key)
    if cfg is not None:
        return cfg
    try:
        cfg = _parser().load(None, list(files), False, False, False, local_user,
                                 user if user else (), host, port if port else ())
    except Exception as exc:  # asyncssh.config.ConfigParseError and OSError
        raise EndpointError(f"cannot read the ssh_config: {exc}",
                            "fix the file (or leave it out with no --ssh-config)") from exc
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.clear()
    _LOADED[key] = cfg
    return cfg


def _paths(value: object) -> list[Path]:
    if not value:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [Path(str(v)).expanduser() for v in items if str(v).lower() != "none"]


def resolve_ssh(endpoint: Endpoint, config_files: Sequence[Path]) -> SshTarget:
    """Apply ssh_config to an ssh endpoint (under `config_host` if set)."""
    if endpoint.kind != "ssh":
        raise EndpointError(f"{endpoint.label} is not an ssh endpoint")
    lookup = endpoint.config_host or endpoint.host
    cfg = _load(config_files, lookup, endpoint.user, endpoint.port)
    hostname = endpoint.host if endpoint.config_host else str(cfg.get("Hostname", endpoint.host))
    port = int(cfg.get("Port", 22) or 22)
    try:
        default_user = getpass.getuser()
    except KeyError:
        default_user = os.environ.get("USER", "root")
    user = str(cfg.get("User") or default_user)
    identity = tuple(str(Path(str(p)).expanduser()) for p in (cfg.get("IdentityFile") or ())
                     if Path(str(p)).expanduser().is_file())
    user_kh = _paths(cfg.get("UserKnownHostsFile"))
    global_kh = _paths(cfg.get("GlobalKnownHostsFile"))
    known = user_kh[0] if user_kh else Path("~/.ssh/known_hosts").expanduser()
    others = tuple(user_kh[1:] + global_kh)
    jump_raw = cfg.get("ProxyJump")
    hops: tuple[str, ...] = ()
    if isinstance(jump_raw, str) and jump_raw.lower() != "none":
        hops = tuple(h.strip() for h in jump_raw.split(",") if h.strip())
        for hop in hops:
            _parse_bare(hop.removeprefix("ssh://"), "ProxyJump")  # raises if malformed
    proxy_command = cfg.get("ProxyCommand")
    if isinstance(proxy_command, list | tuple):
        proxy_command = " ".join(str(c) for c in proxy_command)
    if isinstance(proxy_command, str) and proxy_command.lower() == "none":
        proxy_command = None
    alias_key = cfg.get("HostKeyAlias")
    keepalive = cfg.get("ServerAliveInterval")
    timeout = cfg.get("ConnectTimeout")
    return SshTarget(
        alias=lookup, hostname=hostname, port=port, user=user, identity_files=identity,
        known_hosts=known, other_known_hosts=others,
        host_key_alias=str(alias_key) if alias_key else None, proxy_jump=hops,
        proxy_command=str(proxy_command) if proxy_command else None,
        config_files=tuple(config_files),
        keepalive_interval=float(keepalive) if keepalive else None,
        connect_timeout=float(timeout) if timeout else None,
        connect_as=endpoint.host if endpoint.config_host else lookup,
        hash_known_hosts=bool(cfg.get("HashKnownHosts", False)),
    )


def hop_endpoint(hop: str) -> Endpoint:
    """An endpoint for one ProxyJump hop (`[user@]host[:port]` or ssh://…)."""
    if hop.startswith("ssh://"):
        from swarmtui.connect.endpoint import parse_endpoint

        return parse_endpoint(hop, source="ProxyJump", env={})
    return _parse_bare(hop, "ProxyJump")


MAX_JUMPS = 8


def jump_chain(target: SshTarget, files: Sequence[Path], depth: int = 0) -> list[SshTarget]:
    """The hosts to pass through before `target`, the first contacted first. As with
    OpenSSH (`ssh -J a,b` runs `ssh -W … a` for the first hop, which reads a's own
    ssh_config), the first hop's own ProxyJump is followed, recursively; a later hop is
    reached through the one before it, so its own ProxyJump does not apply."""
    if not target.proxy_jump:
        return []
    if depth >= MAX_JUMPS:
        raise EndpointError(f"more than {MAX_JUMPS} ProxyJump hops before {target.alias} "
                            "(do two hosts name each other as ProxyJump?)",
                            "fix ProxyJump in the ssh_config")
    hops = [resolve_ssh(hop_endpoint(h), files) for h in target.proxy_jump]
    before_first = jump_chain(hops[0], files, depth + 1)
    return [*before_first, *(replace(h, proxy_jump=()) for h in hops)]


def inherit_ssh_settings(given: list[Endpoint], files: Sequence[Path]) -> list[Endpoint]:
    """A profile's later managers are often addresses learned from the swarm (saved by
    `remember_managers`): one with no ssh_config settings of its own (no HostName, no
    IdentityFile) is reached like the profile's first ssh manager (its alias's User,
    Port, IdentityFile, UserKnownHostsFile, ProxyJump)."""
    first = next((e for e in given if e.kind == "ssh"), None)
    if first is None:
        return given
    try:
        if not resolve_ssh(first, files).identity_files:
            return given
    except ConnectError:
        return given
    out: list[Endpoint] = []
    for ep in given:
        if ep.kind == "ssh" and ep is not first and ep.config_host is None:
            try:
                own = resolve_ssh(ep, files)
            except ConnectError:
                own = None
            if own is not None and not own.identity_files and own.hostname == ep.host:
                ep = replace(ep, config_host=first.config_host or first.host)
        out.append(ep)
    return out


def alias_for(address: str, files: Sequence[Path]) -> str | None:
    """The first plain `Host` alias of `files` (no pattern, no Include followed) whose
    HostName is `address`, e.g. node2 for 10.0.0.12: the name a manager known only by its
    swarm address (a start while the quorum is lost) goes by in the ssh_config."""
    for path in files:
        try:
            lines = path.read_text().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            words = line.replace("=", " ").split()
            if len(words) < 2 or words[0].lower() != "host":
                continue
            for alias in words[1:]:
                if any(c in alias for c in "*?!") or alias == address:
                    continue
                try:
                    cfg = _load(files, alias, None, None)
                except EndpointError:
                    return None
                if str(cfg.get("Hostname", "")) == address:
                    return alias
    return None
