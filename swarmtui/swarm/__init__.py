"""The swarm domain (never imports textual).

* ``models``   — frozen Node / Service / Task / Network built from API dicts (``from_api``).
* ``format``   — what the docker CLI prints: ages, replicas, ports, task names.
* ``state``    — ClusterSnapshot: objects keyed by ID, engine info, lookups, stacks.
* ``fetch``    — fetch_snapshot / fetch_kind: one list call per kind, never per object.
* ``events``   — EventWatcher: the swarm event stream in a thread, as re-list hints.
* ``sync``     — the store: the one owner of the current snapshot (lists, merge, health,
  events, polls, reconnects); listeners are a typed Protocol.
* ``logs``     — a service's follow stream and its lines parsed for people.
* ``health``   — quorum maths, header summary, problems in plain words (``assess``: once
  per snapshot, by the store).
* ``ops``      — operations: plan → guard → apply → converge, with run_operation.
(Secrets and their redaction live in ``swarmtui.secrets``, shared by every layer.)
"""
