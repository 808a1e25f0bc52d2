"""The sandbox lab: real Docker Engine hosts in namespaces on one Linux machine."""

from swarmtui.lab.lab import DEFAULT_NAME, Lab
from swarmtui.lab.preflight import LabError
from swarmtui.lab.state import LabState

__all__ = ["DEFAULT_NAME", "Lab", "LabError", "LabState"]
