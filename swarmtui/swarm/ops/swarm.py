"""Swarm-level changes as Operations: init, leave, force-new-cluster, unlock, join
tokens, autolock, unlock key, settings.

They run through the one runner like every other change (read-only refused there,
journaled with their docker CLI line, redacted). Secrets they produce stay on
``op.applied`` as `Secret`s; their result sentences (journaled) never hold one.

init / leave / force-new-cluster / unlock act on one engine that may not be a working
manager (``needs_manager = False``); the runner is given that engine as its source.
"""

from __future__ import annotations

from collections.abc import Sequence

from swarmtui.secrets import Secret
from swarmtui.swarm.ops.base import DockerAPI, GuardResult, Operation
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.swarminit import InitOptions, init_swarm
from swarmtui.swarm.swarmkeys import (
    AUTOLOCK_CONSEQUENCES,
    ROTATE_TOKEN_WARNING,
    UnlockKeyRotation,
    autolock_cli,
    rotate_join_token,
    rotate_token_cli,
    rotate_unlock_key,
    set_autolock,
    unlock_cli,
    unlock_key_cli,
    unlock_manager,
)
from swarmtui.swarm.swarmleave import (
    FORCE_NEW_CLUSTER_CONSEQUENCES,
    force_new_cluster,
    force_new_cluster_cli,
    leave_cli,
    leave_swarm,
)
from swarmtui.swarm.swarmsettings import SwarmSettings, apply_settings, go_duration
from swarmtui.swarm.swarmspec import Role


class SwarmOperation(Operation):
    kind = "swarm"
    follows_cluster = False

    def __init__(self, target: str = "swarm") -> None:
        super().__init__((), (target,))

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        return True, "done"


class EngineOperation(SwarmOperation):
    """A change made on one engine that need not be a working manager."""

    needs_manager = False


# ------------------------------------------------------------- one engine


class InitSwarm(EngineOperation):
    """`docker swarm init …`. After apply: `applied["result"]` is the InitResult (its
    join tokens and unlock key as Secrets)."""

    name = "swarm init"

    def __init__(self, options: InitOptions, warnings: Sequence[str] = ()) -> None:
        super().__init__()
        self.options = options
        self.warnings = tuple(warnings)

    @property
    def cli(self) -> str:
        return self.options.cli()

    @property
    def title(self) -> str:
        return "initialise a swarm on this engine"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        errors = self.options.validate()
        if errors:
            return GuardResult(blocks=tuple(errors))
        if snapshot.in_swarm:
            return GuardResult(blocks=("this engine is already in a swarm (leave it first to "
                                       "initialise a new one)",))
        warnings = self.warnings + ((AUTOLOCK_CONSEQUENCES,) if self.options.autolock else ())
        return GuardResult(warnings=warnings, preview=(
            "this engine becomes the first manager; the join commands are shown once done",))

    def apply(self, api: DockerAPI) -> str:
        result = init_swarm(api, self.options)
        self.applied["result"] = result
        return f"Swarm initialised: this engine is node {result.node_id[:12]}, the manager"


class LeaveSwarm(EngineOperation):
    """`docker swarm leave [--force]` on the connected engine (its name typed to confirm)."""

    name = "swarm leave"

    def __init__(self, node_name: str, force: bool, consequences: str) -> None:
        super().__init__(node_name)
        self.node_name = node_name
        self.force = force
        self.consequences = consequences

    @property
    def cli(self) -> str:
        return leave_cli(self.force)

    @property
    def title(self) -> str:
        return f"{self.node_name} leaves the swarm"

    @property
    def confirm_text(self) -> str | None:
        return self.node_name

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        return GuardResult(warnings=(self.consequences,))

    def apply(self, api: DockerAPI) -> str:
        leave_swarm(api, self.force)
        return f"{self.node_name} left the swarm"


class ForceNewCluster(EngineOperation):
    """`docker swarm init --force-new-cluster` on the chosen surviving manager."""

    name = "force-new-cluster"

    def __init__(self, node_name: str, advertise_addr: str | None = None) -> None:
        super().__init__(node_name)
        self.node_name = node_name
        self.advertise_addr = advertise_addr

    @property
    def cli(self) -> str:
        return force_new_cluster_cli(self.advertise_addr)

    @property
    def title(self) -> str:
        return f"force a new cluster on {self.node_name}"

    @property
    def confirm_text(self) -> str | None:
        return self.node_name

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        return GuardResult(warnings=(FORCE_NEW_CLUSTER_CONSEQUENCES,))

    def apply(self, api: DockerAPI) -> str:
        node_id = force_new_cluster(api, advertise_addr=self.advertise_addr)
        return (f"{self.node_name} (node {node_id[:12]}) is now the single manager of a new "
                "cluster. Join or promote managers to get back to 3 or 5")


