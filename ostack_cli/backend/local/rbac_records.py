"""RBAC policies as the other networking services read them: who an object is shared with
(or external for), Neutron's per-requester ``shared``, and the records that follow from a
network's ``shared`` and ``router:external`` (neutron/objects/rbac_db.py,
neutron/db/external_net_db.py). Plain functions of the store."""

from __future__ import annotations

from collections.abc import Iterable

from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.network import Network, Port
from ostack_cli.backend.models.rbac_policy import (
    ACCESS_EXTERNAL,
    ACCESS_SHARED,
    ALL_PROJECTS,
    RbacPolicy,
)
from ostack_cli.errors import Conflict
from ostack_cli.state.store import Store


def object_policies(store: Store, object_type: str, object_id: str) -> list[RbacPolicy]:
    return [p for p in store.list(RbacPolicy)
            if p.object_type == object_type and p.object_id == object_id]


def granted_objects(store: Store, object_type: str, project_id: str,
                    action: str | None = None) -> set[str]:
    """The objects of a type a policy opens to ``project_id`` (by name or through ``*``)."""
    return {p.object_id for p in store.list(RbacPolicy)
            if p.object_type == object_type and p.target_project_id in (ALL_PROJECTS, project_id)
            and (action is None or p.action == action)}


def externally_ruled(store: Store) -> set[str]:
    """Networks with access_as_external policies: their visibility follows those policies. An
    external network without any (a store older than RBAC) is open to every project."""
    return {p.object_id for p in store.list(RbacPolicy)
            if p.object_type == "network" and p.action == ACCESS_EXTERNAL}


class NetworkAccess:
    """One read of the policies, then Neutron's view of each network for one project."""

    def __init__(self, store: Store, project_id: str) -> None:
        self.project_id = project_id
        self.granted = granted_objects(store, "network", project_id)
        self.shared = granted_objects(store, "network", project_id, ACCESS_SHARED)
        self.ruled = externally_ruled(store)

    def visible(self, network: Network) -> bool:
        return (network.project_id == self.project_id or network.is_shared
                or network.id in self.granted
                or (network.is_router_external and network.id not in self.ruled))

    def seen(self, network: Network) -> Network:
        """``shared`` is true when the network is shared with the requester's project."""
        if not network.is_shared and network.id in self.shared:
            return network.replace(is_shared=True)
        return network


def shared_with(store: Store, network: Network, project_id: str) -> bool:
    """A project may build on the network (ports, servers): it is shared with it."""
    return network.is_shared or network.id in granted_objects(
        store, "network", project_id, ACCESS_SHARED)


def wildcard(object_id: str, project_id: str, object_type: str, action: str) -> RbacPolicy:
    """The '*' policy a ``shared`` or ``router:external`` flag stands for."""
    return RbacPolicy(id=new_id(), project_id=project_id, object_type=object_type,
                      object_id=object_id, action=action, target_project_id=ALL_PROJECTS)


def adopt_network_flags(store: Store) -> None:
    """The '*' policies of networks made ``shared`` or ``router:external`` before RBAC
    policies were kept: a store from an older ostack (Neutron's own migration did the same
    when RBAC replaced its shared column)."""
    for network in store.list(Network):
        if network.is_shared and find_wildcard(store, "network", network.id,
                                               ACCESS_SHARED) is None:
            store.insert(wildcard(network.id, network.project_id, "network", ACCESS_SHARED))
        if network.is_router_external and not any(
                p.action == ACCESS_EXTERNAL
                for p in object_policies(store, "network", network.id)):
            store.insert(wildcard(network.id, network.project_id, "network", ACCESS_EXTERNAL))


def find_wildcard(store: Store, object_type: str, object_id: str,
                  action: str) -> RbacPolicy | None:
    return next((p for p in object_policies(store, object_type, object_id)
                 if p.action == action and p.target_project_id == ALL_PROJECTS), None)


def invalid_shared_setting(network_id: str) -> Conflict:
    return Conflict(f"Unable to reconfigure sharing settings for network {network_id}. "
                    "Multiple projects are using it.")


def ensure_no_project_ports(store: Store, network: Network, ports: Iterable[Port],
                            project_id: str) -> None:
    """``ensure_no_project_ports_on_network``: the project losing its access to the network
    (``*``: every project without a policy of its own) has no ports on it."""
    shared_to = {p.target_project_id for p in object_policies(store, "network", network.id)
                 if p.action == ACCESS_SHARED}
    if project_id == ALL_PROJECTS:
        allowed = (shared_to - {ALL_PROJECTS}) | {network.project_id, ""}
        users = [p for p in ports if p.project_id not in allowed]
    else:
        if ALL_PROJECTS in shared_to:
            return
        users = [p for p in ports if p.project_id == project_id]
    if users:
        raise invalid_shared_setting(network.id)


def drop_object_policies(store: Store, object_type: str, object_id: str,
                         action: str | None = None) -> None:
    for policy in object_policies(store, object_type, object_id):
        if action is None or policy.action == action:
            store.delete(RbacPolicy, policy.id)
