"""Bootstrap a new host into the swarm over SSH: facts → plan → apply (issue 6).

No textual here: a wizard screen drives `HostBootstrap` (runner.py) and renders its
`Check`s, `Step`s and `ApplyEvent`s.

Import each name from its module: the package itself imports nothing, so the node
doctor loads only `bootstrap.engine`, and the first screen none of the rest (start-up
time: issue 17).
"""
