"""Neutron's address checks as pure functions: CIDRs, gateways, pools, nameservers, routes.

Messages are Neutron's (neutron-lib validators, ``db_base_plugin_v2``, ``ipam_backend_mixin``),
formatted as the API returns them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from ostack_cli.errors import BadRequest, Conflict

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Neutron's defaults for max_dns_nameservers and max_subnet_host_routes.
MAX_DNS_NAMESERVERS = 5
MAX_HOST_ROUTES = 20


def invalid_attr(attr: str, reason: str) -> BadRequest:
    """The API layer's message for a value its validator refuses."""
    return BadRequest(f"Invalid input for {attr}. Reason: {reason}.")


def invalid_input(message: str) -> BadRequest:
    """neutron-lib ``InvalidInput``."""
    return BadRequest(f"Invalid input for operation: {message}.")


def bad_request(resource: str, message: str) -> BadRequest:
    """neutron-lib ``BadRequest``."""
    return BadRequest(f"Bad {resource} request: {message}.")


# -- addresses ----------------------------------------------------------------------------


def ip_address_error(data: str) -> str | None:
    """neutron-lib ``validate_ip_address``: None if ``data`` is an IP address, else why not."""
    if not data or any(c.isspace() for c in data):
        return f"'{data}' is not a valid IP address"
    if ":" not in data:
        parts = data.split(".")
        # Neutron accepts zero-padded octets only to recommend the plain form.
        if len(parts) != 4 or not all(p.isdigit() and int(p) <= 255 for p in parts):
            return f"'{data}' is not a valid IP address"
        plain = ".".join(str(int(p)) for p in parts)
        if plain != data:
            return f"'{data}' is not an accepted IP address, '{plain}' is recommended"
        return None
    # netaddr (Neutron's parser) knows no IPv6 zone index ("fe80::1%eth0"); Python does.
    try:
        ipaddress.IPv6Address(data)
    except ValueError:
        return f"'{data}' is not a valid IP address"
    return f"'{data}' is not a valid IP address" if "%" in data else None


def parse_ip(data: str, attr: str) -> IPAddress:
    reason = ip_address_error(data)
    if reason:
        raise invalid_attr(attr, reason)
    return ipaddress.ip_address(data)


def fixed_ips_error(addresses: Iterable[str | None]) -> str | None:
    """neutron-lib ``validate_fixed_ips``: None if each address given is one, and none is
    given twice; else why not."""
    seen: list[str] = []
    for address in addresses:
        if address is None:
            continue
        if address in seen:
            return f"Duplicate IP address '{address}'"
        reason = ip_address_error(address)
        if reason:
            return reason
        seen.append(address)
    return None


def check_fixed_ips(addresses: Iterable[str | None]) -> None:
    reason = fixed_ips_error(addresses)
    if reason:
        raise invalid_attr("fixed_ips", reason)


def check_ip_version(ip_version: int, value: str, name: str) -> None:
    """``_validate_ip_version``: an address or CIDR of the subnet's IP version."""
    version = ipaddress.ip_interface(value).version
    if version != ip_version:
        raise invalid_input(f"{name} '{value}' does not match the ip_version '{ip_version}'")


def subnet_error(data: str) -> str | None:
    """neutron-lib ``validate_subnet``: a CIDR, host bits allowed, in canonical form."""
    reason = f"'{data}' is not a valid IP subnet"
    if not data or any(c.isspace() for c in data) or "/" not in data:
        return reason
    address, _, prefix = data.partition("/")
    if ip_address_error(address) is not None or not prefix.isdigit():
        return reason
    try:
        interface = ipaddress.ip_interface(data)
    except ValueError:
        return reason
    if interface.version == 4 and str(interface) != data:
        return reason
    return None


def route_cidr_error(data: str) -> str | None:
    """neutron-lib ``validate_route_cidr``: a CIDR without host bits, not loopback."""
    reason = f"'{data}' is not a valid CIDR"
    if subnet_error(data) is not None:
        return reason
    interface = ipaddress.ip_interface(data)
    if interface.ip != interface.network.network_address:
        return reason
    if interface.network.is_loopback:
        return f"'{data}' is not a routable CIDR"
    return None


def ip_in_subnet(cidr: str, address: str, device_owner: str = "") -> bool:
    """``ipam.utils.check_subnet_ip``: inside, and not the v4 network/broadcast address."""
    net = ipaddress.ip_network(cidr)
    ip = ipaddress.ip_address(address)
    if ip.version != net.version or ip not in net:
        return False
    if net.version == 4:
        # netaddr has no broadcast address for /31 and /32.
        if net.prefixlen >= 31:
            return ip != net.network_address
        return ip not in (net.network_address, net.broadcast_address)
    router_owner = device_owner in ("", "network:router_interface", "network:router_gateway",
                                    "network:ha_router_replicated_interface",
                                    "network:router_interface_distributed",
                                    "network:router_centralized_snat")
    return router_owner or ip != net.network_address


