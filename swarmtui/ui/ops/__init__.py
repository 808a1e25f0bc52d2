"""Operation keys for the main screen (issue 5): confirm → send → converge, journaled.

    from swarmtui.ui.ops import OperationsMixin
    class MainScreen(OperationsMixin, Screen[None]): ...

* `OperationsMixin` — BINDINGS (`OPS_BINDINGS`, each with an id) and the actions.
* `OpConfirmScreen` / `OpForm` — the confirmation: docker CLI, preview, warnings, blocks,
  typed name for destructive operations.
* `OpProgressScreen` — sends (thread worker, audit journal) and follows convergence.
"""

from swarmtui.ui.ops.bindings import NODE_ACTIONS, OPS_BINDINGS, SERVICE_ACTIONS
from swarmtui.ui.ops.confirm import OpConfirmScreen, OpForm
from swarmtui.ui.ops.mixin import READ_ONLY_NOTICE, MarksBar, OperationsMixin, ops_help
from swarmtui.ui.ops.progress import OpProgressScreen

__all__ = ["NODE_ACTIONS", "OPS_BINDINGS", "READ_ONLY_NOTICE", "SERVICE_ACTIONS", "MarksBar",
           "OpConfirmScreen", "OpForm", "OpProgressScreen", "OperationsMixin", "ops_help"]
