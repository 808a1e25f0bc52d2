"""SSH host-key trust: known_hosts lookups, the trust question, and saving a key.

Host keys are always checked. The connection itself checks the presented key
against known_hosts (asyncssh, with the file's content plus keys trusted for
this session only). When that check fails, this module tells *why*: a key
recorded for the host that differs (CHANGED: refused, naming file and line)
or no key at all (UNKNOWN: a `HostKeyQuestion` for the trust callback).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import os
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncssh


class TrustDecision(enum.Enum):
    """The answer to an unknown host key."""

    ONCE = "once"  # trust for this run only (kept in memory)
    SAVE = "save"  # trust and append to known_hosts
    CANCEL = "cancel"  # refuse: do not connect


@dataclass(frozen=True)
class HostKeyQuestion:
    """What a trust prompt shows for a host whose key is not in known_hosts."""

    host: str  # the name as known_hosts records it: HostName, or HostKeyAlias
    port: int
    address: str | None  # the peer address, when known (not through a ProxyJump)
    key_type: str  # as `ssh-keygen -l` shows it: "ED25519", "RSA", "ECDSA"
    algorithm: str  # the key's SSH name: "ssh-ed25519"
    bits: int | None  # key size as `ssh-keygen -l` prints it, when known
    fingerprint: str  # "SHA256:…", exactly as `ssh-keygen -lf` prints it
    known_hosts: Path  # where SAVE writes
    alias: str = ""  # what the user asked for (an ssh_config alias, maybe)
    #: False when known_hosts is /dev/null: SAVE can then only trust for this run
    can_save: bool = True

    @property
    def text(self) -> str:
        where = self.host if self.port == 22 else f"{self.host} port {self.port}"
        shown = f"{self.alias} ({where})" if self.alias and self.alias != self.host else where
        text = (f"The authenticity of host {shown} can't be established.\n"
                f"{self.key_type} key fingerprint is {self.fingerprint}.\n"
                f"It is not in {self.known_hosts}.")
        if not self.can_save:
            text += (f"\nUserKnownHostsFile is {self.known_hosts}: nothing can be saved, "
                     "trusting it lasts for this run only.")
        return text


TrustCallback = Callable[[HostKeyQuestion], Awaitable[TrustDecision]]


def fixed_trust(decision: TrustDecision | str) -> TrustCallback:
    """A non-interactive answer for `--trust-host-key once|save|never` ("never" = CANCEL)."""
    if isinstance(decision, str):
        decision = {"once": TrustDecision.ONCE, "save": TrustDecision.SAVE,
                    "never": TrustDecision.CANCEL, "cancel": TrustDecision.CANCEL}[decision]
    fixed = decision

    async def answer(question: HostKeyQuestion) -> TrustDecision:
        return fixed

    return answer


# --- known_hosts ---------------------------------------------------------------------


@dataclass(frozen=True)
class KnownHostLine:
    path: Path
    line: int  # 1-based
    marker: str  # "", "@cert-authority" or "@revoked"
    key_type: str
    key_blob: bytes


_KEY_TYPES = {
    "ssh-ed25519": "ED25519",
    "ssh-rsa": "RSA",
    "ssh-dss": "DSA",
    "ecdsa-sha2-nistp256": "ECDSA",
    "ecdsa-sha2-nistp384": "ECDSA",
    "ecdsa-sha2-nistp521": "ECDSA",
    "sk-ssh-ed25519@openssh.com": "ED25519-SK",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK",
    "ssh-ed448": "ED448",
}


def known_hosts_name(host: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: `host`, or `[host]:port` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"


def _pattern_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("|1|"):
        try:
            _, _, salt, digest = pattern.split("|")
            mac = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
            return hmac.compare_digest(mac, base64.b64decode(digest))
        except (ValueError, binascii.Error):
            return False
    # OpenSSH patterns know only * and ?; "[host]:port" is literal (not a character class)
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, flags=re.IGNORECASE) is not None


def _host_field_matches(field_: str, names: Iterable[str]) -> bool:
    names = list(names)
    positive = False
    for pat in field_.split(","):
        negate = pat.startswith("!")
        pat = pat[1:] if negate else pat
        if any(_pattern_matches(pat, n) for n in names):
            if negate:
                return False
            positive = True
    return positive


def find_host_lines(paths: Iterable[Path], host: str, port: int,
                    address: str | None = None) -> list[KnownHostLine]:
    """Every known_hosts line (any marker) that names this host (or its address)."""
    names = [known_hosts_name(host, port)]
    if address and address != host:
        names.append(known_hosts_name(address, port))
    found: list[KnownHostLine] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for no, raw in enumerate(text.splitlines(), 1):
            parts = raw.split()
            if not parts or parts[0].startswith("#"):
                continue
            marker = ""
            if parts[0].startswith("@"):
                marker, parts = parts[0], parts[1:]
            if len(parts) < 3:
                continue
            if not _host_field_matches(parts[0], names):
                continue
            try:
                blob = base64.b64decode(parts[2], validate=True)
            except (ValueError, binascii.Error):
                continue
            found.append(KnownHostLine(path, no, marker, parts[1], blob))
    return found


def key_type_name(algorithm: str) -> str:
    return _KEY_TYPES.get(algorithm, algorithm.upper())


def key_bits(key: asyncssh.SSHKey) -> int | None:
    algorithm = key.algorithm.decode()
    if "ed25519" in algorithm:
        return 256
    if "ed448" in algorithm:
        return 456
    if algorithm.startswith(("ecdsa-sha2-nistp", "sk-ecdsa-sha2-nistp")):
        return int(algorithm.split("nistp")[1].split("@")[0])
    pyca = getattr(getattr(key, "_key", None), "pyca_key", None)
    size = getattr(pyca, "key_size", None)
    return size if isinstance(size, int) else None


def question_for(key: asyncssh.SSHKey, host: str, port: int, address: str | None,
                 known_hosts: Path, alias: str = "", can_save: bool = True) -> HostKeyQuestion:
    algorithm = key.algorithm.decode()
    return HostKeyQuestion(host=host, port=port, address=address,
                           key_type=key_type_name(algorithm), algorithm=algorithm,
                           bits=key_bits(key), fingerprint=key.get_fingerprint("sha256"),
                           known_hosts=known_hosts, alias=alias, can_save=can_save)


def hashed_name(name: str, salt: bytes | None = None) -> str:
    """OpenSSH's hashed host field (HashKnownHosts): |1|base64(salt)|base64(HMAC-SHA1)."""
    salt = os.urandom(20) if salt is None else salt
    mac = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(mac).decode()}"


