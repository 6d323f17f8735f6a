"""Floating IP port forwardings in the local store, with the rules and messages of Neutron's
port forwarding plugin (``services/portforwarding/pf_plugin.py``): a floating IP forwards
ports, or is mapped to a port, never both; ports and ranges never collide, outside (one
floating IP and protocol) or inside (one port, address and protocol)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.ipam import bad_request
from ostack_cli.backend.local.net_records import (
    bumped,
    fip_port_forwardings,
    load,
    router_for_floating_ip,
    unknown_changes,
)
from ostack_cli.backend.local.neutron_input import check_string
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import FloatingIP, Port, Subnet
from ostack_cli.backend.models.port_forwarding import (
    PROTOCOLS,
    PortForwarding,
    PortForwardingSpec,
)
from ostack_cli.errors import BadRequest, Conflict, NotFound, not_found

PF_CHANGES = (
    "internal_port_id", "internal_ip_address", "internal_port", "internal_port_range",
    "external_port", "external_port_range", "protocol", "description",
)
DESCRIPTION_MAX_LEN = 255


def _pf_error(message: str) -> BadRequest:
    return bad_request("port_forwarding", message)


def _range(single: int | None, text: str | None) -> tuple[int, int] | None:
    """A port or ``a:b`` range as (first, last); None if neither is given."""
    if text:
        first, _, last = str(text).partition(":")
        return int(first), int(last or first)
    if single is not None:
        return int(single), int(single)
    return None


def _text(span: tuple[int, int]) -> str:
    return f"{span[0]}:{span[1]}"


def _collides(a: tuple[int, int], b: tuple[int, int]) -> bool:
    for port in (*a, *b):
        if not 1 <= port <= 65535:
            # Neutron's text ends with a period before BadRequest adds its own.
            raise _pf_error("Invalid port value, the port value must be a value between 1 "
                            "and 65535.")
    return max(a[0], b[0]) <= min(a[1], b[1])


def _check_relation(internal: tuple[int, int] | None, external: tuple[int, int] | None) -> None:
    """``_validate_ranges``: a range inside maps to a range of the same size outside."""
    inside = internal[1] - internal[0] if internal else 0
    outside = external[1] - external[0] if external else 0
    if inside > 0 and inside != outside:
        raise _pf_error("Invalid ranges of internal and/or external ports. The relation "
                        "between internal and external ports must be N-N or 1-N")


def _check_input(values: dict[str, Any]) -> None:
    """The API layer's validators of the attributes given."""
    address = values.get("internal_ip_address")
    if address is not None:
        reason = ipam.ip_address_error(address)
        if reason:
            raise ipam.invalid_attr("internal_ip_address", reason)
    protocol = values.get("protocol")
    if protocol is not None:
        lowered = str(protocol).lower()
        if lowered not in PROTOCOLS and not (lowered.isdigit() and int(lowered) <= 255):
            raise ipam.invalid_input(
                f"IP protocol '{protocol}' is not supported. Only protocol names and their "
                "integer representation (0 to 255) are supported"
            )
        # The converter keeps the value as given; the validator wants a name as listed.
        if protocol not in PROTOCOLS:
            raise ipam.invalid_attr("protocol", f"{protocol} is not in valid_values")
    for key in ("internal_port", "external_port"):
        port = values.get(key)
        if port is not None and not 1 <= int(port) <= 65535:
            limit = "too small - must be at least '1'" if int(port) < 1 else \
                "too large - must be no larger than '65535'"
            raise ipam.invalid_attr(key, f"'{port}' is {limit}")
    if values.get("description") is not None:
        check_string("description", values["description"], DESCRIPTION_MAX_LEN)


