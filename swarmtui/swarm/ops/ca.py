"""`docker swarm ca --rotate` as an Operation, followed until every node holds the new CA."""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.certs import ca_status, swarm_tls, tls_of
from swarmtui.swarm.ops.base import DockerAPI, GuardResult
from swarmtui.swarm.ops.swarm import SwarmOperation
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.swarmspec import update_spec


class RotateCA(SwarmOperation):
    """`docker swarm ca --rotate`: a new root CA, the whole swarm spec kept.

    Converged when the swarm reports no rotation in progress, its trust root
    differs from the one before, and every node's TLSInfo holds the new root.
    """

    name = "rotate CA"
    timeout = 120.0
    follows_cluster = True

    @property
    def cli(self) -> str:
        return "docker swarm ca --rotate"

    @property
    def title(self) -> str:
        return "rotate the swarm's root CA"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        self.applied["old_root"] = swarm_tls(snapshot)[0]
        st = ca_status(snapshot)
        blocks = ("a CA rotation is already in progress",) if st.rotation_in_progress else ()
        down = sorted(n.name for n in snapshot.nodes.values() if n.state != "ready")
        warns = [f"{', '.join(down)} {'is' if len(down) == 1 else 'are'} not Ready: the "
                 "rotation finishes only when every node has renewed"] if down else []
        return GuardResult(blocks=blocks, warnings=tuple(warns), preview=(
            "a new root CA; every node gets a new certificate from it",
            "join tokens change (they embed the CA's digest): old ones stop working"))

    def apply(self, api: DockerAPI) -> str:
        def bump(spec: dict[str, Any]) -> None:
            ca = spec.setdefault("CAConfig", {})
            ca["ForceRotate"] = int(ca.get("ForceRotate") or 0) + 1

        before = api.inspect_swarm()
        self.applied["old_root"] = tls_of(before.get("TLSInfo"))[0]
        update_spec(api, bump, what="Rotating the root CA")
        return "root CA rotation started"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        root = swarm_tls(snapshot)[0]
        st = ca_status(snapshot)
        old = self.applied.get("old_root")
        if st.rotation_in_progress or (old and root == old) or st.behind:
            done = st.nodes - len(st.behind) if root != old else 0
            return False, f"rotating: {done} of {st.nodes} nodes on the new CA"
        return True, f"every node ({st.nodes}) holds a certificate of the new CA"
