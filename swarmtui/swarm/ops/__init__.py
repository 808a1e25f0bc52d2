"""Operations on the swarm: plan → guard → apply → converge (see base.Operation)."""

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