# -- subnets ------------------------------------------------------------------------------


def parse_cidr(data: str, ip_version: int) -> IPNetwork:
    """The subnet's network, host bits cleared as Neutron stores it."""
    reason = subnet_error(data)
    if reason:
        raise invalid_attr("cidr", reason)
    check_ip_version(ip_version, data, "cidr")
    net = ipaddress.ip_interface(data).network
    if net.version == 6 and net.network_address == ipaddress.IPv6Address("::"):
        raise invalid_input("IPv6 subnet '::' is not supported")
    return net


def check_dhcp_prefix(net: IPNetwork) -> None:
    """A subnet with DHCP needs room for it (``_validate_subnet``)."""
    if net.prefixlen > (30 if net.version == 4 else 126):
        raise invalid_input(
            "Subnet has a prefix length that is incompatible with DHCP service enabled"
        )
    if net.is_multicast:
        raise invalid_input("Multicast IP subnet is not supported if enable_dhcp is True")
    if net.is_loopback:
        raise invalid_input("Loopback IP subnet is not supported if enable_dhcp is True")
    if net.version == 4 and int(net.network_address) == 0:
        raise invalid_input("First IP '0.0.0.0' of network is not supported if enable_dhcp "
                            "is True.")


# ``ipv6_utils.is_auto_address_subnet``: the modes whose addresses are EUI-64.
AUTO_ADDRESS_MODES = ("slaac", "dhcpv6-stateless")


def check_ipv6_modes(net: IPNetwork, ra_mode: str | None, address_mode: str | None,
                     enable_dhcp: bool) -> None:
    """``_validate_ipv6_attributes`` of a new IPv6 subnet: the modes need DHCP, agree when
    both are given, and EUI-64 addresses need a /64."""
    if (ra_mode or address_mode) and not enable_dhcp:
        raise invalid_input("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp "
                            "is set to False")
    if ra_mode and address_mode and ra_mode != address_mode:
        raise invalid_input(
            f"ipv6_ra_mode set to '{ra_mode}' with ipv6_address_mode set to '{address_mode}' "
            "is not valid. If both attributes are set, they must be the same value")
    if (ra_mode in AUTO_ADDRESS_MODES or address_mode in AUTO_ADDRESS_MODES) \
            and net.prefixlen != 64:
        raise invalid_input(
            f"Invalid CIDR {net} for IPv6 address mode. OpenStack uses the EUI-64 address "
            "format, which requires the prefix to be /64")


def check_prefix_length(net: IPNetwork) -> None:
    if net.prefixlen == 0:
        raise invalid_input("0 is not allowed as CIDR prefix length")


def default_gateway(net: IPNetwork) -> str:
    """``--gateway auto``: the first host of an IPv4 subnet; for IPv6, Neutron takes the
    subnet-router anycast address (the network address)."""
    return str(net.network_address + (1 if net.version == 4 else 0))


def check_gateway(net: IPNetwork, gateway: str) -> str:
    """The gateway of a subnet, by ``ipam.utils.check_gateway_invalid_in_subnet``: anywhere
    outside the subnet (an on-link router), or inside it but not the network or broadcast
    address of an IPv4 subnet."""
    ip = parse_ip(gateway, "gateway_ip")
    check_ip_version(net.version, gateway, "gateway_ip")
    edge = net.version == 4 and ip in (net.network_address, net.broadcast_address)
    if edge:
        raise invalid_input("Gateway is not valid on subnet")
    return str(ip)


def _usable_range(net: IPNetwork) -> tuple[int, int]:
    first, last = int(net.network_address), int(net.broadcast_address)
    if first == last:
        return first, last
    if net.version == 4:
        return (first + 1, last - 1) if net.prefixlen <= 30 else (first, last)
    return first + 1, last


def _address(net: IPNetwork, value: int) -> str:
    return str(ipaddress.ip_address(value) if net.version == 4 else ipaddress.IPv6Address(value))


def generate_pools(net: IPNetwork, gateway: str | None) -> list[dict[str, str]]:
    """``ipam.utils.generate_pools``: the usable range, split around the gateway."""
    first, last = _usable_range(net)
    ranges = [(first, last)]
    if gateway is not None:
        gw = int(ipaddress.ip_address(gateway))
        if first <= gw <= last:
            ranges = [(first, gw - 1), (gw + 1, last)]
    return [
        {"start": _address(net, start), "end": _address(net, end)}
        for start, end in ranges
        if start <= end
    ]


