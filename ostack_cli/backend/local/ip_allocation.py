"""Neutron's IPAM for a port: which addresses of which subnets it gets, claimed in the store.

Every function must run inside the transaction that stores the port, so that two processes
never claim one address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from ostack_cli.backend.local.ipam import (
    AUTO_ADDRESS_MODES,
    check_fixed_ips,
    invalid_input,
    ip_in_subnet,
)
from ostack_cli.backend.local.net_records import load, network_subnets
from ostack_cli.backend.models.network import (
    ROUTER_INTERFACE_OWNERS,
    FixedIPRequest,
    Network,
    Subnet,
)
from ostack_cli.errors import BadRequest, Conflict
from ostack_cli.state.store import AddressInUse, Store


def allocate_fixed_ips(
    store: Store,
    network: Network,
    port_id: str,
    requests: Sequence[FixedIPRequest] | None,
    device_owner: str = "",
    held: frozenset[str] = frozenset(),
) -> list[dict[str, str]]:
    """Claim the port's addresses (Neutron's IPAM rules); must run in a transaction.
    ``held``: addresses the port already has, asked for again (not new requests)."""
    subnets = network_subnets(store, network.id)
    if requests is None:
        return _allocate_default(store, network, port_id, subnets)
    resolved = _resolve_requests(store, network, requests, subnets, device_owner, held)
    claimed: dict[int, dict[str, str]] = {}
    # Neutron serves the requests for a specific address first, so an automatic one
    # cannot take it.
    order = sorted(range(len(resolved)), key=lambda i: resolved[i][1] is None)
    for index in order:
        subnet, address = resolved[index]
        claimed[index] = {
            "subnet_id": subnet.id,
            "ip_address": _claim(store, network, subnet, port_id, address),
        }
    return [claimed[i] for i in range(len(resolved))]


def _allocate_default(
    store: Store, network: Network, port_id: str, subnets: list[Subnet]
) -> list[dict[str, str]]:
    # One address of each IP version, from the first subnet that has one free.
    result = []
    for version in (4, 6):
        candidates = [s for s in subnets if s.ip_version == version]
        if not candidates:
            continue
        for subnet in candidates:
            address = store.allocate_ip(
                network_id=network.id, subnet_id=subnet.id, port_id=port_id,
                pools=subnet.pool_ranges(),
                reserved=[subnet.gateway_ip] if subnet.gateway_ip else [],
            )
            if address is not None:
                result.append({"subnet_id": subnet.id, "ip_address": address})
                break
        else:
            raise no_more_addresses(network.id)
    return result


def _resolve_requests(
    store: Store,
    network: Network,
    requests: Sequence[FixedIPRequest],
    subnets: list[Subnet],
    device_owner: str,
    held: frozenset[str] = frozenset(),
) -> list[tuple[Subnet, str | None]]:
    check_fixed_ips(r.ip_address for r in requests)
    if requests and not subnets:
        raise invalid_input("IP allocation requires subnets for network")
    by_id = {s.id: s for s in subnets}
    resolved: list[tuple[Subnet, str | None]] = []
    for request in requests:
        address = request.ip_address
        if request.subnet_id is not None:
            found = by_id.get(request.subnet_id)
            if found is None:
                load(store, Subnet, request.subnet_id)
                raise invalid_input(
                    f"Failed to create port on network {network.id}, because fixed_ips "
                    f"included invalid subnet {request.subnet_id}"
                )
            if address is not None and not ip_in_subnet(found.cidr, address, device_owner):
                raise BadRequest(
                    f"IP address {address} is not a valid IP for the specified subnet."
                )
        elif address is not None:
            found = next(
                (s for s in subnets if ip_in_subnet(s.cidr, address, device_owner)), None
            )
            if found is None:
                raise BadRequest(
                    f"IP address {address} is not a valid IP for any of the subnets on "
                    "the specified network."
                )
        else:
            raise invalid_input("IP allocation requires subnet_id or ip_address")
        if address is not None and address not in held and _is_auto_address(found) \
                and device_owner not in ROUTER_INTERFACE_OWNERS:
            # ipam_backend_mixin ``_test_fixed_ips_for_port``: AllocationOnAutoAddressSubnet.
            raise BadRequest(
                f"IPv6 address {address} cannot be directly assigned to a port on subnet "
                f"{found.id} as the subnet is configured for automatic addresses"
            )
        canonical = str(ipaddress.ip_address(address)) if address is not None else None
        resolved.append((found, canonical))
    return resolved


def _is_auto_address(subnet: Subnet) -> bool:
    """``ipv6_utils.is_auto_address_subnet``: SLAAC or DHCPv6-stateless addresses."""
    return subnet.ip_version == 6 and (subnet.ipv6_address_mode in AUTO_ADDRESS_MODES
                                       or subnet.ipv6_ra_mode in AUTO_ADDRESS_MODES)


def _claim(
    store: Store, network: Network, subnet: Subnet, port_id: str, address: str | None
) -> str:
    try:
        claimed = store.allocate_ip(
            network_id=network.id, subnet_id=subnet.id, port_id=port_id,
            pools=subnet.pool_ranges(), requested=address,
            reserved=[subnet.gateway_ip] if subnet.gateway_ip and address is None else [],
        )
    except AddressInUse:
        raise Conflict(
            f"IP address {address} already allocated in subnet {subnet.id}"
        ) from None
    if claimed is None:
        raise no_more_addresses(network.id)
    return claimed


def no_more_addresses(network_id: str) -> Conflict:
    return Conflict(f"No more IP addresses available on network {network_id}.")
