"""What the networking mixins share: visibility, fresh reads, IP allocation, port records."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.local.base import LocalBase
from ostack_cli.backend.local.ipam import (
    bad_request,
    invalid_attr,
    invalid_input,
    ip_address_error,
    ip_in_subnet,
)
from ostack_cli.backend.models import ResourceT, new_id, utcnow
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_FLOATINGIP,
    FixedIPRequest,
    FloatingIP,
    Network,
    Port,
    Router,
    Subnet,
)
from ostack_cli.errors import BackendUnavailable, BadRequest, Conflict, NotFound
from ostack_cli.state.store import AddressInUse, UniqueViolation

if TYPE_CHECKING:
    from ostack_cli.backend.models.security_group import SecurityGroup

MAC_PREFIX = "fa:16:3e"  # Neutron's default base_mac
MAC_RETRIES = 16


def random_mac() -> str:
    return MAC_PREFIX + "".join(f":{random.randrange(256):02x}" for _ in range(3))


def bumped(obj: ResourceT, **changes: Any) -> ResourceT:
    """The record after an update: Neutron bumps the revision and the update time."""
    revision = int(getattr(obj, "revision_number", 0)) + 1
    return obj.replace(revision_number=revision, updated_at=utcnow(), **changes)


def unknown_changes(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    extra = sorted(set(changes) - set(allowed))
    if extra:
        raise TypeError(f"unsupported changes: {', '.join(extra)}")


class NetworkingBase(LocalBase):
    """Helpers for the network, port, router and floating IP mixins."""

    if TYPE_CHECKING:
        # Provided by LocalSecurityGroups, a sibling mixin of LocalBackend.
        def _ensure_default_security_group(
            self, project_id: str | None = None
        ) -> SecurityGroup: ...

    # -- visibility (a project sees its own records, plus shared and external networks) --

    def _network_visible(self, network: Network) -> bool:
        return (
            network.project_id == self.project_id
            or network.is_shared
            or network.is_router_external
        )

    def _subnet_visible(self, subnet: Subnet) -> bool:
        if subnet.project_id == self.project_id:
            return True
        network = self.store.get(Network, subnet.network_id)
        return network is not None and self._network_visible(network)

    def _port_visible(self, port: Port) -> bool:
        # Neutron never shows the floating IP ports; router gateway ports have no project
        # and belong to whoever owns the router.
        if port.device_owner == DEVICE_OWNER_FLOATINGIP:
            return False
        if port.project_id == self.project_id:
            return True
        if port.project_id == "" and port.device_id:
            router = self.store.get(Router, port.device_id)
            return router is not None and router.project_id == self.project_id
        return False

    # -- fresh reads inside a transaction ---------------------------------------------

    def _load(self, model: type[ResourceT], resource_id: str) -> ResourceT:
        found = self.store.get(model, resource_id)
        if found is None:
            noun = {"floating_ip": "Floating IP"}.get(model.KIND, model.RESOURCE_NAME)
            raise NotFound(f"{noun} {resource_id} could not be found.")
        return found

    def _network_subnets(self, network_id: str) -> list[Subnet]:
        return [s for s in self.store.list(Subnet) if s.network_id == network_id]

    def _network_ports(self, network_id: str) -> list[Port]:
        return [p for p in self.store.list(Port) if p.network_id == network_id]

    def _device_ports(self, device_id: str) -> list[Port]:
        return [p for p in self.store.list(Port) if p.device_id == device_id]

    def _subnet_ports(self, subnet_id: str) -> list[Port]:
        return [
            p for p in self.store.list(Port)
            if any(ip["subnet_id"] == subnet_id for ip in p.fixed_ips)
        ]

    def _port_floating_ips(self, port_id: str) -> list[FloatingIP]:
        return [f for f in self.store.list(FloatingIP) if f.port_id == port_id]

    # -- IP addresses -----------------------------------------------------------------

    def _allocate_fixed_ips(
        self,
        network: Network,
        port_id: str,
        requests: Sequence[FixedIPRequest] | None,
        device_owner: str = "",
    ) -> list[dict[str, str]]:
        """Claim the port's addresses (Neutron's IPAM rules); must run in a transaction."""
        subnets = self._network_subnets(network.id)
        if requests is None:
            return self._allocate_default(network, port_id, subnets)
        resolved = self._resolve_requests(network, requests, subnets, device_owner)
        claimed: dict[int, dict[str, str]] = {}
        # Neutron serves the requests for a specific address first, so an automatic one
        # cannot take it.
        order = sorted(range(len(resolved)), key=lambda i: resolved[i][1] is None)
        for index in order:
            subnet, address = resolved[index]
            claimed[index] = {
                "subnet_id": subnet.id,
                "ip_address": self._claim(network, subnet, port_id, address),
            }
        return [claimed[i] for i in range(len(resolved))]

    def _allocate_default(
        self, network: Network, port_id: str, subnets: list[Subnet]
    ) -> list[dict[str, str]]:
        # One address of each IP version, from the first subnet that has one free.
        result = []
        for version in (4, 6):
            candidates = [s for s in subnets if s.ip_version == version]
            if not candidates:
                continue
            for subnet in candidates:
                address = self.store.allocate_ip(
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
        self,
        network: Network,
        requests: Sequence[FixedIPRequest],
        subnets: list[Subnet],
        device_owner: str,
    ) -> list[tuple[Subnet, str | None]]:
        seen: list[str] = []
        for request in requests:
            if request.ip_address is None:
                continue
            reason = ip_address_error(request.ip_address)
            if reason:
                raise invalid_attr("fixed_ips", reason)
            if request.ip_address in seen:
                raise invalid_attr("fixed_ips", f"Duplicate IP address '{request.ip_address}'")
            seen.append(request.ip_address)
        if requests and not subnets:
            raise invalid_input("IP allocation requires subnets for network")
        by_id = {s.id: s for s in subnets}
        resolved: list[tuple[Subnet, str | None]] = []
        for request in requests:
            address = request.ip_address
            if request.subnet_id is not None:
                found = by_id.get(request.subnet_id)
                if found is None:
                    self._load(Subnet, request.subnet_id)
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
            canonical = str(ipaddress.ip_address(address)) if address is not None else None
            resolved.append((found, canonical))
        return resolved

    def _claim(self, network: Network, subnet: Subnet, port_id: str, address: str | None) -> str:
        try:
            claimed = self.store.allocate_ip(
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

    # -- port records -----------------------------------------------------------------

    def _insert_port(self, port: Port, *, mac_given: bool) -> Port:
        """Insert a port; a generated MAC that collides on the network is drawn again."""
        for _ in range(MAC_RETRIES):
            try:
                self.store.insert(port)
                return port
            except UniqueViolation:
                if mac_given:
                    raise Conflict(
                        f"Unable to complete operation for network {port.network_id}. The mac "
                        f"address {port.mac_address} is in use."
                    ) from None
                port = port.replace(mac_address=random_mac())
        raise BackendUnavailable(f"Unable to generate unique mac on network {port.network_id}.")

    def _new_port(
        self,
        network: Network,
        *,
        project_id: str,
        fixed_ips: Sequence[FixedIPRequest] | None,
        device_id: str = "",
        device_owner: str = "",
        status: str = "DOWN",
        name: str = "",
        mac_address: str | None = None,
        **fields: Any,
    ) -> Port:
        """Allocate addresses and store a port; must run in a transaction."""
        port_id = new_id()
        now = utcnow()
        port = Port(
            id=port_id,
            name=name,
            project_id=project_id,
            network_id=network.id,
            mac_address=mac_address or random_mac(),
            fixed_ips=self._allocate_fixed_ips(network, port_id, fixed_ips, device_owner),
            device_id=device_id,
            device_owner=device_owner,
            status=status,
            created_at=now,
            updated_at=now,
            **fields,
        )
        return self._insert_port(port, mac_given=mac_address is not None)

    def _drop_subnet_ips(self, port: Port, subnet_id: str) -> None:
        """Take the port's addresses on one subnet away; a port left with none goes."""
        rest = [ip for ip in port.fixed_ips if ip["subnet_id"] != subnet_id]
        if not rest:
            self._drop_port(port)
            return
        self.store.release_ips(port.id)
        network = self._load(Network, port.network_id)
        kept = self._allocate_fixed_ips(
            network, port.id,
            [FixedIPRequest(subnet_id=ip["subnet_id"], ip_address=ip["ip_address"])
             for ip in rest],
            port.device_owner,
        )
        self.store.update(bumped(port, fixed_ips=kept))

    def _drop_port(self, port: Port) -> None:
        self.store.release_ips(port.id)
        self.store.delete(Port, port.id)


def no_more_addresses(network_id: str) -> Conflict:
    return Conflict(f"No more IP addresses available on network {network_id}.")


def not_external(network_id: str, resource: str) -> BadRequest:
    if resource == "router":
        return bad_request("router", f"Network {network_id} is not an external network")
    return bad_request(resource, f"Network {network_id} is not a valid external network")
