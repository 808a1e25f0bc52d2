"""Raft backups of a swarm: `swarmtui backup create|list|restore` (never imports textual).

* quorum.py — may this manager's engine be stopped for a backup? (pure maths)
* manifest.py — the archive + manifest on the jump box, listing, lookup
* remote.py — one host over SSH: commands, tar streams, the engine API
* steps.py — timed, journaled steps with their command-line equivalents
* create.py, restore.py — the two procedures; command.py — the command line
* recover.py — a lost quorum: recognise it, name the manager with the freshest raft state
"""
