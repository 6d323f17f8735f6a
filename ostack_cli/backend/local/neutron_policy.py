"""Neutron's default policy for a project member, at the API boundary: which attributes only
an admin may set, and whose networks a member may build on. Admins pass every check.

Attributes are named and ordered as Neutron's attribute maps list them, which is how its
refusal words them (``((rule:create_network and rule:create_network:shared) and
rule:create_network:router:external) is disallowed by policy``). Like Neutron, a create
counts an attribute only when it differs from its default, an update only when it changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import (
    check_neutron_owner,
    neutron_forbidden,
    neutron_gateway_forbidden,
)
from ostack_cli.backend.models.network import (
    FixedIPRequest,
    FloatingIPSpec,
    Network,
    NetworkSpec,
    PortSpec,
    RouterSpec,
    SubnetSpec,
)
from ostack_cli.state.store import Store

# (the spec's or record's field, Neutron's attribute), in Neutron's order.
_NETWORK_ATTRIBUTES = (
    ("is_shared", "shared"),
    ("is_router_external", "router:external"),
    ("provider_network_type", "provider:network_type"),
    ("provider_physical_network", "provider:physical_network"),
    ("provider_segmentation_id", "provider:segmentation_id"),
)


def check_network_create(context: ServiceContext, spec: NetworkSpec) -> None:
    if context.is_admin:
        return
    check_neutron_owner(context, spec.project_id)
    given = {
        "is_shared": bool(spec.shared),
        "is_router_external": spec.external,
        "provider_network_type": spec.provider_network_type is not None,
        "provider_physical_network": spec.provider_physical_network is not None,
        "provider_segmentation_id": spec.provider_segmentation_id is not None,
    }
    attributes = [name for field, name in _NETWORK_ATTRIBUTES if given[field]]
    if attributes:
        raise neutron_forbidden("create_network", attributes)


def check_network_update(
    context: ServiceContext, current: Network, changes: dict[str, Any]
) -> None:
    if context.is_admin:
        return
    attributes = [
        name for field, name in _NETWORK_ATTRIBUTES
        if changes.get(field) is not None and changes[field] != getattr(current, field)
    ]
    if attributes:
        raise neutron_forbidden("update_network", attributes)


def check_subnet_create(
    context: ServiceContext, spec: SubnetSpec, network: Network | None
) -> None:
    """A member adds subnets to its own networks only (shared ones included)."""
    if context.is_admin:
        return
    check_neutron_owner(context, spec.project_id)
    if network is not None and network.project_id != context.project_id:
        raise neutron_forbidden("create_subnet")


def check_port_create(context: ServiceContext, spec: PortSpec, network: Network | None) -> None:
    """A member makes ports on its own and shared networks, without binding details."""
    if context.is_admin:
        return
    check_neutron_owner(context, spec.project_id)
    if network is not None and network.project_id != context.project_id and not (
        network.is_shared
    ):
        raise neutron_forbidden("create_port")
    attributes = [name for name, given in (("binding:host_id", spec.binding_host_id),
                                           ("binding:profile", spec.binding_profile)) if given]
    if attributes:
        raise neutron_forbidden("create_port", attributes)


def check_router_create(context: ServiceContext, spec: RouterSpec) -> None:
    if context.is_admin:
        return
    check_neutron_owner(context, spec.project_id)
    if spec.external_network_id is not None:
        check_router_gateway(context, "create_router", spec.enable_snat,
                             spec.external_fixed_ips)


def check_router_gateway(
    context: ServiceContext,
    action: str,
    enable_snat: bool | None,
    fixed_ips: Sequence[FixedIPRequest] | None,
) -> None:
    """Choosing the gateway's addresses or its SNAT is for admins; any external network is
    open to members."""
    if context.is_admin:
        return
    attributes = [name for name, given in (("external_fixed_ips", bool(fixed_ips)),
                                           ("enable_snat", enable_snat is not None)) if given]
    if attributes:
        raise neutron_gateway_forbidden(action, attributes)


def check_floating_ip_create(context: ServiceContext, spec: FloatingIPSpec) -> None:
    if context.is_admin:
        return
    check_neutron_owner(context, spec.project_id)
    if spec.floating_ip_address is not None:
        raise neutron_forbidden("create_floatingip", ["floating_ip_address"])


def check_owner(context: ServiceContext, project_id: str | None) -> None:
    """Only the owner check (security groups and other plain resources)."""
    check_neutron_owner(context, project_id)


def network_of(store: Store, network_id: str, project_id: str) -> Network | None:
    """The network as ``project_id`` sees it (``shared`` when an RBAC policy shares it with
    the project)."""
    from ostack_cli.backend.local.rbac_records import NetworkAccess

    network = store.get(Network, network_id)
    return None if network is None else NetworkAccess(store, project_id).seen(network)