def known_hosts_line(host: str, port: int, key: asyncssh.SSHKey, hashed: bool = False) -> str:
    """A line OpenSSH's `ssh` accepts: `host ssh-ed25519 AAAA…`, the host hashed if asked."""
    public = key.export_public_key("openssh").decode().split()
    name = known_hosts_name(host, port)
    return f"{hashed_name(name) if hashed else name} {public[0]} {public[1]}"


def append_known_host(path: Path, host: str, port: int, key: asyncssh.SSHKey,
                      hashed: bool = False) -> str:
    """Append the host's key to known_hosts (creating it 0600, its dir 0700). Returns the line.
    `hashed` (ssh_config HashKnownHosts yes) writes the host name hashed, as ssh does."""
    line = known_hosts_line(host, port, key, hashed)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    prefix = ""
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                prefix = "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(f"{prefix}{line}\n")
    return line


@dataclass
class SessionTrust:
    """Keys trusted with ONCE for this run only: known_hosts lines held in memory, and the
    key each host name was trusted with (a different key later in the run is a CHANGE)."""

    lines: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # known_hosts name -> SHA256 fingerprint

    def add(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        self.lines.append(known_hosts_line(host, port, key))
        self.keys[known_hosts_name(host, port)] = key.get_fingerprint("sha256")

    def trusted_other_key(self, host: str, port: int, key: asyncssh.SSHKey) -> str | None:
        """The fingerprint trusted this run for the host when `key` is not that key."""
        trusted = self.keys.get(known_hosts_name(host, port))
        return trusted if trusted and trusted != key.get_fingerprint("sha256") else None


def known_hosts_for(paths: Iterable[Path], session: SessionTrust,
                    warnings: list[str] | None = None) -> asyncssh.SSHKnownHosts:
    """The known_hosts the connection checks against: the files plus this session's keys.
    A line asyncssh cannot parse is skipped, as OpenSSH does, with a warning in `warnings`
    (file and line) instead of failing every connection."""
    import asyncssh

    chunks: list[str] = []
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        try:
            asyncssh.import_known_hosts(text)
        except ValueError:
            text = "\n".join(_parsable_lines(p, text, warnings))
        chunks.append(text)
    chunks.extend(session.lines)
    return asyncssh.import_known_hosts("\n".join(chunks) + "\n")


def _parsable_lines(path: Path, text: str, warnings: list[str] | None) -> list[str]:
    import asyncssh

    good: list[str] = []
    for no, line in enumerate(text.splitlines(), 1):
        try:
            asyncssh.import_known_hosts(line + "\n")
        except ValueError as exc:
            if warnings is not None:
                warnings.append(f"{path} line {no} cannot be read and was skipped ({exc})")
            continue
        good.append(line)
    return good
