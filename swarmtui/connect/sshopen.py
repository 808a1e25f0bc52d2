"""Opening the SSH connection(s) to a host, ProxyJump hops first: host-key trust against
known_hosts (and the session's once-trusted keys), keys from ssh-agent and key files
(asking for the passphrase of encrypted ones), failures as `ConnectError`s that say
what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncssh

from swarmtui.connect.endpoint import Endpoint
from swarmtui.connect.engines import short_error
from swarmtui.connect.errors import (
    AuthFailedError,
    ConnectError,
    HostKeyChangedError,
    HostKeyNotTrustedError,
    HostKeyRevokedError,
    HostUnreachableError,
    SessionHostKeyChangedError,
    WouldAskError,
)
from swarmtui.connect.hostkeys import (
    TrustDecision,
    append_known_host,
    find_host_lines,
    known_hosts_for,
    question_for,
)
from swarmtui.connect.options import ConnectOptions, LostCallback, may_ask
from swarmtui.connect.sockdir import make_private_dir
from swarmtui.connect.sshconf import SshTarget, jump_chain, resolve_ssh
from swarmtui.connect.sshengine import SshEngine

DEFAULT_KEY_FILES = ("~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa",
                     "~/.ssh/id_ed25519_sk", "~/.ssh/id_ecdsa_sk")


def _encrypted_key_files(target: SshTarget, unlocked: dict[str, asyncssh.SSHKey]) -> list[str]:
    files = list(target.identity_files) or [str(Path(p).expanduser()) for p in DEFAULT_KEY_FILES
                                             if Path(p).expanduser().is_file()]
    found = []
    for path in files:
        if path in unlocked:
            continue
        try:
            asyncssh.read_private_key(path)
        except asyncssh.KeyImportError as exc:
            if "passphrase" in str(exc).lower():
                found.append(path)
        except OSError:
            continue
    return found


async def _unlock_keys(target: SshTarget, options: ConnectOptions) -> bool:
    """Ask for passphrases of encrypted keys; True if at least one key was unlocked."""
    if options.passphrase is None:
        return False
    files = _encrypted_key_files(target, options.unlocked_keys)
    if files and not may_ask():
        raise WouldAskError(f"the key {files[0]} for {target.alias} needs its passphrase",
                            "it is asked when the node is reached for a person")
    unlocked = False
    for path in files:
        for _attempt in range(3):
            secret = await options.passphrase(path)
            if secret is None:
                break
            try:
                options.unlocked_keys[path] = asyncssh.read_private_key(path, secret)
            except asyncssh.KeyEncryptionError as exc:
                if "bcrypt" in str(exc):
                    raise AuthFailedError(
                        f"the key {path} is encrypted in OpenSSH's format, which needs the "
                        "Python package bcrypt to decrypt",
                        f"add the key to ssh-agent (ssh-add {path}) or install bcrypt") from exc
                continue  # wrong passphrase: ask again
            except asyncssh.KeyImportError:
                continue  # wrong passphrase: ask again
            unlocked = True
            break
    return unlocked


# --- SSH connect with host-key trust ------------------------------------------------------


class _Client(asyncssh.SSHClient):
    """Records the host key the server presented when known_hosts did not trust it."""

    def __init__(self, on_lost: LostCallback | None) -> None:
        self.untrusted_key: asyncssh.SSHKey | None = None
        self.peer_addr: str | None = None
        self._on_lost = on_lost

    def validate_host_public_key(self, host: str, addr: str, port: int,
                                 key: asyncssh.SSHKey) -> bool:
        # Never trusts on its own: the decision is made after the handshake fails,
        # asynchronously, with the user (see _ssh_connect).
        self.untrusted_key = key
        self.peer_addr = addr or None
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._on_lost is not None:
            self._on_lost(exc)


async def _ssh_connect(target: SshTarget, options: ConnectOptions,
                       tunnel: asyncssh.SSHClientConnection | None,
                       on_lost: LostCallback | None) -> asyncssh.SSHClientConnection:
    """One checked SSH connection. Asks the trust callback at most once."""
    name = target.known_hosts_name
    asked = False
    unlock_tried = False
    while True:
        client = _Client(on_lost)
        skipped: list[str] = []
        known = known_hosts_for(target.all_known_hosts, options.session_trust, skipped)
        for text in skipped:
            options.warn(text)
        kwargs: dict[str, Any] = {}
        if target.identity_files or options.unlocked_keys:
            kwargs["client_keys"] = [*options.unlocked_keys.values(),
                                     *(f for f in target.identity_files
                                       if f not in options.unlocked_keys)]
            kwargs["ignore_encrypted"] = True
        if target.proxy_command and tunnel is None:
            kwargs["proxy_command"] = target.proxy_command
        try:
            conn = await asyncssh.connect(
                target.connect_as or target.hostname, target.port, username=target.user,
                config=[str(p) for p in target.config_files] or None,
                known_hosts=known, host_key_alias=target.host_key_alias,
                client_factory=lambda c=client: c,
                tunnel=tunnel, connect_timeout=target.connect_timeout or options.connect_timeout,
                keepalive_interval=target.keepalive_interval or options.keepalive_interval,
                keepalive_count_max=options.keepalive_count_max,
                password_auth=False, kbdint_auth=False, **kwargs)
        except asyncssh.HostKeyNotVerifiable as exc:
            key = client.untrusted_key
            if key is None:
                raise HostKeyRevokedError(f"the SSH host key of {target.alias} is not accepted "
                                          f"({exc.reason})",
                                          f"see {target.known_hosts}") from exc
            trusted = options.session_trust.trusted_other_key(name, target.port, key)
            if trusted:
                raise SessionHostKeyChangedError(name, key.get_fingerprint("sha256"),
                                                 trusted) from exc
            lines = [ln for ln in find_host_lines(target.all_known_hosts, name, target.port,
                                                  client.peer_addr) if ln.marker == ""]
            if lines:
                raise HostKeyChangedError(name, key.get_fingerprint("sha256"), str(lines[0].path),
                                     lines[0].line) from exc
            if asked:
                raise HostKeyNotTrustedError(f"the host key of {target.alias} was not accepted") \
                    from exc
            if not may_ask():
                raise WouldAskError(f"the host key of {target.alias} is not known yet",
                                    "it is asked when the node is reached for a person") \
                    from exc
            question = question_for(key, name, target.port, client.peer_addr,
                                    target.known_hosts, alias=target.alias,
                                    can_save=target.can_save_keys)
            decision = await options.trust(question)
            asked = True
            if decision is TrustDecision.CANCEL:
                raise HostKeyNotTrustedError(
                    f"the host key of {target.alias} ({question.key_type} "
                    f"{question.fingerprint}) was not trusted; not connecting",
                    f"check the fingerprint with the host's admin, then trust it, or add it "
                    f"to {target.known_hosts}") from exc
            if decision is TrustDecision.SAVE and not target.can_save_keys:
                options.warn(f"the host key of {target.alias} ({question.fingerprint}) is "
                             f"trusted for this run only: UserKnownHostsFile is "
                             f"{target.known_hosts}, so nothing was saved")
                options.session_trust.add(name, target.port, key)
            elif decision is TrustDecision.SAVE:
                try:
                    append_known_host(target.known_hosts, name, target.port, key,
                                      hashed=target.hash_known_hosts)
                except OSError as err:
                    raise ConnectError(f"cannot write {target.known_hosts}: {err}",
                                       "trust the key for this run only instead") from err
            else:
                options.session_trust.add(name, target.port, key)
            continue
        except asyncssh.PermissionDenied as exc:
            if not unlock_tried:
                unlock_tried = True
                if await _unlock_keys(target, options):
                    continue
            raise AuthFailedError(
                f"SSH login to {target.user}@{target.alias} was refused ({exc.reason})",
                "check the user name and that your key is in the host's authorized_keys "
                "(ssh-agent, IdentityFile in ssh_config)") from exc
        except asyncssh.DisconnectError as exc:
            raise HostUnreachableError(f"the SSH server at {target.alias} closed the connection "
                                       f"({exc.reason})", "check sshd on the host") from exc
        except TimeoutError as exc:
            raise HostUnreachableError(f"no SSH answer from {target.alias} ({target.hostname} port "
                                       f"{target.port}) within the connect timeout",
                                       "is the host up and reachable from here?") from exc
        except (OSError, asyncssh.Error) as exc:
            raise HostUnreachableError(f"cannot reach {target.alias} ({target.hostname} port "
                                       f"{target.port}): {short_error(exc)}",
                                       "check the host name, that sshd runs there and the network "
                                       "path") from exc
        return conn


async def open_ssh(endpoint: Endpoint, options: ConnectOptions,
                   on_lost: LostCallback | None = None) -> list[asyncssh.SSHClientConnection]:
    """Connect to an SSH endpoint through its ProxyJump hops, every host key checked with
    the same trust callback. Returns the connections, hops first; the last one reaches the
    endpoint's host. The caller closes them (last first). Raises ConnectError."""
    target = resolve_ssh(endpoint, options.ssh_config)
    conns: list[asyncssh.SSHClientConnection] = []
    try:
        tunnel: asyncssh.SSHClientConnection | None = None
        for hop_target in jump_chain(target, options.ssh_config):
            tunnel = await _ssh_connect(hop_target, options, tunnel, None)
            conns.append(tunnel)
        conns.append(await _ssh_connect(target, options, tunnel, on_lost))
    except BaseException:
        for conn in reversed(conns):
            conn.close()
        raise
    return conns


async def open_ssh_engine(endpoint: Endpoint, options: ConnectOptions,
                    on_lost: LostCallback | None) -> SshEngine:
    target = resolve_ssh(endpoint, options.ssh_config)
    conns = await open_ssh(endpoint, options, on_lost)
    engine = SshEngine(endpoint, target, conns, make_private_dir())
    try:
        await engine.start(options)
    except BaseException:
        await engine.close()
        raise
    return engine
