"""The connection layer: endpoints, SSH tunnels with host-key trust, reconnect and failover.

Never imports textual. Its modules (see each module's docstring):

* `resolve_target`, `parse_endpoint`, `default_endpoint`, `Endpoint`, `Target` — endpoint.py
* `fixed_trust`, `TrustDecision`, `HostKeyQuestion`, `TrustCallback` — hostkeys.py
* `open_engine` — tunnel.py (one engine, no failover); `ConnectOptions` — options.py;
  `EngineConnection` — engines.py; `open_ssh` — sshopen.py
* `ClusterLink`, `LinkStatus`, `LinkState`, `SwarmRole` — link.py (what the UI holds)
* `ConnectError` and its family — errors.py

Import each name from its module: the package itself imports nothing, so using one
module never loads the others (start-up time: issue 17).
"""
