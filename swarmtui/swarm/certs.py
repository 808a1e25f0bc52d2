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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
    root_pem, issuer, key = swarm_tls(snap)
    expiry = _d(_d(snap.swarm.get("Spec")).get("CAConfig")).get("NodeCertExpiry")
    behind = tuple(sorted(
        n.name for n in snap.nodes.values()
        if root_pem and node_tls(n)[0] and node_tls(n) != (root_pem, issuer, key)))
    return CAStatus(
        root=parse_pem(root_pem),
        rotation_in_progress=bool(snap.swarm.get("RootRotationInProgress")),
        node_cert_expiry=timedelta(microseconds=expiry / 1000) if isinstance(expiry, int)
        else None,
        behind=behind,
        nodes=len(snap.nodes),
    )


def warnings(snap: ClusterSnapshot, now: datetime,
             warn_days: int = WARN_DAYS) -> list[tuple[str, str]]:
    """(severity, text) for the first screen: the CA expiring, a rotation under way."""
    if not snap.swarm:
        return []
    st = ca_status(snap)
    out: list[tuple[str, str]] = []
    days = st.days_left(now)
    if st.root is not None and days is not None:
        when = st.root.not_after.strftime("%Y-%m-%d")
        if days < 0:
            out.append(("critical", f"the swarm's root CA expired on {when}: nodes cannot "
                        "renew certificates — rotate it (docker swarm ca --rotate)"))
        elif days <= warn_days:
            out.append(("critical" if days <= CRITICAL_DAYS else "warning",
                        f"the swarm's root CA expires in {days} days ({when}): rotate it "
                        "(docker swarm ca --rotate) before it does"))
    if st.rotation_in_progress or st.behind:
        done = st.nodes - len(st.behind)
        waiting = f" (waiting for {', '.join(st.behind[:4])})" if st.behind else ""
        out.append(("info", f"CA rotation: {done} of {st.nodes} nodes hold a certificate of "
                    f"the new CA{waiting}"))
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
