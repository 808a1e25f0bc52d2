"""The store: connection → list calls → one merge rule → health → one immutable snapshot.

* ``store``  — the listener Protocol, the base ``Store`` (owner of the current
  snapshot, inspect and log reads) and ``StaticStore`` (a recorded state).
* ``live``   — ``ApiStore``: a fixed docker APIClient; events as hints, polls, staleness.
* ``link``   — ``LinkStore``: a ClusterLink (SSH, reconnect, failover re-lists all).
* ``merge``  — the one merge rule of a re-list (keep objects whose version is unchanged).
* ``view``   — ``LinkView``: what the status bar shows of the connection.

Submodules are imported by name (``from swarmtui.swarm.sync.live import ApiStore``):
``swarm.fetch`` uses ``merge`` and the stores use ``fetch``.
"""
