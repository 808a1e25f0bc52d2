"""The connection layer: endpoints, SSH tunnels with host-key trust, reconnect and failover.

Never imports textual. Public API (see each module's docstring):

* `resolve_target`, `parse_endpoint`, `default_endpoint`, `Endpoint`, `Target` — endpoint.py
* `fixed_trust`, `TrustDecision`, `HostKeyQuestion`, `TrustCallback` — hostkeys.py
* `open_engine` — tunnel.py (one engine, no failover); `ConnectOptions` — options.py;
  `EngineConnection` — engines.py; `open_ssh` — sshopen.py
* `ClusterLink`, `LinkStatus`, `LinkState`, `SwarmRole` — link.py (what the UI holds)
* `ConnectError` and its family — errors.py

Each name loads its module on first use (swarmtui/lazy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmtui.lazy import lazy_names

if TYPE_CHECKING:
    from swarmtui.connect.endpoint import (
        DEFAULT_SOCKET,
        Endpoint,
        Target,
        TlsFiles,
        default_endpoint,
        parse_endpoint,
        resolve_target,
    )
    from swarmtui.connect.engines import EngineConnection
    from swarmtui.connect.errors import (
        AllEndpointsFailedError,
        AuthFailedError,
        ConnectError,
        EndpointError,
        EngineNotAnsweringError,
        ForwardingRefusedError,
        HostKeyChangedError,
        HostKeyNotTrustedError,
        HostKeyRevokedError,
        HostUnreachableError,
        NotConnectedError,
        SocketPermissionDeniedError,
    )
    from swarmtui.connect.hostkeys import HostKeyQuestion, TrustCallback, TrustDecision, fixed_trust
    from swarmtui.connect.link import ClusterLink
    from swarmtui.connect.linkstatus import LinkState, LinkStatus, SwarmRole, role_from_info
    from swarmtui.connect.options import ConnectOptions, PassphraseCallback
    from swarmtui.connect.sshconf import ssh_config_files
    from swarmtui.connect.tunnel import open_engine

#: each public name → the module defining it
_WHERE = {
    "DEFAULT_SOCKET": "endpoint",
    "AllEndpointsFailedError": "errors",
    "AuthFailedError": "errors",
    "ClusterLink": "link",
    "ConnectError": "errors",
    "ConnectOptions": "options",
    "Endpoint": "endpoint",
    "EndpointError": "errors",
    "EngineConnection": "engines",
    "EngineNotAnsweringError": "errors",
    "ForwardingRefusedError": "errors",
    "HostKeyChangedError": "errors",
    "HostKeyNotTrustedError": "errors",
    "HostKeyQuestion": "hostkeys",
    "HostKeyRevokedError": "errors",
    "HostUnreachableError": "errors",
    "LinkState": "linkstatus",
    "LinkStatus": "linkstatus",
    "NotConnectedError": "errors",
    "PassphraseCallback": "options",
    "SocketPermissionDeniedError": "errors",
    "SwarmRole": "linkstatus",
    "Target": "endpoint",
    "TlsFiles": "endpoint",
    "TrustCallback": "hostkeys",
    "TrustDecision": "hostkeys",
    "default_endpoint": "endpoint",
    "fixed_trust": "hostkeys",
    "open_engine": "tunnel",
    "parse_endpoint": "endpoint",
    "resolve_target": "endpoint",
    "role_from_info": "linkstatus",
    "ssh_config_files": "sshconf",
}

__all__ = [
    "DEFAULT_SOCKET", "AllEndpointsFailedError", "AuthFailedError", "ClusterLink", "ConnectError",
    "ConnectOptions", "Endpoint", "EndpointError", "EngineConnection", "EngineNotAnsweringError",
    "ForwardingRefusedError", "HostKeyChangedError", "HostKeyNotTrustedError", "HostKeyQuestion",
    "HostKeyRevokedError", "HostUnreachableError", "LinkState", "LinkStatus", "NotConnectedError",
    "PassphraseCallback",
    "SocketPermissionDeniedError", "SwarmRole", "Target", "TlsFiles", "TrustCallback",
    "TrustDecision", "default_endpoint", "fixed_trust", "open_engine", "parse_endpoint",
    "resolve_target", "role_from_info", "ssh_config_files",
]

__getattr__ = lazy_names(__name__, _WHERE)
