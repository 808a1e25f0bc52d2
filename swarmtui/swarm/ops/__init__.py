"""Operations on the swarm: plan → guard → apply → converge (see base.Operation).

Each name loads its module on first use (swarmtui/lazy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmtui.lazy import lazy_names

if TYPE_CHECKING:
    from swarmtui.swarm.ops.base import (
        READ_ONLY_BLOCK,
        GuardResult,
        Operation,
        OperationError,
        update_node_spec,
        update_service_spec,
    )
    from swarmtui.swarm.ops.nodes import (
        AddNodeLabel,
        DemoteNodes,
        NodeOperation,
        PromoteNodes,
        RemoveNode,
        RemoveNodeLabel,
        SetAvailability,
    )
    from swarmtui.swarm.ops.placement import DrainPreview, ServiceMove, constraint_ok, drain_preview
    from swarmtui.swarm.ops.quorum import QuorumPreview, quorum_preview
    from swarmtui.swarm.ops.runner import Outcome, run_operation, wait_converged
    from swarmtui.swarm.ops.services import (
        ForceUpdateService,
        RemoveService,
        RollbackService,
        ScaleService,
        ServiceOperation,
        UpdateServiceImage,
    )
    from swarmtui.swarm.ops.validate import (
        InputError,
        parse_label,
        parse_label_key,
        parse_replicas,
        validate_image,
    )

#: each public name → the module defining it
_WHERE = {
    "READ_ONLY_BLOCK": "base",
    "AddNodeLabel": "nodes",
    "DemoteNodes": "nodes",
    "DrainPreview": "placement",
    "ForceUpdateService": "services",
    "GuardResult": "base",
    "InputError": "validate",
    "NodeOperation": "nodes",
    "Operation": "base",
    "OperationError": "base",
    "Outcome": "runner",
    "PromoteNodes": "nodes",
    "QuorumPreview": "quorum",
    "RemoveNode": "nodes",
    "RemoveNodeLabel": "nodes",
    "RemoveService": "services",
    "RollbackService": "services",
    "ScaleService": "services",
    "ServiceMove": "placement",
    "ServiceOperation": "services",
    "SetAvailability": "nodes",
    "UpdateServiceImage": "services",
    "constraint_ok": "placement",
    "drain_preview": "placement",
    "parse_label": "validate",
    "parse_label_key": "validate",
    "parse_replicas": "validate",
    "quorum_preview": "quorum",
    "run_operation": "runner",
    "update_node_spec": "base",
    "update_service_spec": "base",
    "validate_image": "validate",
    "wait_converged": "runner",
}

__all__ = [
    "READ_ONLY_BLOCK",
    "AddNodeLabel",
    "DemoteNodes",
    "DrainPreview",
    "ForceUpdateService",
    "GuardResult",
    "InputError",
    "NodeOperation",
    "Operation",
    "OperationError",
    "Outcome",
    "PromoteNodes",
    "QuorumPreview",
    "RemoveNode",
    "RemoveNodeLabel",
    "RemoveService",
    "RollbackService",
    "ScaleService",
    "ServiceMove",
    "ServiceOperation",
    "SetAvailability",
    "UpdateServiceImage",
    "constraint_ok",
    "drain_preview",
    "parse_label",
    "parse_label_key",
    "parse_replicas",
    "quorum_preview",
    "run_operation",
    "update_node_spec",
    "update_service_spec",
    "validate_image",
    "wait_converged",
]

__getattr__ = lazy_names(__name__, _WHERE)
