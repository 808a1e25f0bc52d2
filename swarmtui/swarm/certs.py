"""Swarm certificates from a snapshot: the CA's expiry, each node's issuer, CA rotation.

What the API gives: ``/swarm`` → ``TLSInfo.TrustRoot`` (the root CA, PEM),
``CertIssuerSubject`` / ``CertIssuerPublicKey`` (base64 DER) and
``RootRotationInProgress``; ``/nodes`` → each node's ``Description.TLSInfo`` with
the trust root and the issuer of *its* certificate. A node's own certificate
expiry is not in the API (only the swarm's renewal period, ``CAConfig.NodeCertExpiry``,
after which nodes renew by themselves); the root CA's expiry is what stops a swarm
(moby#24132: the daemon does not start once swarm certificates have expired).

CA rotation (`docker swarm ca --rotate`) is ``swarm/ops/ca.py: RotateCA``, followed
until every node's TLSInfo holds the new root and issuer.

The first screen's warnings need the root's notAfter only, on every snapshot: it is read
from the certificate's DER here (`not_after`), not with `cryptography.x509`, whose import
costs ~130 M instructions (~40 ms of CPU) of the start (issue 17). The CA's subject and
dates for a detail screen come from cryptography (`parse_pem`).
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from swarmtui.swarm.models import Node
from swarmtui.swarm.state import ClusterSnapshot

#: warn this many days before the root CA expires (critical within a week)
WARN_DAYS = 30
CRITICAL_DAYS = 7


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class CertDates:
    subject: str
    not_before: datetime
    not_after: datetime


def parse_pem(pem: str) -> CertDates | None:
    """Subject and validity of a PEM certificate; None when it cannot be read."""
    if not pem:
        return None
    try:
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None
    return CertDates(cert.subject.rfc4514_string(), cert.not_valid_before_utc,
                     cert.not_valid_after_utc)


_PEM_BEGIN, _PEM_END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"


def _element(der: bytes, at: int, tag: int) -> tuple[int, int]:
    """(start, end) of the value of the DER element at `at`, which must have `tag`."""
    if at + 2 > len(der) or der[at] != tag:
        raise ValueError("unexpected DER element")
    length, at = der[at + 1], at + 2
    if length & 0x80:  # long form: the next (length & 0x7f) bytes are the length
        size = length & 0x7F
        if not 0 < size <= 4 or at + size > len(der):
            raise ValueError("bad DER length")
        length, at = int.from_bytes(der[at:at + size], "big"), at + size
    if at + length > len(der):
        raise ValueError("DER element runs past the end")
    return at, at + length


def _time(der: bytes, at: int) -> tuple[datetime, int]:
    """An X.509 Time (RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ, years 1950-2049, or
    GeneralizedTime YYYYMMDDHHMMSSZ) at `at`, and the end of it."""
    utc = at < len(der) and der[at] == 0x17
    start, end = _element(der, at, 0x17 if utc else 0x18)
    text = der[start:end].decode("ascii")
    if len(text) != (13 if utc else 15) or not text.endswith("Z") or not text[:-1].isdigit():
        raise ValueError(f"not an RFC 5280 time: {text!r}")
    if utc:
        year = int(text[:2])
        text = f"{19 if year >= 50 else 20}{text}"
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC), end


def not_after(pem: str) -> datetime | None:
    """The notAfter of the first certificate in `pem` (as cryptography's
    `not_valid_after_utc`); None when it cannot be read."""
    begin = pem.find(_PEM_BEGIN)
    end = pem.find(_PEM_END, begin)
    if begin < 0 or end < 0:
        return None
    try:
        der = binascii.a2b_base64(pem[begin + len(_PEM_BEGIN):end].encode("ascii"))
        at, _ = _element(der, 0, 0x30)  # Certificate
        at, tbs_end = _element(der, at, 0x30)  # TBSCertificate
        if at < tbs_end and der[at] == 0xA0:  # [0] version
            at = _element(der, at, 0xA0)[1]
        at = _element(der, at, 0x02)[1]  # serialNumber
        at = _element(der, at, 0x30)[1]  # signature
        at = _element(der, at, 0x30)[1]  # issuer
        at, _ = _element(der, at, 0x30)  # validity
        _, at = _time(der, at)  # notBefore
        return _time(der, at)[0]
    except (ValueError, UnicodeError, binascii.Error):
        return None


def tls_of(raw: Any) -> tuple[str, str, str]:
    """(trust root PEM, issuer subject, issuer public key) of a TLSInfo dict."""
    t = _d(raw)
    return (str(t.get("TrustRoot") or ""), str(t.get("CertIssuerSubject") or ""),
            str(t.get("CertIssuerPublicKey") or ""))


def swarm_tls(snap: ClusterSnapshot) -> tuple[str, str, str]:
    return tls_of(snap.swarm.get("TLSInfo"))


def node_tls(node: Node) -> tuple[str, str, str]:
    return tls_of(_d(node.raw.get("Description")).get("TLSInfo"))


@dataclass(frozen=True)
class CAStatus:
    root: CertDates | None
    rotation_in_progress: bool
    #: CAConfig.NodeCertExpiry: how long node certificates last before renewal
    node_cert_expiry: timedelta | None
    #: hostnames of nodes whose certificate is not (yet) issued by the current CA
    behind: tuple[str, ...]
    nodes: int

    def days_left(self, now: datetime) -> int | None:
        return None if self.root is None else (self.root.not_after - now).days


def ca_status(snap: ClusterSnapshot) -> CAStatus:
    expiry = _d(_d(snap.swarm.get("Spec")).get("CAConfig")).get("NodeCertExpiry")
    return CAStatus(
        root=parse_pem(swarm_tls(snap)[0]),
        rotation_in_progress=bool(snap.swarm.get("RootRotationInProgress")),
        node_cert_expiry=timedelta(microseconds=expiry / 1000) if isinstance(expiry, int)
        else None,
        behind=_behind(snap),
        nodes=len(snap.nodes),
    )


def _behind(snap: ClusterSnapshot) -> tuple[str, ...]:
    """Hostnames of the nodes whose certificate is not (yet) issued by the current CA."""
    current = swarm_tls(snap)
    return tuple(sorted(n.name for n in snap.nodes.values()
                        if current[0] and node_tls(n)[0] and node_tls(n) != current))


def warnings(snap: ClusterSnapshot, now: datetime,
             warn_days: int = WARN_DAYS) -> list[tuple[str, str]]:
    """(severity, text) for the first screen: the CA expiring, a rotation under way."""
    if not snap.swarm:
        return []
    out: list[tuple[str, str]] = []
    expires = not_after(swarm_tls(snap)[0])
    if expires is not None:
        days = (expires - now).days
        when = expires.strftime("%Y-%m-%d")
        if days < 0:
            out.append(("critical", f"the swarm's root CA expired on {when}: nodes cannot "
                        "renew certificates — rotate it (docker swarm ca --rotate)"))
        elif days <= warn_days:
            out.append(("critical" if days <= CRITICAL_DAYS else "warning",
                        f"the swarm's root CA expires in {days} days ({when}): rotate it "
                        "(docker swarm ca --rotate) before it does"))
    behind = _behind(snap)
    if snap.swarm.get("RootRotationInProgress") or behind:
        done = len(snap.nodes) - len(behind)
        waiting = f" (waiting for {', '.join(behind[:4])})" if behind else ""
        out.append(("info", f"CA rotation: {done} of {len(snap.nodes)} nodes hold a "
                    f"certificate of the new CA{waiting}"))
    return out


def node_cert_text(snap: ClusterSnapshot, node: Node) -> str:
    """The node's TLS status in words: which CA issued its certificate, and its renewal."""
    root_pem, issuer, key = swarm_tls(snap)
    mine = node_tls(node)
    if not mine[0]:
        return "the engine reports no TLS information for this node"
    expiry = ca_status(snap).node_cert_expiry
    renew = f"; valid {expiry.days} days, renewed by the node before then" if expiry else ""
    if not root_pem:
        return f"issued by its swarm CA{renew}"
    if mine == (root_pem, issuer, key):
        return f"issued by the current root CA{renew}"
    return "issued by another CA than the swarm's current root (a CA rotation is under way)"
