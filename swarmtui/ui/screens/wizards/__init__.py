"""The swarm wizards' screens, one module each; what opens them: factories.py."""
