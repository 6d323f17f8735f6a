"""Ports in the local store, with Neutron's rules and messages."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.ip_allocation import allocate_fixed_ips
from ostack_cli.backend.local.ipam import bad_request, check_fixed_ips
from ostack_cli.backend.local.net_records import (
    bumped,
    drop_port_forwardings,
    load,
    unknown_changes,
)
from ostack_cli.backend.local.neutron_input import (
    check_address_pairs,
    check_description,
    check_device,
    check_name,
    check_tags,
    normalize_mac,
)
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.security_groups import SecurityGroups
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_FLOATINGIP,
    DEVICE_OWNER_NETWORK_PREFIX,
    DEVICE_OWNER_ROUTER_GW,
    FLOATINGIP_STATUS_DOWN,
    ROUTER_INTERFACE_OWNERS,
    FixedIPRequest,
    FloatingIP,
    Network,
    Port,
    PortSpec,
    Router,
    TagFilter,
)
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.errors import BackendUnavailable, BadRequest, Conflict, NotFound
from ostack_cli.state.store import UniqueViolation

PORT_CHANGES = (
    "name", "description", "is_admin_state_up", "device_id", "device_owner", "mac_address",
    "fixed_ips", "security_group_ids",
    "is_port_security_enabled", "allowed_address_pairs", "binding_profile", "binding_host_id",
    "binding_vnic_type", "binding_vif_type", "binding_vif_details", "status", "tags",
    "qos_policy_id", "data_plane_status", "propagate_uplink_status", "trusted",
    "numa_affinity_policy",
)
MAC_PREFIX = "fa:16:3e"  # Neutron's default base_mac
MAC_RETRIES = 16


def random_mac() -> str:
    return MAC_PREFIX + "".join(f":{random.randrange(256):02x}" for _ in range(3))


def _port_security_required() -> BadRequest:
    return BadRequest(
        "Port security must be enabled and port must have an IP address in order to use "
        "security groups."
    )


def _port_has_security_group() -> Conflict:
    return Conflict(
        "Port has security group associated. Cannot disable port security or IP address until "
        "security group is removed."
    )


def _address_pairs_need_port_security() -> Conflict:
    return Conflict(
        "Port Security must be enabled in order to have allowed address pairs on a port."
    )


def _trusted(device_owner: str) -> bool:
    # Neutron's own ports (router, DHCP, floating IP) get no security groups.
    return device_owner.startswith(DEVICE_OWNER_NETWORK_PREFIX)


def _with_pair_macs(port: Port) -> Port:
    """The port's allowed address pairs as Neutron stores them: a pair given without a MAC
    takes the port's own, and no pair twice (allowedaddresspairs_db
    ``_process_create_allowed_address_pairs`` and its unique key)."""
    pairs: list[dict[str, str]] = []
    for pair in port.allowed_address_pairs:
        filled = {"mac_address": pair.get("mac_address") or port.mac_address,
                  "ip_address": pair["ip_address"]}
        if filled in pairs:
            raise BadRequest(  # DuplicateAddressPairInRequest: no InvalidInput prefix
                f"Request contains duplicate address pair: mac_address "
                f"{filled['mac_address']} ip_address {filled['ip_address']}."
            )
        pairs.append(filled)
    return port.replace(allowed_address_pairs=pairs)


def _check_port_input(fields: dict[str, Any]) -> dict[str, Any]:
    """The API's checks of a port's attributes (create or update), in the order of Neutron's
    attribute map; returns the values to store."""
    check_name(fields.get("name"))
    if fields.get("mac_address") is not None:
        fields["mac_address"] = normalize_mac(fields["mac_address"])
    if fields.get("fixed_ips") is not None:
        check_fixed_ips(request.ip_address for request in fields["fixed_ips"])
    check_device(fields.get("device_id"), fields.get("device_owner"))
    check_description(fields.get("description"))
    if fields.get("allowed_address_pairs") is not None:
        fields["allowed_address_pairs"] = check_address_pairs(fields["allowed_address_pairs"])
    if fields.get("tags") is not None:
        fields["tags"] = check_tags(fields["tags"], "ports")
    return fields


def _fixed_ip_matches(port: Port, wanted: Sequence[dict[str, str]]) -> bool:
    """``--fixed-ip`` filters: every given key must match one and the same address."""
    subnets = [f["subnet_id"] for f in wanted if "subnet_id" in f]
    addresses = [f["ip_address"] for f in wanted if "ip_address" in f]
    substrings = [f["ip_address_substr"] for f in wanted if "ip_address_substr" in f]
    for ip in port.fixed_ips:
        if subnets and ip["subnet_id"] not in subnets:
            continue
        if addresses and ip["ip_address"] not in addresses:
            continue
        if substrings and not any(s in ip["ip_address"] for s in substrings):
            continue
        return True
    return False


class Ports:
    """Ports, and the addresses they hold: every other service makes and drops its ports here."""

    def __init__(
        self, context: ServiceContext, *, security_groups: SecurityGroups, quotas: Quotas
    ) -> None:
        self.context = context
        self.store = context.store
        self.security_groups = security_groups
        self.quotas = quotas

    def find_all(
        self,
        *,
        network_id: str | None = None,
        device_id: str | None = None,
        device_owner: str | None = None,
        mac_address: str | None = None,
        name: str | None = None,
        project_id: str | None = None,
        status: str | None = None,
        fixed_ips: list[dict[str, str]] | None = None,
        security_group_ids: list[str] | None = None,
        binding_host_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[Port]:
        result = []
        for port in self.store.list(Port, name=name, project_id=project_id):
            checks = (
                (network_id, port.network_id),
                (device_id, port.device_id),
                (device_owner, port.device_owner),
                (mac_address.lower() if mac_address else None, port.mac_address),
                (status, port.status),
                (binding_host_id, port.binding_host_id),
            )
            if any(wanted is not None and wanted != have for wanted, have in checks):
                continue
            if fixed_ips and not _fixed_ip_matches(port, fixed_ips):
                continue
            if security_group_ids and not set(security_group_ids) & set(port.security_group_ids):
                continue
            if tags is not None and not tags.matches(port.tags):
                continue
            if self._visible(port):
                result.append(port)
        return result

    def find(self, name_or_id: str) -> Port:
        return self.context.find(Port, name_or_id, visible=self._visible)

    def _visible(self, port: Port) -> bool:
        # Neutron shows an admin every port; a project never sees the floating IP ports, and
        # router gateway ports have no project and belong to whoever owns the router.
        if self.context.is_admin:
            return True
        if port.device_owner == DEVICE_OWNER_FLOATINGIP:
            return False
        if port.project_id == self.context.project_id:
            return True
        if port.project_id == "" and port.device_id:
            router = self.store.get(Router, port.device_id)
            return router is not None and router.project_id == self.context.project_id
        return False

    def create(self, spec: PortSpec) -> Port:
        """A port through the API: checked, and counted against the port quota (Nova's ports
        too, which it makes through the API; ``add`` is for Neutron's own)."""
        given = _check_port_input({
            "name": spec.name, "mac_address": spec.mac_address, "fixed_ips": spec.fixed_ips,
            "device_id": spec.device_id, "device_owner": spec.device_owner,
            "description": spec.description,
            "allowed_address_pairs": list(spec.allowed_address_pairs), "tags": spec.tags,
        })
        project_id = spec.project_id or self.context.project_id
        with self.store.transaction():
            self.quotas.check(project_id, {"ports": 1})
            network = load(self.store, Network, spec.network_id)
            port_security = (
                network.is_port_security_enabled
                if spec.port_security_enabled is None
                else spec.port_security_enabled
            )
            if spec.allowed_address_pairs and not port_security:
                raise _address_pairs_need_port_security()
            if spec.security_group_ids is None:
                groups = []
                if port_security and not _trusted(spec.device_owner):
                    groups = [self.security_groups.ensure_default(project_id).id]
            else:
                groups = self._security_group_ids(spec.security_group_ids)
                if groups and not port_security:
                    raise _port_security_required()
            return self.add(
                network,
                project_id=project_id,
                fixed_ips=spec.fixed_ips,
                device_id=spec.device_id,
                device_owner=spec.device_owner,
                name=spec.name,
                mac_address=given["mac_address"],
                is_admin_state_up=spec.admin_state_up,
                is_port_security_enabled=port_security,
                security_group_ids=groups,
                description=spec.description,
                binding_host_id=spec.binding_host_id,
                binding_vnic_type=spec.binding_vnic_type,
                binding_profile=dict(spec.binding_profile),
                allowed_address_pairs=given["allowed_address_pairs"],
                tags=given["tags"],
            )

    def _security_group_ids(self, group_ids: Sequence[str]) -> list[str]:
        ids: list[str] = []
        for group_id in group_ids:
            if self.store.get(SecurityGroup, group_id) is None:
                raise NotFound(f"Security group {group_id} does not exist")
            if group_id not in ids:
                ids.append(group_id)
        return ids

    def update(self, port: Port, **changes: Any) -> Port:
        unknown_changes(changes, PORT_CHANGES)
        changes = _check_port_input(changes)
        with self.store.transaction():
            current = load(self.store, Port, port.id)
            if "fixed_ips" in changes:
                self._check_floating_ip_kept(current, changes["fixed_ips"])
            self._apply_security_groups(current, changes)
            if "fixed_ips" in changes:
                changes["fixed_ips"] = self._reallocate(current, changes["fixed_ips"])
            updated = bumped(current, **changes)
            if "allowed_address_pairs" in changes:
                updated = _with_pair_macs(updated)
            if updated.allowed_address_pairs and not updated.is_port_security_enabled:
                raise _address_pairs_need_port_security()
            try:
                self.store.update(updated)
            except UniqueViolation:
                raise Conflict(
                    f"Unable to complete operation for network {updated.network_id}. The mac "
                    f"address {updated.mac_address} is in use."
                ) from None
            if "fixed_ips" in changes:
                drop_port_forwardings(self.store, updated.id, updated.ip_addresses())
        return updated

    def _check_floating_ip_kept(
        self, current: Port, requests: Sequence[FixedIPRequest]
    ) -> None:
        """A fixed IP a floating IP maps to must stay in the request (l3_db
        ``prevent_internal_ip_change_for_fip``, before the update). Neutron looks at the
        port's first floating IP only; with one for each of several fixed IPs, each is
        kept here."""
        asked = {request.ip_address for request in requests}
        for fip in self.store.list(FloatingIP):
            if (fip.port_id == current.id and fip.fixed_ip_address
                    and fip.fixed_ip_address not in asked):
                raise bad_request(
                    "port",
                    f"Cannot update the fixed_ips of the port {current.id}, because its "
                    "original fixed_ip has been associated to a floating ip",
                )

    def _apply_security_groups(self, current: Port, changes: dict[str, Any]) -> None:
        """Neutron's checks between security groups and port security."""
        given = "security_group_ids" in changes
        groups = current.security_group_ids
        if given:
            groups = self._security_group_ids(changes["security_group_ids"])
            changes["security_group_ids"] = groups
        port_security = changes.get("is_port_security_enabled", current.is_port_security_enabled)
        if not port_security:
            # ml2 ``_portsec_ext_port_update_processing``: address pairs before groups.
            pairs = changes.get("allowed_address_pairs", current.allowed_address_pairs)
            if pairs:
                raise _address_pairs_need_port_security()
            if given and groups:
                raise _port_security_required()
            if groups and current.is_port_security_enabled:
                raise _port_has_security_group()

    def _reallocate(
        self, current: Port, requests: Sequence[FixedIPRequest]
    ) -> list[dict[str, str]]:
        """New fixed IPs: addresses asked for again are kept, the others released."""
        originals = list(current.fixed_ips)
        kept: list[FixedIPRequest] = []
        for request in requests:
            match = None
            for ip in originals:
                same_ip = request.ip_address is not None and ip["ip_address"] == request.ip_address
                same_subnet = request.ip_address is None and ip["subnet_id"] == request.subnet_id
                if same_ip or same_subnet:
                    match = ip
                    break
            if match is not None:
                originals.remove(match)
                kept.append(FixedIPRequest(subnet_id=match["subnet_id"],
                                           ip_address=match["ip_address"]))
            else:
                kept.append(request)
        network = load(self.store, Network, current.network_id)
        held = frozenset(ip["ip_address"] for ip in current.fixed_ips)
        self.store.release_ips(current.id)
        return allocate_fixed_ips(self.store, network, current.id, kept, current.device_owner,
                                  held)

    def delete(self, port: Port) -> None:
        with self.store.transaction():
            current = self.store.get(Port, port.id)
            if current is None:
                raise NotFound(f"Port {port.id} could not be found.")
            owner = current.device_owner
            service = owner in (*ROUTER_INTERFACE_OWNERS, DEVICE_OWNER_ROUTER_GW)
            if (service and self.store.get(Router, current.device_id) is not None) or (
                owner == DEVICE_OWNER_FLOATINGIP
                and self.store.get(FloatingIP, current.device_id) is not None
            ):
                raise Conflict(
                    f"Port {current.id} cannot be deleted directly via the port API: has device "
                    f"owner {owner}."
                )
            # Its floating IPs stay, unmapped, as Neutron's L3 plugin leaves them.
            for fip in [f for f in self.store.list(FloatingIP) if f.port_id == current.id]:
                self.store.update(bumped(
                    fip, port_id=None, fixed_ip_address=None, router_id=None,
                    status=FLOATINGIP_STATUS_DOWN, port_details=None,
                ))
            self.drop(current)

    # -- Neutron's own ports (routers, floating IPs, DHCP) -----------------------------

    def add(
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
        """Allocate addresses and store a port, without the API's checks (which ``create``
        makes first); must run in a transaction."""
        port_id = new_id()
        now = utcnow()
        port = Port(
            id=port_id,
            name=name,
            project_id=project_id,
            network_id=network.id,
            mac_address=mac_address or random_mac(),
            fixed_ips=allocate_fixed_ips(self.store, network, port_id, fixed_ips, device_owner),
            device_id=device_id,
            device_owner=device_owner,
            status=status,
            created_at=now,
            updated_at=now,
            **fields,
        )
        return self._insert(port, mac_given=mac_address is not None)

    def _insert(self, port: Port, *, mac_given: bool) -> Port:
        """Insert a port; a generated MAC that collides on the network is drawn again."""
        pairs = port.allowed_address_pairs  # as asked: those without a MAC take the port's
        for _ in range(MAC_RETRIES):
            port = _with_pair_macs(port.replace(allowed_address_pairs=pairs))
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

    def drop_subnet_ips(self, port: Port, subnet_id: str) -> None:
        """Take the port's addresses on one subnet away; a port left with none goes."""
        rest = [ip for ip in port.fixed_ips if ip["subnet_id"] != subnet_id]
        if not rest:
            self.drop(port)
            return
        self.store.release_ips(port.id)
        network = load(self.store, Network, port.network_id)
        kept = allocate_fixed_ips(
            self.store, network, port.id,
            [FixedIPRequest(subnet_id=ip["subnet_id"], ip_address=ip["ip_address"])
             for ip in rest],
            port.device_owner,
            frozenset(ip["ip_address"] for ip in rest),
        )
        self.store.update(bumped(port, fixed_ips=kept))

    def drop(self, port: Port) -> None:
        """Release the port's addresses and delete it, with none of ``delete``'s checks."""
        drop_port_forwardings(self.store, port.id)
        self.store.release_ips(port.id)
        self.store.delete(Port, port.id)
