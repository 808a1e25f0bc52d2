"""Creating and changing services, overlay networks, stacks, secrets and configs (issue 8).

Pure logic (forms, validation, specs, CLI equivalents, compose parsing, spec
diffs) plus operations that follow the domain's Operation shape: ``cli``,
``guard(snapshot, read_only=…)``, ``apply(api)``, ``converged(snapshot)``.

Each name loads its module on first use (swarmtui/lazy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmtui.lazy import lazy_names

if TYPE_CHECKING:
    from swarmtui.swarm.create.base import (
        CreateOperation,
        GuardResult,
        OperationError,
        Progress,
    )
    from swarmtui.swarm.create.compose import ComposeError, load_compose, parse_compose
    from swarmtui.swarm.create.compose_plan import StackPlan
    from swarmtui.swarm.create.diff import SpecChange, spec_diff
    from swarmtui.swarm.create.inventory import Inventory, StoredObject
    from swarmtui.swarm.create.network import (
        CreateNetwork,
        NetworkForm,
        RemoveNetwork,
        network_create_argv,
        validate_network,
    )
    from swarmtui.swarm.create.objects import (
        CreateObject,
        Hidden,
        ObjectForm,
        ObjectRow,
        RemoveObject,
        object_create_cli,
        object_rows,
        validate_object,
    )
    from swarmtui.swarm.create.service_cli import create_cli, update_cli
    from swarmtui.swarm.create.service_form import (
        FieldError,
        FormInvalidError,
        MountField,
        ObjectRef,
        PortField,
        ServiceForm,
        errors_by_field,
        field_errors,
        validate,
    )
    from swarmtui.swarm.create.service_ops import (
        AttachNetwork,
        CreateService,
        DetachNetwork,
        EditService,
        FormState,
        form_state,
        service_progress,
    )
    from swarmtui.swarm.create.service_spec import build_spec, form_from_spec, merge_form
    from swarmtui.swarm.create.stack import (
        DeployStack,
        RemoveStack,
        StackAction,
        StackRow,
        stack_rows,
    )

#: each public name → the module defining it
_WHERE = {
    "AttachNetwork": "service_ops",
    "ComposeError": "compose",
    "CreateNetwork": "network",
    "CreateObject": "objects",
    "CreateOperation": "base",
    "CreateService": "service_ops",
    "DeployStack": "stack",
    "DetachNetwork": "service_ops",
    "EditService": "service_ops",
    "FieldError": "service_form",
    "FormInvalidError": "service_form",
    "FormState": "service_ops",
    "GuardResult": "base",
    "Hidden": "objects",
    "Inventory": "inventory",
    "MountField": "service_form",
    "NetworkForm": "network",
    "ObjectForm": "objects",
    "ObjectRef": "service_form",
    "ObjectRow": "objects",
    "OperationError": "base",
    "PortField": "service_form",
    "Progress": "base",
    "RemoveNetwork": "network",
    "RemoveObject": "objects",
    "RemoveStack": "stack",
    "ServiceForm": "service_form",
    "SpecChange": "diff",
    "StackAction": "stack",
    "StackPlan": "compose_plan",
    "StackRow": "stack",
    "StoredObject": "inventory",
    "build_spec": "service_spec",
    "create_cli": "service_cli",
    "errors_by_field": "service_form",
    "field_errors": "service_form",
    "form_from_spec": "service_spec",
    "form_state": "service_ops",
    "load_compose": "compose",
    "merge_form": "service_spec",
    "network_create_argv": "network",
    "object_create_cli": "objects",
    "object_rows": "objects",
    "parse_compose": "compose",
    "service_progress": "service_ops",
    "spec_diff": "diff",
    "stack_rows": "stack",
    "update_cli": "service_cli",
    "validate": "service_form",
    "validate_network": "network",
    "validate_object": "objects",
}

__all__ = [
    "AttachNetwork",
    "ComposeError",
    "CreateNetwork",
    "CreateObject",
    "CreateOperation",
    "CreateService",
    "DeployStack",
    "DetachNetwork",
    "EditService",
    "FieldError",
    "FormInvalidError",
    "FormState",
    "GuardResult",
    "Hidden",
    "Inventory",
    "MountField",
    "NetworkForm",
    "ObjectForm",
    "ObjectRef",
    "ObjectRow",
    "OperationError",
    "PortField",
    "Progress",
    "RemoveNetwork",
    "RemoveObject",
    "RemoveStack",
    "ServiceForm",
    "SpecChange",
    "StackAction",
    "StackPlan",
    "StackRow",
    "StoredObject",
    "build_spec",
    "create_cli",
    "errors_by_field",
    "field_errors",
    "form_from_spec",
    "form_state",
    "load_compose",
    "merge_form",
    "network_create_argv",
    "object_create_cli",
    "object_rows",
    "parse_compose",
    "service_progress",
    "spec_diff",
    "stack_rows",
    "update_cli",
    "validate",
    "validate_network",
    "validate_object",
]

__getattr__ = lazy_names(__name__, _WHERE)