class PortForwardings:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading -------------------------------------------------------------------------

    def find_all(
        self,
        fip: FloatingIP,
        *,
        internal_port_id: str | None = None,
        external_port: int | None = None,
        external_port_range: str | None = None,
        protocol: str | None = None,
    ) -> list[PortForwarding]:
        load(self.store, FloatingIP, fip.id)
        wanted_range = _range(None, external_port_range)
        return [
            pf for pf in fip_port_forwardings(self.store, fip.id)
            if (internal_port_id is None or pf.internal_port_id == internal_port_id)
            and (external_port is None or pf.external_port == external_port)
            and (wanted_range is None
                 or (pf.external_port_start, pf.external_port_end) == wanted_range)
            and (protocol is None or pf.protocol == protocol)
        ]

    def find(self, fip: FloatingIP, name_or_id: str) -> PortForwarding:
        for pf in fip_port_forwardings(self.store, fip.id):
            if pf.id == name_or_id:
                return pf
        raise not_found("PortForwarding", name_or_id)

    # -- writing -------------------------------------------------------------------------

    def create(self, spec: PortForwardingSpec) -> PortForwarding:
        _check_input({
            "internal_ip_address": spec.internal_ip_address, "protocol": spec.protocol,
            "internal_port": spec.internal_port, "external_port": spec.external_port,
            "description": spec.description,
        })
        internal = _range(spec.internal_port, spec.internal_port_range)
        external = _range(spec.external_port, spec.external_port_range)
        if internal is None or external is None:
            # Unreachable from the command line, which requires both.
            raise _pf_error("internal and external ports are required")
        with self.store.transaction():
            fip = load(self.store, FloatingIP, spec.floatingip_id)
            port = load(self.store, Port, spec.internal_port_id)
            self._check_collisions(fip, None, port.id, spec.protocol,
                                   spec.internal_ip_address, internal, external)
            self._check_port_without_floating_ip(port, spec.internal_ip_address)
            if fip.port_id:
                raise Conflict(
                    f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with "
                    f"port {port.id} using fixed IP {spec.internal_ip_address}, as that fixed "
                    f"IP already has a floating IP on external network "
                    f"{fip.floating_network_id}."
                )
            router_id = self._router(fip, port, spec.internal_ip_address)
            self._check_router_match(fip, router_id, port.id, spec.internal_ip_address,
                                     spec.internal_port)
            if not fip.router_id:
                self.store.update(bumped(fip, router_id=router_id))
            pf = PortForwarding(
                id=new_id(), floatingip_id=fip.id, project_id=fip.project_id,
                internal_port_id=port.id, internal_ip_address=spec.internal_ip_address,
                internal_port_start=internal[0], internal_port_end=internal[1],
                external_port_start=external[0], external_port_end=external[1],
                protocol=spec.protocol, description=spec.description or "",
                created_at=utcnow(),
            )
            self.store.insert(pf)
        return pf

    def update(self, fip: FloatingIP, pf_id: str, **changes: Any) -> PortForwarding:
        unknown_changes(changes, PF_CHANGES)
        _check_input(changes)
        with self.store.transaction():
            current_fip = load(self.store, FloatingIP, fip.id)
            if changes.get("internal_port_id"):
                new_port = load(self.store, Port, changes["internal_port_id"])
                self._check_port_without_floating_ip(
                    new_port, changes.get("internal_ip_address") or "")
            current = self.store.get(PortForwarding, pf_id)
            if current is None or current.floatingip_id != current_fip.id:
                raise NotFound(f"Port Forwarding {pf_id} could not be found.")
            port_id = changes.get("internal_port_id") or current.internal_port_id
            address = changes.get("internal_ip_address") or current.internal_ip_address
            if port_id != current.internal_port_id:
                port = load(self.store, Port, port_id)
                router_id = self._router(current_fip, port, address)
                self._check_router_match(current_fip, router_id, port.id, address,
                                         changes.get("internal_port"))
            internal = _range(changes.get("internal_port"), changes.get("internal_port_range"))
            external = _range(changes.get("external_port"), changes.get("external_port_range"))
            updated = current.replace(
                internal_port_id=port_id, internal_ip_address=address,
                protocol=changes.get("protocol") or current.protocol,
                description=(current.description if changes.get("description") is None
                             else changes["description"]),
            )
            if internal is not None:
                updated = updated.replace(internal_port_start=internal[0],
                                          internal_port_end=internal[1])
            if external is not None:
                updated = updated.replace(external_port_start=external[0],
                                          external_port_end=external[1])
            self._check_update(updated)
            if internal is not None or external is not None:
                self._check_collisions(
                    current_fip, updated.id, updated.internal_port_id, updated.protocol,
                    updated.internal_ip_address, internal, external)
            if updated != current:
                self.store.update(updated)
        return updated

    def delete(self, fip: FloatingIP, pf_id: str) -> None:
        with self.store.transaction():
            current = self.store.get(PortForwarding, pf_id)
            if current is None or current.floatingip_id != fip.id:
                raise NotFound(f"Port Forwarding {pf_id} could not be found.")
            current_fip = load(self.store, FloatingIP, fip.id)
            if [pf.id for pf in fip_port_forwardings(self.store, fip.id)] == [current.id]:
                # The last one: the floating IP is free of its router again.
                self.store.update(bumped(current_fip, router_id=None))
            self.store.delete(PortForwarding, current.id)

    # -- Neutron's checks ----------------------------------------------------------------

    def _check_collisions(
        self,
        fip: FloatingIP,
        pf_id: str | None,
        port_id: str,
        protocol: str,
        address: str,
        internal: tuple[int, int] | None,
        external: tuple[int, int] | None,
    ) -> None:
        """``_check_port_collisions``: the relation of the ranges, then the same inside
        socket, then the same floating IP and protocol outside."""
        _check_relation(internal, external)
        others = [pf for pf in self.store.list(PortForwarding) if pf.id != pf_id]
        if internal is not None:
            for pf in others:
                same = (pf.internal_port_id == port_id and pf.protocol == protocol
                        and pf.internal_ip_address == address)
                mine = (pf.internal_port_start, pf.internal_port_end)
                if same and _collides(mine, internal):
                    raise _pf_error(
                        "There is a port collision with the internal_port_range. The following "
                        f"ranges collide: {_text(mine)} and {_text(internal)}")
        if external is not None:
            for pf in others:
                same = pf.floatingip_id == fip.id and pf.protocol == protocol
                mine = (pf.external_port_start, pf.external_port_end)
                if same and _collides(mine, external):
                    raise _pf_error(
                        "There is a port collision with the external_port_range. The following "
                        f"ranges collide: {_text(mine)} and {_text(external)}")

    def _check_port_without_floating_ip(self, port: Port, address: str) -> None:
        """``_check_port_has_binding_floating_ip``: a port mapped to a floating IP forwards
        no ports."""
        for other in self.store.list(FloatingIP):
            if other.port_id == port.id:
                raise Conflict(
                    f"Cannot create port forwarding to floating IP "
                    f"{other.floating_ip_address} ({other.id}) with port {port.id} using fixed "
                    f"IP {address}, as that port already has a binding floating IP."
                )

    def _router(self, fip: FloatingIP, port: Port, address: str) -> str:
        """``_find_a_router_for_fip_port_forwarding``."""
        v4 = [ip for ip in port.fixed_ips if ipam.is_ipv4(ip["ip_address"])]
        if not v4:
            raise _pf_error(
                f"Requested internal port {port.id} must allocate an IPv4 address at least.")
        match = [ip for ip in v4
                 if ipaddress.ip_address(ip["ip_address"]) == ipaddress.ip_address(address)]
        if not match:
            raise _pf_error(
                f"Requested internal IP address {address} is not suitable for internal "
                f"neutron port {port.id}, as its fixed_ips are {v4}")
        subnet = load(self.store, Subnet, match[0]["subnet_id"])
        router_id = router_for_floating_ip(self.store, port, subnet, fip.floating_network_id)
        if router_id is None:
            raise _pf_error(
                f"External network {fip.floating_network_id} is not reachable from subnet "
                f"{subnet.id}. Cannot set Port forwarding for port {port.id} with Floating IP "
                f"{fip.id}")
        return router_id

    def _check_router_match(
        self, fip: FloatingIP, router_id: str, port_id: str, address: str,
        internal_port: int | None,
    ) -> None:
        if not fip.router_id or fip.router_id == router_id:
            return
        same = [pf for pf in fip_port_forwardings(self.store, fip.id)
                if pf.internal_ip_address == address and pf.internal_port == internal_port]
        if same:
            raise _pf_error(
                f"Floating IP {fip.id} with params: internal_ip_address: {address}, "
                f"internal_port: {internal_port} already exists")
        raise _pf_error(
            f"The Floating IP {fip.id} had been set on router {fip.router_id}, the internal "
            f"Neutron port {port_id} can not reach it")

    def _check_update(self, pf: PortForwarding) -> None:
        """``_check_port_forwarding_update``: the address is the port's; no other forwarding
        has the same outside port or inside socket."""
        port = load(self.store, Port, pf.internal_port_id)
        if pf.internal_ip_address not in port.ip_addresses():
            raise _pf_error(
                "The internal IP does not correspond to an address on the internal port, "
                f"which has fixed_ips {port.fixed_ips}")
        fip = load(self.store, FloatingIP, pf.floatingip_id)
        for other in fip_port_forwardings(self.store, pf.floatingip_id):
            if other.id == pf.id or other.protocol != pf.protocol:
                continue
            if other.external_port == pf.external_port:
                conflict: dict[str, Any] = {
                    "floating_ip_address": fip.floating_ip_address,
                    "external_port": other.external_port}
            elif (other.internal_port_id, other.internal_ip_address, other.internal_port) == \
                    (pf.internal_port_id, pf.internal_ip_address, pf.internal_port):
                conflict = {"internal_port_id": other.internal_port_id,
                            "internal_ip_address": other.internal_ip_address,
                            "internal_port": other.internal_port}
            else:
                continue
            raise _pf_error("Another port forwarding entry with the same attributes already "
                            f"exists, conflicting values are {conflict}")
