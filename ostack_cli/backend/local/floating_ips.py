"""Floating IPs: an address of an external network, held by a hidden port, mapped to a port."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.ipam import bad_request
from ostack_cli.backend.local.net_records import (
    bumped,
    check_fip_not_forwarding,
    fip_port_forwardings,
    load,
    network_subnets,
    not_external,
    router_for_floating_ip,
    unknown_changes,
)
from ostack_cli.backend.local.neutron_input import (
    check_description,
    check_dns_domain,
    check_fip_dns_name,
    check_tags,
)
from ostack_cli.backend.local.neutron_policy import check_floating_ip_create
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_FLOATINGIP,
    DEVICE_OWNER_NETWORK_PREFIX,
    FLOATINGIP_STATUS_ACTIVE,
    FLOATINGIP_STATUS_DOWN,
    PORT_STATUS_NOTAPPLICABLE,
    FixedIPRequest,
    FloatingIP,
    FloatingIPSpec,
    Network,
    Port,
    Subnet,
    TagFilter,
)
from ostack_cli.backend.models.port_forwarding import fip_summary
from ostack_cli.errors import BadRequest, Conflict, NotFound

FLOATING_IP_CHANGES = ("description", "qos_policy_id", "tags", "port_id", "fixed_ip_address")


def port_details(port: Port) -> dict[str, Any]:
    """The fip-port-details extension's view of the associated port."""
    return {
        "name": port.name,
        "network_id": port.network_id,
        "mac_address": port.mac_address,
        "admin_state_up": port.is_admin_state_up,
        "status": port.status,
        "device_id": port.device_id,
        "device_owner": port.device_owner,
    }


def _check_address(attr: str, value: str | None) -> None:
    """``type:ip_address_or_none``."""
    reason = ipam.ip_address_error(value) if value is not None else None
    if reason:
        raise ipam.invalid_attr(attr, reason)


