"""The sandbox lab: real Docker Engine hosts in namespaces on one Linux machine."""

from swarmtui.lab.lab import DEFAULT_NAME, Lab, LabState
from swarmtui.lab.preflight import LabError

__all__ = ["DEFAULT_NAME", "Lab", "LabError", "LabState"]
