"""Overlay networks: create (subnet/gateway checked, overlaps refused); remove unless in use."""

from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from swarmtui.swarm.create.base import (
    CreateOperation,
    GuardResult,
    Progress,
    engine_errors,
    guard_result,
    removal_guard,
)
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.service_form import FieldError, label_errors, split_pair

NETWORK_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
PREDEFINED = ("bridge", "host", "none", "docker_gwbridge")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class NetworkForm:
    """The "new overlay network" form, as typed."""

    name: str = ""
    #: CIDR, e.g. 10.20.0.0/24; empty = Swarm picks one from its address pool
    subnet: str = ""
    #: an address inside the subnet; empty = the first one
    gateway: str = ""
    #: standalone containers (docker run --network) may join too
    attachable: bool = False
    #: IPsec encryption of traffic between nodes
    encrypted: bool = False
    #: "key=value" lines
    labels: list[str] = field(default_factory=list)


def parse_subnet(text: str) -> IPNetwork:
    """A subnet in CIDR form; ValueError with a sentence otherwise."""
    t = text.strip()
    if "/" not in t:
        raise ValueError(f"'{t}' needs a prefix length, e.g. {t}/24")
    try:
        return ipaddress.ip_network(t, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(t, strict=False)
        except ValueError:
            raise ValueError(f"'{t}' is not a subnet: write one like 10.20.0.0/24") from None
        raise ValueError(f"'{t}' has host bits set: did you mean {loose}?") from None


def overlapping(subnet: IPNetwork, inv: Inventory, *, exclude: str = "") -> list[str]:
    """ "10.0.0.0/24 of network 'appnet'" for every existing subnet `subnet` overlaps."""
    hits = []
    for n in inv.networks:
        if n.name == exclude:
            continue
        for s in n.subnets:
            try:
                other = ipaddress.ip_network(s, strict=False)
            except ValueError:
                continue
            if other.version == subnet.version and subnet.overlaps(other):
                hits.append(f"{other} of network '{n.name}'")
    return hits


def validate_network(form: NetworkForm, inv: Inventory | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    name = form.name.strip()
    if not name:
        errors.append(FieldError("name", "a network needs a name"))
    elif not NETWORK_NAME_RE.match(name):
        errors.append(FieldError("name", f"'{name}' is not a valid network name: use letters, "
                                         "digits, '_', '.', '-', starting with a letter or digit"))
    elif name in PREDEFINED:
        errors.append(FieldError("name", f"'{name}' is a network name Docker reserves"))
    elif inv is not None and any(n.name == name for n in inv.networks):
        errors.append(FieldError("name", f"a network named '{name}' already exists"))
    subnet: IPNetwork | None = None
    if form.subnet.strip():
        try:
            subnet = parse_subnet(form.subnet)
        except ValueError as exc:
            errors.append(FieldError("subnet", str(exc)))
        else:
            if subnet.num_addresses < 4:
                errors.append(FieldError("subnet", f"{subnet} is too small for an overlay "
                                                   "network: use /29 or larger"))
            elif inv is not None:
                hits = overlapping(subnet, inv)
                if hits:
                    errors.append(FieldError("subnet", f"{subnet} overlaps {', '.join(hits)}"))
    if form.gateway.strip():
        gw = form.gateway.strip()
        try:
            addr = ipaddress.ip_address(gw)
        except ValueError:
            errors.append(FieldError("gateway", f"'{gw}' is not an IP address"))
        else:
            if not form.subnet.strip():
                errors.append(FieldError("gateway", "a gateway needs a subnet: fill in the subnet"))
            elif subnet is not None:
                if addr not in subnet:
                    errors.append(FieldError("gateway", f"{addr} is outside the subnet {subnet}"))
                elif addr == subnet.network_address or (
                        subnet.version == 4 and addr == subnet.broadcast_address):
                    errors.append(FieldError("gateway", f"{addr} is the network or broadcast "
                                                        f"address of {subnet}"))
    return errors + label_errors(form.labels)


def network_create_argv(form: NetworkForm) -> list[str]:
    argv = ["docker", "network", "create", "--driver", "overlay"]
    if form.subnet.strip():
        argv += ["--subnet", form.subnet.strip()]
    if form.gateway.strip():
        argv += ["--gateway", form.gateway.strip()]
    if form.attachable:
        argv.append("--attachable")
    if form.encrypted:
        argv += ["--opt", "encrypted"]
    for label in form.labels:
        argv += ["--label", label]
    argv.append(form.name.strip())
    return argv


def network_create_kwargs(form: NetworkForm) -> dict[str, Any]:
    """Keyword arguments for docker.APIClient.create_network."""
    kwargs: dict[str, Any] = {
        "name": form.name.strip(),
        "driver": "overlay",
        "attachable": form.attachable,
        "scope": "swarm",
        "labels": {split_pair(x)[0]: split_pair(x)[1] for x in form.labels},
    }
    if form.encrypted:
        kwargs["options"] = {"encrypted": ""}
    if form.subnet.strip():
        pool: dict[str, Any] = {"Subnet": form.subnet.strip()}
        if form.gateway.strip():
            pool["Gateway"] = form.gateway.strip()
        kwargs["ipam"] = {"Driver": "default", "Config": [pool], "Options": {}}
    return kwargs


class CreateNetwork(CreateOperation):
    """`docker network create -d overlay …`."""

    name = "create network"

    kind = "network"

    def __init__(self, form: NetworkForm) -> None:
        super().__init__(form.name.strip())
        self.form = form

    @property
    def cli(self) -> str:
        return shlex.join(network_create_argv(self.form))

    def check(self, inv: Inventory) -> GuardResult:
        errors = validate_network(self.form, inv)
        if errors:
            return guard_result(blocks=[str(e) for e in errors])
        f = self.form
        bits = [f"overlay network {f.name.strip()}",
                f"subnet {f.subnet.strip()}" if f.subnet.strip() else "subnet from Swarm's pool"]
        if f.attachable:
            bits.append("attachable")
        if f.encrypted:
            bits.append("encrypted")
        warnings = []
        if f.encrypted:
            warnings.append("encrypted overlay traffic uses IPsec (ESP, IP protocol 50): it must "
                            "be allowed between the nodes")
        return guard_result(warnings=warnings, preview=[", ".join(bits)])

    def apply(self, api: Any) -> str:
        with engine_errors(f"creating network {self.target}"):
            result = api.create_network(**network_create_kwargs(self.form))
        self.applied["network_id"] = str(result.get("Id"))
        return f"network {self.target} created"

    def progress(self, snapshot: Any) -> Progress:
        inv = Inventory.of(snapshot)
        if any(n.name == self.target for n in inv.networks):
            return Progress(True, f"network {self.target} exists")
        return Progress(False, f"waiting for network {self.target} to be listed")


class RemoveNetwork(CreateOperation):
    """`docker network rm NAME` — refused while services use the network."""

    name = "remove network"

    kind = "network"
    typed_to_confirm = True

    def __init__(self, network: str) -> None:
        super().__init__(network)
        self.network = network

    @property
    def cli(self) -> str:
        return shlex.join(["docker", "network", "rm", self.network])

    def check(self, inv: Inventory) -> GuardResult:
        net = inv.network(self.network)
        if net is None:
            return guard_result(blocks=[f"there is no network '{self.network}'"])
        if net.name in PREDEFINED:
            return guard_result(blocks=[f"'{net.name}' is a network Docker creates itself; it "
                                       "cannot be removed"])
        if net.ingress:
            return guard_result(blocks=["the ingress network carries every published port; "
                                       "swarmtui does not remove it"])
        return removal_guard(f"network {net.name}", inv.services_on_network(net),
                             "detach or remove them first",
                             f"remove {net.scope} network {net.name} ({net.driver})")

    def apply(self, api: Any) -> str:
        with engine_errors(f"removing network {self.network}"):
            api.remove_network(self.network)
        return f"network {self.network} removed"

    def progress(self, snapshot: Any) -> Progress:
        inv = Inventory.of(snapshot)
        if inv.network(self.network) is None:
            return Progress(True, f"network {self.network} is gone")
        return Progress(False, f"waiting for network {self.network} to disappear")