class FloatingIPs:
    def __init__(self, context: ServiceContext, *, ports: Ports, quotas: Quotas) -> None:
        self.context = context
        self.store = context.store
        self.ports = ports
        self.quotas = quotas

    def _visible(self, fip: FloatingIP) -> bool:
        return self.context.is_admin or fip.project_id == self.context.project_id

    def _with_details(self, fip: FloatingIP) -> FloatingIP:
        port = self.store.get(Port, fip.port_id) if fip.port_id else None
        return fip.replace(
            port_details=port_details(port) if port is not None else None,
            # expose-port-forwarding-in-fip, as Neutron with the port forwarding plugin.
            port_forwardings=[fip_summary(pf) for pf in fip_port_forwardings(self.store, fip.id)],
        )

    def find_all(
        self,
        *,
        network_ids: list[str] | None = None,
        port_ids: list[str] | None = None,
        router_ids: list[str] | None = None,
        fixed_ip_address: str | None = None,
        floating_ip_address: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[FloatingIP]:
        result = []
        for fip in self.store.list(FloatingIP, project_id=project_id):
            if not self._visible(fip):
                continue
            if network_ids is not None and fip.floating_network_id not in network_ids:
                continue
            if port_ids is not None and fip.port_id not in port_ids:
                continue
            if router_ids is not None and fip.router_id not in router_ids:
                continue
            checks = (
                (fixed_ip_address, fip.fixed_ip_address),
                (floating_ip_address, fip.floating_ip_address),
                (status, fip.status),
            )
            if any(wanted is not None and wanted != have for wanted, have in checks):
                continue
            if tags is not None and not tags.matches(fip.tags):
                continue
            result.append(self._with_details(fip))
        return result

    def find(self, name_or_id: str) -> FloatingIP:
        """By ID or by address, as openstacksdk's ``find_ip``."""
        return self._with_details(self.context.find(FloatingIP, name_or_id, visible=self._visible))

    def create(self, spec: FloatingIPSpec) -> FloatingIP:
        _check_address("floating_ip_address", spec.floating_ip_address)
        _check_address("fixed_ip_address", spec.fixed_ip_address)
        check_description(spec.description)
        dns_name = check_fip_dns_name(spec.dns_name)
        dns_domain = check_dns_domain(spec.dns_domain)
        tags = check_tags(spec.tags, "floatingips")
        check_floating_ip_create(self.context, spec)
        project_id = spec.project_id or self.context.project_id
        with self.store.transaction():
            # The API reserves the floating IP; its port is the L3 plugin's own, unchecked.
            self.quotas.check(project_id, {"floating-ips": 1})
            network = load(self.store, Network, spec.floating_network_id)
            if not network.is_router_external:
                raise not_external(network.id, "floatingip")
            if not any(s.ip_version == 4 for s in network_subnets(self.store, network.id)):
                raise bad_request(
                    "floatingip", f"Network {network.id} does not contain any IPv4 subnet"
                )
            if spec.fixed_ip_address and not spec.port_id:
                raise bad_request(
                    "floatingip", "fixed_ip_address cannot be specified without a port_id"
                )
            fip_id = new_id()
            requests = None
            if spec.subnet_id is not None or spec.floating_ip_address is not None:
                requests = [FixedIPRequest(subnet_id=spec.subnet_id,
                                           ip_address=spec.floating_ip_address)]
            # Neutron's floating IP port has no project: it is never shown to one.
            holder = self.ports.add(
                network, project_id="", fixed_ips=requests, device_id=fip_id,
                device_owner=DEVICE_OWNER_FLOATINGIP, status=PORT_STATUS_NOTAPPLICABLE,
                is_port_security_enabled=False,
            )
            addresses = [
                ip["ip_address"] for ip in holder.fixed_ips if ipam.is_ipv4(ip["ip_address"])
            ]
            if not addresses:
                raise BadRequest(
                    f"Unable to find any IP address on external network {network.id}."
                )
            now = utcnow()
            fip = FloatingIP(
                id=fip_id,
                name=addresses[0],
                project_id=project_id,
                floating_network_id=network.id,
                floating_ip_address=addresses[0],
                floating_port_id=holder.id,
                description=spec.description,
                dns_domain=dns_domain,
                dns_name=dns_name,
                tags=tags,
                created_at=now,
                updated_at=now,
            )
            if spec.port_id is not None:
                port = load(self.store, Port, spec.port_id)
                fip = self._associated(fip, port, spec.fixed_ip_address)
            self.store.insert(fip)
        return self._with_details(fip)

    def update(self, fip: FloatingIP, **changes: Any) -> FloatingIP:
        unknown_changes(changes, FLOATING_IP_CHANGES)
        _check_address("fixed_ip_address", changes.get("fixed_ip_address"))
        check_description(changes.get("description"))
        if "tags" in changes:
            changes["tags"] = check_tags(changes["tags"], "floatingips")
        with self.store.transaction():
            current = load(self.store, FloatingIP, fip.id)
            target = current
            if changes.get("fixed_ip_address") and not changes.get("port_id"):
                raise bad_request(
                    "floatingip", "fixed_ip_address cannot be specified without a port_id"
                )
            if "port_id" in changes:
                port_id = changes.pop("port_id")
                fixed = changes.pop("fixed_ip_address", None)
                if port_id is None:
                    target = current.replace(
                        port_id=None, fixed_ip_address=None, router_id=None,
                        status=FLOATINGIP_STATUS_DOWN, port_details=None,
                    )
                else:
                    check_fip_not_forwarding(self.store, current.id)
                    target = self._associated(current, load(self.store, Port, port_id), fixed)
            target = target.replace(**changes)
            if target == current:
                return self._with_details(current)
            updated = bumped(target)
            self.store.update(updated)
        return self._with_details(updated)

    def associate(
        self, fip: FloatingIP, port: Port, fixed_ip_address: str | None = None
    ) -> FloatingIP:
        """Map the floating IP to one of the port's fixed IPv4 addresses."""
        return self.update(fip, port_id=port.id, fixed_ip_address=fixed_ip_address)

    def disassociate(self, fip: FloatingIP) -> FloatingIP:
        return self.update(fip, port_id=None)

    def delete(self, fip: FloatingIP) -> None:
        with self.store.transaction():
            current = load(self.store, FloatingIP, fip.id)
            check_fip_not_forwarding(self.store, current.id)
            holder = self.store.get(Port, current.floating_port_id)
            if holder is not None:
                self.ports.drop(holder)
            self.store.delete(FloatingIP, current.id)

    # -- association (l3_db ``_check_and_get_fip_assoc``) ------------------------------

    def _associated(
        self, fip: FloatingIP, port: Port, fixed_ip_address: str | None
    ) -> FloatingIP:
        """The floating IP mapped to the port, after Neutron's checks (nothing stored)."""
        if port.project_id != fip.project_id:
            raise bad_request(
                "floatingip",
                f"Cannot process floating IP association with Port {port.id}, since that port "
                "is owned by a different project",
            )
        if port.device_owner.startswith(DEVICE_OWNER_NETWORK_PREFIX):
            raise bad_request(
                "floatingip", f"Port {port.id} is unable to be assigned a floating IP"
            )
        internal = self._internal_address(port, fixed_ip_address)
        subnet = load(self.store, Subnet, internal["subnet_id"])
        router_id = self._router_for_floating_ip(port, subnet, fip.floating_network_id)
        address = internal["ip_address"]
        for other in self.store.list(FloatingIP):
            if (other.id != fip.id and other.port_id == port.id
                    and other.floating_network_id == fip.floating_network_id
                    and other.fixed_ip_address == address):
                raise Conflict(
                    f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with "
                    f"port {port.id} using fixed IP {address}, as that fixed IP already has a "
                    f"floating IP on external network {fip.floating_network_id}."
                )
        return fip.replace(
            port_id=port.id, fixed_ip_address=address, router_id=router_id,
            status=FLOATINGIP_STATUS_ACTIVE, port_details=None,
        )

    @staticmethod
    def _internal_address(port: Port, fixed_ip_address: str | None) -> dict[str, str]:
        if fixed_ip_address:
            reason = ipam.ip_address_error(fixed_ip_address)
            if reason:
                raise ipam.invalid_attr("fixed_ip_address", reason)
            if not ipam.is_ipv4(fixed_ip_address):
                raise bad_request(
                    "floatingip",
                    f"Cannot process floating IP association with {fixed_ip_address}, since "
                    "that is not an IPv4 address",
                )
            for ip in port.fixed_ips:
                if ip["ip_address"] == fixed_ip_address:
                    return ip
            raise bad_request(
                "floatingip", f"Port {port.id} does not have fixed ip {fixed_ip_address}"
            )
        ipv4 = [ip for ip in port.fixed_ips if ipam.is_ipv4(ip["ip_address"])]
        if not ipv4:
            raise bad_request(
                "floatingip",
                f"Cannot add floating IP to port {port.id} that has no fixed IPv4 addresses",
            )
        if len(ipv4) > 1:
            raise bad_request(
                "floatingip",
                f"Port {port.id} has multiple fixed IPv4 addresses.  Must provide a specific "
                "IPv4 address when assigning a floating IP",
            )
        return ipv4[0]

    def _router_for_floating_ip(
        self, port: Port, subnet: Subnet, external_network_id: str
    ) -> str:
        router_id = router_for_floating_ip(self.store, port, subnet, external_network_id)
        if router_id is None:
            raise NotFound(
                f"External network {external_network_id} is not reachable from subnet "
                f"{subnet.id}.  Therefore, cannot associate Port {port.id} with a Floating IP."
            )
        return router_id
