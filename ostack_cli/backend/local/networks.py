"""Networks in the local store, with Neutron's rules and messages."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local.address_scopes import NetworkScopes
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.ipam import invalid_input
from ostack_cli.backend.local.net_records import (
    bumped,
    load,
    network_ports,
    network_subnets,
    unknown_changes,
)
from ostack_cli.backend.local.neutron_input import (
    DEFAULT_MTU,
    check_description,
    check_dns_domain,
    check_name,
    check_subnet_mtu,
    check_tags,
    parse_mtu,
)
from ostack_cli.backend.local.neutron_policy import check_network_create, check_network_update
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.rbac_records import (
    NetworkAccess,
    drop_object_policies,
    ensure_no_project_ports,
    find_wildcard,
    wildcard,
)
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import (
    AUTO_DELETE_PORT_OWNERS,
    DEVICE_OWNER_ROUTER_GW,
    EXTERNAL_NETWORK_TYPE,
    EXTERNAL_PHYSICAL_NETWORK,
    INTERNAL_NETWORK_TYPE,
    Network,
    NetworkSpec,
    Subnet,
    TagFilter,
)
from ostack_cli.backend.models.rbac_policy import ACCESS_EXTERNAL, ACCESS_SHARED, RbacPolicy
from ostack_cli.errors import Conflict

SUPPORTED_NETWORK_TYPES = ("flat", "local")

NETWORK_CHANGES = (
    "name", "description", "is_admin_state_up", "is_shared", "mtu", "is_port_security_enabled",
    "is_router_external", "is_default", "provider_network_type", "provider_physical_network",
    "provider_segmentation_id", "dns_domain", "qos_policy_id", "tags",
)


def _provider(spec: NetworkSpec) -> tuple[str, str | None, int | None]:
    """The network's segment, checked as ML2's flat and local type drivers do."""
    network_type = spec.provider_network_type or (
        EXTERNAL_NETWORK_TYPE if spec.external else INTERNAL_NETWORK_TYPE
    )
    if network_type not in SUPPORTED_NETWORK_TYPES:
        raise invalid_input(f"network_type value '{network_type}' not supported")
    physical = spec.provider_physical_network
    if spec.provider_segmentation_id is not None:
        raise invalid_input(f"segmentation_id prohibited for {network_type} provider network")
    if network_type == "flat":
        physical = physical or (EXTERNAL_PHYSICAL_NETWORK if spec.external else None)
        if not physical:
            raise invalid_input("physical_network required for flat provider network")
    elif physical:
        raise invalid_input(f"physical_network prohibited for {network_type} provider network")
    return network_type, physical, None


def _check_network_input(changes: dict[str, Any]) -> dict[str, Any]:
    """The API's checks of a network's attributes (create or update); returns the values to
    store (an MTU as a number, 0 kept for the caller to check against the subnets)."""
    check_name(changes.get("name"))
    if changes.get("mtu") is not None:
        changes["mtu"] = parse_mtu(changes["mtu"])
    check_description(changes.get("description"))
    if changes.get("dns_domain") is not None:
        changes["dns_domain"] = check_dns_domain(changes["dns_domain"])
    if changes.get("tags") is not None:
        changes["tags"] = check_tags(changes["tags"], "networks")
    return changes


class Networks:
    def __init__(
        self, context: ServiceContext, *, ports: Ports, quotas: Quotas, host_sync: HostSync
    ) -> None:
        self.context = context
        self.store = context.store
        self.ports = ports
        self.quotas = quotas
        # The host has a say in external ranges: one it already routes cannot be ours.
        self.host_sync = host_sync

    def find_all(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        external: bool | None = None,
        admin_state_up: bool | None = None,
        shared: bool | None = None,
        status: str | None = None,
        provider_network_type: str | None = None,
        provider_physical_network: str | None = None,
        provider_segmentation_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[Network]:
        result = []
        access = NetworkAccess(self.store, self.context.project_id)
        scopes = NetworkScopes(self.store)
        for network in self.store.list(Network, name=name, project_id=project_id):
            if not (self.context.is_admin or access.visible(network)):
                continue
            network = scopes.apply(access.seen(network))
            checks = (
                (external, network.is_router_external),
                (admin_state_up, network.is_admin_state_up),
                (shared, network.is_shared),
                (status, network.status),
                (provider_network_type, network.provider_network_type),
                (provider_physical_network, network.provider_physical_network),
                (provider_segmentation_id, None if network.provider_segmentation_id is None
                 else str(network.provider_segmentation_id)),
            )
            if any(wanted is not None and wanted != have for wanted, have in checks):
                continue
            if tags is not None and not tags.matches(network.tags):
                continue
            result.append(self._as_seen(network))
        return result

    def find(self, name_or_id: str) -> Network:
        access = NetworkAccess(self.store, self.context.project_id)
        found = self.context.find(
            Network, name_or_id, visible=lambda n: self.context.is_admin or access.visible(n))
        return self._as_seen(NetworkScopes(self.store).apply(access.seen(found)))

    def _as_seen(self, network: Network) -> Network:
        """Neutron's policy shows the provider attributes to admins only."""
        if self.context.is_admin:
            return network
        return network.replace(provider_network_type=None, provider_physical_network=None,
                               provider_segmentation_id=None)

    def create(self, spec: NetworkSpec) -> Network:
        given = _check_network_input({
            "name": spec.name, "mtu": spec.mtu, "description": spec.description,
            "dns_domain": spec.dns_domain, "tags": spec.tags,
        })
        check_network_create(self.context, spec)
        project_id = spec.project_id or self.context.project_id
        with self.store.transaction():
            # The API reserves the network before the plugin looks at its segment.
            self.quotas.check(project_id, {"networks": 1})
            network = self._new_network(spec, project_id, given)
            self.store.insert(network)
            # Neutron keeps both flags as '*' policies (rbac_db, _process_l3_create).
            for action, wanted in ((ACCESS_SHARED, network.is_shared),
                                   (ACCESS_EXTERNAL, network.is_router_external)):
                if wanted:
                    self.store.insert(wildcard(network.id, project_id, "network", action))
        return self._as_seen(network)

    def _new_network(
        self, spec: NetworkSpec, project_id: str, given: dict[str, Any]
    ) -> Network:
        network_type, physical, segment = _provider(spec)
        now = utcnow()
        return Network(
            id=new_id(),
            name=spec.name,
            project_id=project_id,
            description=spec.description,
            is_admin_state_up=spec.admin_state_up,
            is_shared=bool(spec.shared),
            is_router_external=spec.external,
            is_default=bool(spec.is_default) if spec.external else None,
            # No MTU, or 0, is the default (ML2: ``net_mtu or max_mtu``).
            mtu=given["mtu"] or DEFAULT_MTU,
            is_port_security_enabled=spec.port_security_enabled,
            provider_network_type=network_type,
            provider_physical_network=physical,
            provider_segmentation_id=segment,
            availability_zone_hints=list(spec.availability_zone_hints),
            dns_domain=given["dns_domain"],
            tags=given["tags"],
            created_at=now,
            updated_at=now,
        )

    def update(self, network: Network, **changes: Any) -> Network:
        unknown_changes(changes, NETWORK_CHANGES)
        changes = _check_network_input(changes)
        provider = {"provider_network_type", "provider_physical_network",
                    "provider_segmentation_id"}
        with self.store.transaction():
            current = load(self.store, Network, network.id)
            check_network_update(self.context, current, changes)
            if any(changes.get(k) is not None and changes[k] != getattr(current, k)
                   for k in provider):
                raise invalid_input("Plugin does not support updating provider attributes")
            changes = {k: v for k, v in changes.items() if k not in provider}
            self._check_network_update(current, changes)
            if changes.get("mtu") == 0:
                changes["mtu"] = DEFAULT_MTU
            updated = bumped(current, **changes)
            if updated.is_router_external and updated.is_default is None:
                updated = updated.replace(is_default=False)
            if not updated.is_router_external:
                updated = updated.replace(is_default=None)
            self._follow_flags(current, updated)
            self.store.update(updated)
        return updated

    def _follow_flags(self, current: Network, updated: Network) -> None:
        """The '*' policies that a change of ``shared`` or ``router:external`` makes or
        removes (``update_network``, ``_process_l3_update``)."""
        if updated.is_shared != current.is_shared:
            if updated.is_shared:
                if find_wildcard(self.store, "network", current.id, ACCESS_SHARED) is None:
                    self.store.insert(wildcard(current.id, current.project_id, "network",
                                               ACCESS_SHARED))
            else:
                found = find_wildcard(self.store, "network", current.id, ACCESS_SHARED)
                if found is not None:
                    self.store.delete(RbacPolicy, found.id)
        if updated.is_router_external != current.is_router_external:
            if updated.is_router_external:
                self.store.insert(wildcard(current.id, current.project_id, "network",
                                           ACCESS_EXTERNAL))
            else:
                drop_object_policies(self.store, "network", current.id, ACCESS_EXTERNAL)

    def _check_network_update(self, current: Network, changes: dict[str, Any]) -> None:
        unexternal = changes.get("is_router_external") is False and current.is_router_external
        if unexternal and any(
            p.device_owner == DEVICE_OWNER_ROUTER_GW for p in network_ports(self.store, current.id)
        ):
            raise Conflict(
                f"External network {current.id} cannot be updated to be made "
                "non-external, since it has existing gateway ports."
            )
        if changes.get("is_shared") is False and current.is_shared:
            ensure_no_project_ports(self.store, current, network_ports(self.store, current.id),
                                    "*")
        subnets = network_subnets(self.store, current.id)
        if changes.get("mtu") is not None:
            check_subnet_mtu(current.id, changes["mtu"], (s.ip_version for s in subnets))
        if changes.get("is_router_external") and not current.is_router_external:
            for subnet in subnets:
                if subnet.ip_version == 4:
                    self.host_sync.check_external_range(subnet.cidr, current.id)

    def delete(self, network: Network) -> None:
        with self.store.transaction():
            current = load(self.store, Network, network.id)
            ports = network_ports(self.store, current.id)
            in_use = [p.id for p in ports if p.device_owner not in AUTO_DELETE_PORT_OWNERS]
            if in_use:
                raise Conflict(
                    f"Unable to complete operation on network {current.id}. There are one or "
                    f"more ports still in use on the network, id for these ports is: "
                    f"{','.join(in_use)}."
                )
            for port in ports:
                self.ports.drop(port)
            for subnet in network_subnets(self.store, current.id):
                self.store.delete(Subnet, subnet.id)
            drop_object_policies(self.store, "network", current.id)
            self.store.delete(Network, current.id)
