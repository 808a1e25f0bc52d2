"""The one path of a change on screen: `ConfirmScreen` (CLI line, guard verdict, typed
name for dangerous changes) → `ProgressScreen` (sends through the one runner, journals,
follows convergence). `start.confirm_and_send` wires them; every change uses it."""

from swarmtui.ui.flow.confirm import ConfirmScreen, OpForm, fixed
from swarmtui.ui.flow.dialog_parts import display_title
from swarmtui.ui.flow.progress import ProgressScreen
from swarmtui.ui.flow.start import (
    audit_labels,
    confirm_and_send,
    confirmation,
    guard_now,
    start_operation,
)

__all__ = ["ConfirmScreen", "OpForm", "ProgressScreen", "audit_labels", "confirm_and_send",
           "confirmation", "display_title", "fixed", "guard_now", "start_operation"]
