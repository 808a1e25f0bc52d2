"""The operation keys of the main screen.

Keys follow what Swarm admins know: k9s (`ctrl+d` delete, `r` restart, `c` cordon,
`u`-style updates), lazydocker (`r` restart) and dry. Each binding has an `id`, so
`[keymap]` in the config can remap it (`App.set_keymap`). A key acts on the pane it
belongs to: `check_action` hides node keys outside the Nodes pane and service keys
outside the Services pane, so the footer only lists what the current pane can do.

Keys already taken by the main screen (and not used here): 1-5, /, escape, p, h, s, S,
i, l (logs — the existing logs screen), ctrl+r, q, ?; the wizards suggest B, T, ctrl+g.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: actions (without the "action_" prefix) that act on the Nodes pane
NODE_ACTIONS = frozenset({
    "ops_mark", "ops_promote", "ops_demote", "ops_drain", "ops_activate", "ops_pause",
    "ops_label_add", "ops_label_rm", "ops_node_rm",
})
#: actions that act on the Services pane
SERVICE_ACTIONS = frozenset({
    "ops_scale", "ops_restart", "ops_rollback", "ops_image", "ops_service_rm",
})

OPS_BINDINGS: list[BindingType] = [
    # ------------------------------------------------------------------ nodes
    Binding("space", "ops_mark", "Mark", id="ops.mark",
            tooltip="mark/unmark the node: node keys then act on every marked node"),
    Binding("plus", "ops_promote", "Promote", id="ops.promote",
            tooltip="docker node promote NODE…"),
    Binding("minus", "ops_demote", "Demote", id="ops.demote",
            tooltip="docker node demote NODE…"),
    Binding("d", "ops_drain", "Drain", id="ops.drain",
            tooltip="docker node update --availability drain NODE"),
    Binding("a", "ops_activate", "Activate", id="ops.activate",
            tooltip="docker node update --availability active NODE"),
    Binding("c", "ops_pause", "Pause", id="ops.pause",
            tooltip="docker node update --availability pause NODE (k9s: cordon)"),
    Binding("L", "ops_label_add", "Label+", id="ops.label_add",
            tooltip="docker node update --label-add KEY=VALUE NODE"),
    Binding("X", "ops_label_rm", "Label-", id="ops.label_rm",
            tooltip="docker node update --label-rm KEY NODE"),
    Binding("ctrl+d", "ops_node_rm", "Remove", id="ops.node_rm",
            tooltip="docker node rm NODE (type its name to confirm)"),
    # --------------------------------------------------------------- services
    Binding("ctrl+s", "ops_scale", "Scale", id="ops.scale",
            tooltip="docker service scale SERVICE=N"),
    Binding("r", "ops_restart", "Restart", id="ops.restart",
            tooltip="docker service update --force SERVICE"),
    Binding("R", "ops_rollback", "Rollback", id="ops.rollback",
            tooltip="docker service rollback SERVICE"),
    Binding("u", "ops_image", "Image", id="ops.image",
            tooltip="docker service update --image IMAGE SERVICE"),
    Binding("ctrl+d", "ops_service_rm", "Remove", id="ops.service_rm",
            tooltip="docker service rm SERVICE (type its name to confirm)"),
]


def pane_of(action: str) -> str | None:
    """The pane an operation action belongs to ("nodes"/"services"), or None."""
    if action in NODE_ACTIONS:
        return "nodes"
    if action in SERVICE_ACTIONS:
        return "services"
    return None
