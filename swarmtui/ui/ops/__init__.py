"""The confirm → send → converge flow of the operation keys (issue 5), journaled.

* `start_operation(main, form)` — what a key's handler calls (ui/panes/nodes.py, …).
* `OpConfirmScreen` / `OpForm` — the confirmation: docker CLI, preview, warnings, blocks,
  typed name for destructive operations.
* `OpProgressScreen` — sends (thread worker, audit journal) and follows convergence.
"""

from swarmtui.ui.ops.confirm import OpConfirmScreen, OpForm
from swarmtui.ui.ops.progress import OpProgressScreen
from swarmtui.ui.ops.start import start_operation

__all__ = ["OpConfirmScreen", "OpForm", "OpProgressScreen", "start_operation"]
