"""Certificates from a snapshot: the root CA's expiry on the first screen, nodes behind a
rotation, and the rotation operation's convergence (swarmtui.swarm.certs, ops/ca.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from swarmtui.swarm import certs, health
from swarmtui.swarm.ops.ca import RotateCA
from swarmtui.swarm.state import ClusterSnapshot
from tests.unit.test_swarm_fixtures import info, node

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def ca_pem(not_after: datetime) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "swarm-ca")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(not_after - timedelta(days=7300)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def snapshot(root: str, node_roots: list[str], rotating: bool = False) -> ClusterSnapshot:
    nodes: list[dict[str, Any]] = []
    for i, pem in enumerate(node_roots, 1):
        d = node(f"n{i}", f"node{i}")
        d["Description"]["TLSInfo"] = {"TrustRoot": pem, "CertIssuerSubject": "s",
                                       "CertIssuerPublicKey": "k"}
        nodes.append(d)
    return ClusterSnapshot.from_api(nodes=nodes, info=info(), swarm={
        "ID": "c1", "Spec": {"Name": "default", "CAConfig": {"NodeCertExpiry": 7776000 * 10**9}},
        "TLSInfo": {"TrustRoot": root, "CertIssuerSubject": "s", "CertIssuerPublicKey": "k"},
        "RootRotationInProgress": rotating}, taken_at=NOW)


def test_ca_far_from_expiry_says_nothing() -> None:
    root = ca_pem(NOW + timedelta(days=3650))
    s = snapshot(root, [root, root])
    assert certs.warnings(s, NOW) == []
    st = certs.ca_status(s)
    assert st.days_left(NOW) == 3650 and st.node_cert_expiry == timedelta(days=90)
    assert st.root is not None and st.root.subject == "CN=swarm-ca"


def test_ca_expiring_soon_is_on_the_first_screen() -> None:
    root = ca_pem(NOW + timedelta(days=20, hours=1))
    s = snapshot(root, [root])
    p = next(p for p in health.problems(s, NOW) if p.kind == "certificate")
    assert p.severity == "warning"
    assert p.text == ("the swarm's root CA expires in 20 days (2026-12-21): rotate it "
                      "(docker swarm ca --rotate) before it does")
    soon = snapshot(ca_pem(NOW + timedelta(days=3)), [])
    assert certs.warnings(soon, NOW)[0][0] == "critical"
    gone = snapshot(ca_pem(NOW - timedelta(days=1)), [])
    assert certs.warnings(gone, NOW)[0][1].startswith("the swarm's root CA expired on")


def test_rotation_follows_every_node() -> None:
    old, new = ca_pem(NOW + timedelta(days=3650)), ca_pem(NOW + timedelta(days=7300))
    op = RotateCA()
    guard = op.guard(snapshot(old, [old, old]))
    assert guard.allowed and op.cli == "docker swarm ca --rotate"
    assert op.converged(snapshot(old, [old, old], rotating=True)) == (
        False, "rotating: 0 of 2 nodes on the new CA")
    half = snapshot(new, [new, old])
    assert certs.warnings(half, NOW) == [
        ("info", "CA rotation: 1 of 2 nodes hold a certificate of the new CA (waiting for node2)")]
    assert op.converged(half) == (False, "rotating: 1 of 2 nodes on the new CA")
    assert op.converged(snapshot(new, [new, new])) == (
        True, "every node (2) holds a certificate of the new CA")
    assert not RotateCA().guard(snapshot(old, [old], rotating=True)).allowed


def test_node_certificate_in_words() -> None:
    old, new = ca_pem(NOW + timedelta(days=3650)), ca_pem(NOW + timedelta(days=7300))
    s = snapshot(new, [new, old])
    assert certs.node_cert_text(s, s.nodes["n1"]) == (
        "issued by the current root CA; valid 90 days, renewed by the node before then")
    assert certs.node_cert_text(s, s.nodes["n2"]).startswith("issued by another CA")


def test_the_expiry_read_from_the_der_is_cryptography_s() -> None:
    """`not_after` (the first screen's, on every snapshot) reads what cryptography reads:
    UTCTime up to 2049, GeneralizedTime from 2050, the first certificate of a chain."""
    for when in (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), NOW + timedelta(days=20),
                 datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC),
                 datetime(2050, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)):
        pem = ca_pem(when)
        parsed = certs.parse_pem(pem)
        assert parsed is not None and certs.not_after(pem) == parsed.not_after == when
    chain = ca_pem(NOW + timedelta(days=5)) + ca_pem(NOW + timedelta(days=500))
    assert certs.not_after(chain) == NOW + timedelta(days=5)


def test_an_unreadable_certificate_has_no_expiry() -> None:
    pem = ca_pem(NOW + timedelta(days=20))
    body = pem.splitlines()
    for bad in ("", "not a certificate", "\n".join(body[:3] + body[-1:]),  # cut short
                "\n".join([body[0], "AAAA" * 8, body[-1]]),  # DER of something else
                "\n".join([body[0], "!!!!", body[-1]]), pem.replace("-----END", "-----FIN")):
        assert certs.not_after(bad) is None, bad
        assert certs.parse_pem(bad) is None, bad


def test_the_first_screen_s_certificate_warnings_do_not_load_cryptography_x509() -> None:
    """health runs certs.warnings on every snapshot, the first one in the start: reading
    the expiry from the DER spares the start cryptography.x509 (~130 M instructions)."""
    import subprocess
    import sys

    root = ca_pem(NOW + timedelta(days=20))
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from swarmtui.swarm import health\n"
        "from swarmtui.swarm.state import ClusterSnapshot\n"
        f"swarm = {{'ID': 'c1', 'TLSInfo': {{'TrustRoot': {root!r}}}}}\n"
        "snap = ClusterSnapshot.from_api(nodes=[], info={}, swarm=swarm)\n"
        f"now = datetime({NOW.year}, {NOW.month}, {NOW.day}, tzinfo=UTC)\n"
        "print([p.text for p in health.problems(snap, now) if p.kind == 'certificate'])\n"
        "print('cryptography.x509' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert "the swarm's root CA expires in 20 days" in out[0]  # the test can fail
    assert out[1] == "False"
