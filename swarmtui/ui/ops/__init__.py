"""Operation keys for the main screen (issue 5): confirm → send → converge, journaled.

    from swarmtui.ui.ops import OperationsMixin
    class MainScreen(OperationsMixin, Screen[None]): ...

* `OperationsMixin` — BINDINGS (`OPS_BINDINGS`, each with an id) and the actions.
The confirmation and progress screens are the one pair of `swarmtui.ui.flow`.
"""

from swarmtui.ui.ops.bindings import NODE_ACTIONS, OPS_BINDINGS, SERVICE_ACTIONS
from swarmtui.ui.ops.mixin import READ_ONLY_NOTICE, MarksBar, OperationsMixin, ops_help

__all__ = ["NODE_ACTIONS", "OPS_BINDINGS", "READ_ONLY_NOTICE", "SERVICE_ACTIONS", "MarksBar",
           "OperationsMixin", "ops_help"]
