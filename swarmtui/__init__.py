"""swarmtui: a terminal UI for Docker Swarm clusters."""

__version__ = "0.1.0"
