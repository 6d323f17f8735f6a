"""What the networking services share: reads of the records inside a transaction, visibility,
and Neutron's update conventions, as plain functions of the store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ostack_cli.backend.local.ipam import bad_request
from ostack_cli.backend.models import ResourceT, utcnow
from ostack_cli.backend.models.network import Network, Port, Subnet
from ostack_cli.errors import BadRequest, NotFound
from ostack_cli.state.store import Store


def network_visible(network: Network, project_id: str) -> bool:
    """A project sees its own networks, plus shared and external ones."""
    return network.project_id == project_id or network.is_shared or network.is_router_external


# -- fresh reads inside a transaction ---------------------------------------------------------

def load(store: Store, model: type[ResourceT], resource_id: str) -> ResourceT:
    found = store.get(model, resource_id)
    if found is None:
        noun = {"floating_ip": "Floating IP"}.get(model.KIND, model.RESOURCE_NAME)
        raise NotFound(f"{noun} {resource_id} could not be found.")
    return found


def network_subnets(store: Store, network_id: str) -> list[Subnet]:
    return [s for s in store.list(Subnet) if s.network_id == network_id]


def network_ports(store: Store, network_id: str) -> list[Port]:
    return [p for p in store.list(Port) if p.network_id == network_id]


def device_ports(store: Store, device_id: str) -> list[Port]:
    return [p for p in store.list(Port) if p.device_id == device_id]


def subnet_ports(store: Store, subnet_id: str) -> list[Port]:
    return [
        p for p in store.list(Port)
        if any(ip["subnet_id"] == subnet_id for ip in p.fixed_ips)
    ]


# -- updates ----------------------------------------------------------------------------------

def bumped(obj: ResourceT, **changes: Any) -> ResourceT:
    """The record after an update: Neutron bumps the revision and the update time."""
    revision = int(getattr(obj, "revision_number", 0)) + 1
    return obj.replace(revision_number=revision, updated_at=utcnow(), **changes)


def unknown_changes(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    extra = sorted(set(changes) - set(allowed))
    if extra:
        raise TypeError(f"unsupported changes: {', '.join(extra)}")


def not_external(network_id: str, resource: str) -> BadRequest:
    if resource == "router":
        return bad_request("router", f"Network {network_id} is not an external network")
    return bad_request(resource, f"Network {network_id} is not a valid external network")