def _range_text(start: IPAddress, end: IPAddress) -> str:
    # netaddr's IPRange prints as "start-end".
    return f"{start}-{end}"


def check_pools(
    pools: Sequence[dict[str, str]], net: IPNetwork, gateway: str | None
) -> list[dict[str, str]]:
    """``--allocation-pool`` checks, in Neutron's order; returns the pools in canonical form."""
    for pool in pools:
        for key in ("start", "end"):
            reason = ip_address_error(pool.get(key, ""))
            if reason:
                raise invalid_attr("allocation_pools", reason)
    ranges: list[tuple[IPAddress, IPAddress]] = []
    for pool in pools:
        start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
        if start.version != end.version or int(start) > int(end):
            raise BadRequest(f"The allocation pool {pool!r} is not valid.")
        ranges.append((start, end))
    first, last = _usable_range(net)
    for start, end in ranges:
        if start.version != net.version:
            raise BadRequest(f"The allocation pool {_range_text(start, end)} is not valid.")
        if int(start) < first or int(end) > last:
            raise BadRequest(
                f"The allocation pool {_range_text(start, end)} spans beyond the subnet cidr "
                f"{net}."
            )
    for i, (start_a, end_a) in enumerate(ranges):
        for start_b, end_b in ranges[i + 1:]:
            if int(start_a) <= int(end_b) and int(start_b) <= int(end_a):
                raise Conflict(
                    f"Found overlapping allocation pools: {_range_text(start_a, end_a)} "
                    f"{_range_text(start_b, end_b)} for subnet {net}."
                )
    if gateway is not None:
        check_gateway_out_of_pools(gateway, [(str(s), str(e)) for s, e in ranges])
    return [{"start": str(start), "end": str(end)} for start, end in ranges]


def check_gateway_out_of_pools(gateway: str, pools: Iterable[tuple[str, str]]) -> None:
    gw = ipaddress.ip_address(gateway)
    for start, end in pools:
        low, high = ipaddress.ip_address(start), ipaddress.ip_address(end)
        if low.version == gw.version and int(low) <= int(gw) <= int(high):
            raise Conflict(
                f"Gateway ip {gateway} conflicts with allocation pool {_range_text(low, high)}."
            )


def check_nameservers(
    servers: Sequence[str], ip_version: int, subnet_id: str | None = None
) -> list[str]:
    seen: list[str] = []
    for host in servers:
        reason = ip_address_error(host)
        if reason:
            raise invalid_attr("dns_nameservers", f"'{host}' is not a valid nameserver. {reason}")
        if host in seen:
            raise invalid_attr("dns_nameservers", f"Duplicate nameserver '{host}'")
        seen.append(host)
    if len(seen) > MAX_DNS_NAMESERVERS:
        raise BadRequest(
            f"Unable to complete operation for {subnet_id or 'new subnet'}. The number of DNS "
            f"nameservers exceeds the limit {MAX_DNS_NAMESERVERS}."
        )
    for host in seen:
        check_ip_version(ip_version, host, "dns_nameserver")
    return seen


def check_routes(routes: Sequence[dict[str, str]], attr: str) -> list[dict[str, str]]:
    """neutron-lib ``validate_hostroutes``: ``{destination, nexthop}`` dicts, no duplicates."""
    seen: list[dict[str, str]] = []
    for route in routes:
        reason = route_cidr_error(route.get("destination", ""))
        if reason is None:
            reason = ip_address_error(route.get("nexthop", ""))
        if reason:
            raise invalid_attr(attr, reason)
        if route in seen:
            raise invalid_attr(attr, f"Duplicate hostroute '{route!r}'")
        seen.append(route)
    return [{"destination": r["destination"], "nexthop": r["nexthop"]} for r in seen]


def check_host_routes(
    routes: Sequence[dict[str, str]], ip_version: int, subnet_id: str | None = None
) -> list[dict[str, str]]:
    checked = check_routes(routes, "host_routes")
    if len(checked) > MAX_HOST_ROUTES:
        raise BadRequest(
            f"Unable to complete operation for {subnet_id or 'new subnet'}. The number of host "
            f"routes exceeds the limit {MAX_HOST_ROUTES}."
        )
    for route in checked:
        check_ip_version(ip_version, route["nexthop"], "nexthop")
        check_ip_version(ip_version, route["destination"], "destination")
    return checked


def overlaps(cidr_a: str, cidr_b: str) -> bool:
    return ipaddress.ip_network(cidr_a).overlaps(ipaddress.ip_network(cidr_b))


def in_any_cidr(address: str, cidrs: Iterable[str]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(
        ip.version == net.version and ip in net
        for net in (ipaddress.ip_network(c) for c in cidrs)
    )


def is_ipv4(address: str) -> bool:
    return ipaddress.ip_address(address).version == 4
