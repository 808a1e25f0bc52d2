"""Node label operations: `docker node update --label-add / --label-rm` on one or more
nodes (other labels are kept; services placed by the label are named)."""

from __future__ import annotations

from collections.abc import Sequence

from swarmtui.swarm.models import Node
from swarmtui.swarm.ops.base import DockerAPI, GuardResult, OperationError, Spec, update_node_spec
from swarmtui.swarm.ops.nodes import NodeOperation
from swarmtui.swarm.ops.validate import InputError, parse_label, parse_label_key
from swarmtui.swarm.state import ClusterSnapshot


class _LabelOperation(NodeOperation):
    """A change of one label on the selected nodes (`raw`: as typed); other labels are
    kept."""

    def __init__(self, nodes: Sequence[Node], raw: str) -> None:
        super().__init__(nodes)
        self.raw = raw

    @staticmethod
    def placed_by(snapshot: ClusterSnapshot, key: str) -> str:
        """The services whose constraints name node.labels.KEY, comma-separated ("": none)."""
        return ", ".join(sorted(
            s.name for s in snapshot.services.values()
            if any(c.replace(" ", "").startswith(f"node.labels.{key}") for c in s.constraints)))

    def relabel(self, api: DockerAPI, key: str, value: str | None) -> None:
        """Set label KEY to `value` (None: remove it) in every target node's spec."""

        def mutate(spec: Spec) -> None:
            labels = dict(spec.get("Labels") or {})
            if value is None:
                labels.pop(key, None)
            else:
                labels[key] = value
            spec["Labels"] = labels

        for nid in self.target_ids:
            update_node_spec(api, nid, mutate, before_write=self.before_write)


class AddNodeLabel(_LabelOperation):
    """`docker node update --label-add KEY=VALUE NODE` (other labels are kept)."""

    name = "label-add"

    @property
    def cli(self) -> str:
        label = self.raw.strip() or "KEY=VALUE"  # nothing typed yet: what goes there
        return self._joined(["docker", "node", "update", "--label-add", label])

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        live, blocks = self._live(snapshot)
        try:
            key, value = parse_label(self.raw)
        except InputError as exc:
            return GuardResult(blocks=(str(exc),))
        preview, warnings = [], []
        for n in live:
            old = n.labels.get(key)
            if old is None:
                preview.append(f"{n.name}: add label {key}={value}")
            elif old == value:
                warnings.append(f"{n.name} already has {key}={value}")
            else:
                preview.append(f"{n.name}: label {key}: {old!r} → {value!r}")
        if live and not preview:
            blocks.append("nothing to do: the label is already set")
        constrained = self.placed_by(snapshot, key)
        if constrained:
            warnings.append(f"services placed by node.labels.{key}: {constrained} "
                            "— their tasks may move")
        return GuardResult(tuple(blocks), tuple(warnings), tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        try:
            key, value = parse_label(self.raw)
        except InputError as exc:
            raise OperationError(str(exc)) from exc
        self.relabel(api, key, value)
        return f"label {key}={value} set on {self.target}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        try:
            key, value = parse_label(self.raw)
        except InputError as exc:
            return True, str(exc)
        for nid, label in zip(self.target_ids, self.target_labels, strict=True):
            n = snapshot.nodes.get(nid)
            if n is not None and n.labels.get(key) != value:
                return False, f"{label}: label {key} not yet {value!r}"
        return True, f"{self.target}: {key}={value}"


class RemoveNodeLabel(_LabelOperation):
    """`docker node update --label-rm KEY NODE` (other labels are kept)."""

    name = "label-rm"

    @property
    def cli(self) -> str:
        key = self.raw.strip().partition("=")[0]
        return self._joined(["docker", "node", "update", "--label-rm", key])

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        live, blocks = self._live(snapshot)
        try:
            key = parse_label_key(self.raw)
        except InputError as exc:
            return GuardResult(blocks=(str(exc),))
        has = [n for n in live if key in n.labels]
        warnings = [f"{n.name} has no label {key}" for n in live if key not in n.labels]
        if live and not has:
            blocks.append(f"nothing to do: no selected node has a label {key}")
        constrained = self.placed_by(snapshot, key)
        if constrained:
            warnings.append(f"services placed by node.labels.{key}: {constrained} "
                            "— their tasks on these nodes may stop or go Pending")
        preview = [f"{n.name}: remove label {key}={n.labels[key]}" for n in has]
        return GuardResult(tuple(blocks), tuple(warnings), tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        try:
            key = parse_label_key(self.raw)
        except InputError as exc:
            raise OperationError(str(exc)) from exc
        self.relabel(api, key, None)
        return f"label {key} removed from {self.target}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        key = self.raw.strip().partition("=")[0]
        for nid, label in zip(self.target_ids, self.target_labels, strict=True):
            n = snapshot.nodes.get(nid)
            if n is not None and key in n.labels:
                return False, f"{label} still has label {key}"
        return True, f"{self.target}: no label {key}"