class UnlockManager(EngineOperation):
    """`docker swarm unlock` on a locked manager (the key never in argv nor the journal)."""

    name = "unlock"

    def __init__(self, node: str, key: Secret) -> None:
        super().__init__(node)
        self.node = node
        self.key = key

    @property
    def cli(self) -> str:
        return unlock_cli()

    @property
    def title(self) -> str:
        return f"unlock {self.node}"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        return GuardResult(preview=(f"{self.node} rejoins the managers once unlocked",))

    def apply(self, api: DockerAPI) -> str:
        unlock_manager(api, self.key)
        return f"{self.node} is unlocked: it rejoins the managers within seconds"


# ------------------------------------------------------------- the manager's spec


class RotateJoinToken(SwarmOperation):
    """`docker swarm join-token --rotate ROLE`, keeping the whole spec.
    After apply: `applied["tokens"]` is the new JoinTokens."""

    name = "rotate join token"

    def __init__(self, role: Role) -> None:
        super().__init__()
        self.role = role

    @property
    def cli(self) -> str:
        return rotate_token_cli(self.role)

    @property
    def title(self) -> str:
        return f"rotate the {self.role} join token"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        return GuardResult(warnings=(ROTATE_TOKEN_WARNING.format(role=self.role),),
                           preview=(f"new {self.role} join token; autolock and settings kept",))

    def apply(self, api: DockerAPI) -> str:
        self.applied["tokens"] = rotate_join_token(api, self.role)
        return f"the {self.role} join token was rotated"


class SetAutolock(SwarmOperation):
    """`docker swarm update --autolock=true|false` (whole spec).
    After apply: `applied["unlock_key"]` is the key (Secret) when turned on."""

    name = "autolock"
    follows_cluster = True

    def __init__(self, enabled: bool) -> None:
        super().__init__()
        self.enabled = enabled

    @property
    def cli(self) -> str:
        return autolock_cli(self.enabled)

    @property
    def title(self) -> str:
        return f"turn autolock {'on' if self.enabled else 'off'}"

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        if snapshot.autolock == self.enabled:
            return GuardResult(blocks=(f"autolock is already {'on' if self.enabled else 'off'}",))
        if self.enabled:
            return GuardResult(warnings=(AUTOLOCK_CONSEQUENCES,),
                               preview=("autolock on; the unlock key is shown once done",))
        return GuardResult(preview=("autolock off: restarted managers no longer need the "
                                    "unlock key",))

    def apply(self, api: DockerAPI) -> str:
        self.applied["unlock_key"] = set_autolock(api, self.enabled)
        return f"autolock is {'on' if self.enabled else 'off'}"

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        ok = snapshot.autolock == self.enabled
        return ok, f"autolock {'on' if snapshot.autolock else 'off'}"


class RotateUnlockKey(SwarmOperation):
    """`docker swarm unlock-key --rotate`. After apply: `applied["rotation"]`
    (UnlockKeyRotation: old and new key, both to show)."""

    name = "rotate unlock key"

    @property
    def cli(self) -> str:
        return unlock_key_cli(rotate=True)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        if not snapshot.autolock:
            return GuardResult(blocks=("autolock is off: there is no unlock key to rotate",))
        return GuardResult(warnings=(UnlockKeyRotation(None, None).advice,),
                           preview=("a new unlock key; the old one is shown too",))

    def apply(self, api: DockerAPI) -> str:
        self.applied["rotation"] = rotate_unlock_key(api)
        return "the unlock key was rotated"


class UpdateSwarmSettings(SwarmOperation):
    """`docker swarm update --cert-expiry … --dispatcher-heartbeat … --task-history-limit …`

    Three-way: only what the user changed from `current` is written onto the fresh spec.
    """

    name = "swarm settings"

    def __init__(self, settings: SwarmSettings, current: SwarmSettings | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.current = current

    @property
    def cli(self) -> str:
        return self.settings.cli(self.current)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        errors = self.settings.validate()
        if errors:
            return GuardResult(blocks=tuple(errors))
        if self.current is not None and self.current == self.settings:
            return GuardResult(blocks=("nothing to change",))
        preview = [f"certificate expiry {go_duration(self.settings.cert_expiry)}",
                   f"dispatcher heartbeat {go_duration(self.settings.dispatcher_heartbeat)}",
                   f"task history limit {self.settings.task_history_limit}"]
        warnings = []
        if self.current is not None and self.settings.cert_expiry < self.current.cert_expiry:
            warnings.append("nodes renew their certificates on the new schedule; a very short "
                            "expiry means frequent renewals")
        return GuardResult(warnings=tuple(warnings), preview=tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        after = apply_settings(api, self.settings, self.current)
        self.applied["settings"] = after
        return "swarm settings updated"
