"""What the networking services share: reads of the records inside a transaction, visibility,
and Neutron's update conventions, as plain functions of the store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ostack_cli.backend.local.ipam import bad_request
from ostack_cli.backend.models import ResourceT, utcnow
from ostack_cli.backend.models.network import (
    ROUTER_INTERFACE_OWNERS,
    FloatingIP,
    Port,
    Router,
    Subnet,
)
from ostack_cli.backend.models.port_forwarding import PortForwarding
from ostack_cli.errors import BadRequest, Conflict, NotFound
from ostack_cli.state.store import Store

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


# -- floating IPs and their port forwardings ----------------------------------------------

def router_for_floating_ip(
    store: Store, port: Port, subnet: Subnet, external_network_id: str
) -> str | None:
    """A router joining the port's subnet to the external network, the one holding the
    subnet's gateway address first (l3_db ``_get_router_for_floatingip``); None if none."""
    first = None
    for interface in store.list(Port):
        if (interface.device_owner not in ROUTER_INTERFACE_OWNERS
                or interface.network_id != port.network_id):
            continue
        addresses = [ip["ip_address"] for ip in interface.fixed_ips
                     if ip["subnet_id"] == subnet.id]
        router = store.get(Router, interface.device_id) if addresses else None
        info = router.external_gateway_info if router is not None else None
        if router is None or not info or info["network_id"] != external_network_id:
            continue
        if subnet.gateway_ip in addresses:
            return router.id
        first = first or router.id
    return first


def fip_port_forwardings(store: Store, fip_id: str) -> list[PortForwarding]:
    return sorted((pf for pf in store.list(PortForwarding) if pf.floatingip_id == fip_id),
                  key=lambda pf: pf.id)


def check_fip_not_forwarding(store: Store, fip_id: str) -> None:
    """A floating IP with port forwardings is never mapped to a port, nor deleted
    (the port forwarding plugin's ``_check_floatingip_request``)."""
    if fip_port_forwardings(store, fip_id):
        raise Conflict(f"Floating IP {fip_id} in use by Port Forwarding resources.")


def drop_port_forwardings(store: Store, port_id: str, kept_ips: Sequence[str] = ()) -> None:
    """A port's forwardings go with it, or with the fixed IP they forward to; a floating IP
    left without any is no longer bound to its router (``_process_port_request``)."""
    for pf in store.list(PortForwarding):
        if pf.internal_port_id != port_id or pf.internal_ip_address in kept_ips:
            continue
        store.delete(PortForwarding, pf.id)
        if not fip_port_forwardings(store, pf.floatingip_id):
            fip = store.get(FloatingIP, pf.floatingip_id)
            if fip is not None and fip.port_id is None and fip.router_id is not None:
                store.update(bumped(fip, router_id=None))
