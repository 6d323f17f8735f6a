"""Neutron's RBAC policies in the local store (neutron/db/rbac_db_mixin.py), with the checks
each object type's callbacks make (db_base_plugin_v2's network sharing,
external_net_db's access_as_external, objects/rbac_db.py's for the others), their messages
included."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.ipam import invalid_input
from ostack_cli.backend.local.net_records import bumped, network_ports, network_subnets
from ostack_cli.backend.local.policy import check_neutron_owner, neutron_forbidden
from ostack_cli.backend.local.rbac_records import (
    ensure_no_project_ports,
    find_wildcard,
    object_policies,
)
from ostack_cli.backend.models import Resource, new_id
from ostack_cli.backend.models.address_scope import AddressScope
from ostack_cli.backend.models.network import DEVICE_OWNER_ROUTER_GW, Network, Port, Router, Subnet
from ostack_cli.backend.models.rbac_policy import (
    ACCESS_EXTERNAL,
    ACCESS_SHARED,
    ALL_PROJECTS,
    TYPE_ACTIONS,
    RbacPolicy,
    RbacPolicySpec,
)
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.backend.models.subnet_pool import SubnetPool
from ostack_cli.errors import Conflict, NotFound

# The record each object type names, and whether it carries a stored ``shared`` flag that
# the '*' access_as_shared policy stands for.
OBJECT_MODELS: dict[str, type[Resource]] = {
    "network": Network,
    "security_group": SecurityGroup,
    "address_scope": AddressScope,
    "subnetpool": SubnetPool,
}
SHARED_FIELD = {"network": "is_shared", "security_group": "shared",
                "address_scope": "is_shared", "subnetpool": "is_shared"}
LIST_ORDER = ("security_group", "network", "subnetpool", "address_scope")
POLICY_FILTERS = ("object_type", "object_id", "action", "target_project_id", "project_id",
                  "id")
# The callbacks Neutron names when one refuses (its message carries the callback's id).
NETWORK_CALLBACK = ("neutron.plugins.ml2.plugin.NeutronDbPluginV2."
                    "validate_network_rbac_policy_change")
EXTERNAL_CALLBACK = ("neutron.plugins.ml2.plugin.Ml2Plugin."
                     "_validate_ext_not_in_use_by_project")
OBJECT_CALLBACK = {
    "security_group": "neutron.objects.securitygroup.SecurityGroup."
                      "validate_rbac_policy_change",
    "address_scope": "neutron.objects.address_scope.AddressScope."
                     "validate_rbac_policy_change",
    "subnetpool": "neutron.objects.subnetpool.SubnetPool.validate_rbac_policy_change",
}


def rbac_in_use(object_id: str, details: str) -> Conflict:
    """``RbacPolicyInUse`` (409)."""
    return Conflict(f"RBAC policy on object {object_id} cannot be removed because other "
                    f"objects depend on it.\nDetails: {details}")


def callback_failure(callback: str, message: str) -> str:
    """neutron-lib's ``CallbackFailure`` text: the callback's name and id, then its error."""
    return f'Callback {callback}-{abs(hash(callback)) % 10_000_000} failed with "{message}"'


def _check_target(target: str) -> None:
    """``valid_target_project``: '*' or a UUID (Keystone's IDs are UUIDs without dashes)."""
    if target == ALL_PROJECTS:
        return
    text = target.lower().removeprefix("urn:uuid:").strip("{}").replace("-", "")
    try:
        valid = uuid.UUID(text).hex == text
    except ValueError:
        valid = False
    if not valid:
        raise invalid_input(f"'{target}' is not a valid target project ID; expected a UUID "
                            "or '*'")


def policy_not_found(policy_id: str, object_type: str = "unknown") -> NotFound:
    return NotFound(f"RBAC policy of type {object_type} with ID {policy_id} not found")


class RbacPolicies:
    def __init__(self, context: ServiceContext, *, host_sync: HostSync) -> None:
        self.context = context
        self.store = context.store
        # A network made external must not take a range the host already routes.
        self.host_sync = host_sync

    # -- reading -------------------------------------------------------------------------

    def _visible(self, policy: RbacPolicy) -> bool:
        """Neutron's policy: the owner sees its policies, a target those aimed at it."""
        return (self.context.is_admin or policy.project_id == self.context.project_id
                or policy.target_project_id == self.context.project_id)

    def find_all(self, **filters: str | None) -> list[RbacPolicy]:
        unknown = set(filters) - set(POLICY_FILTERS)
        if unknown:
            raise TypeError(f"unsupported filters: {', '.join(sorted(unknown))}")
        found = [p for p in self.store.list(RbacPolicy) if self._visible(p) and all(
            wanted is None or getattr(p, key) == wanted for key, wanted in filters.items())]
        # Neutron reads one RBAC table per type, each in ID order (the order realstack's
        # Neutron 29 lists them in).
        return sorted(found, key=lambda p: (LIST_ORDER.index(p.object_type), p.id))

    def find(self, policy_id: str) -> RbacPolicy:
        """By ID only, as the real client's ``find_rbac_policy``."""
        found = self.store.get(RbacPolicy, policy_id)
        if found is None or not self._visible(found):
            raise NotFound(f"No RBACPolicy found for {policy_id}")
        return found

    # -- writing -------------------------------------------------------------------------

    def create(self, spec: RbacPolicySpec) -> RbacPolicy:
        if spec.object_type not in TYPE_ACTIONS:
            raise invalid_input(f"{spec.object_type} is not a valid object type")
        if spec.action not in TYPE_ACTIONS[spec.object_type]:
            raise invalid_input(
                f"Invalid action '{spec.action}' for object type '{spec.object_type}'. Valid "
                f"actions: {list(TYPE_ACTIONS[spec.object_type])}")
        _check_target(spec.target_project_id)
        check_neutron_owner(self.context, spec.project_id)
        if not self.context.is_admin and spec.target_project_id == ALL_PROJECTS:
            # ``restrict_wildcard``: only an admin shares with everyone; oslo.policy names
            # every attribute of the request it checked.
            raise neutron_forbidden("create_rbac_policy",
                                    ["object_type", "object_id", "target_tenant", "action"])
        with self.store.transaction():
            target = self._object(spec.object_type, spec.object_id)
            self._check_owner(spec.object_type, target)
            policy = RbacPolicy(
                id=new_id(), project_id=spec.project_id or self.context.project_id,
                object_type=spec.object_type, object_id=spec.object_id, action=spec.action,
                target_project_id=spec.target_project_id,
            )
            self._check_unique(policy)
            self.store.insert(policy)
            self._after_create(policy, target)
        return policy

    def _object(self, object_type: str, object_id: str) -> Resource:
        found = self.store.get(OBJECT_MODELS[object_type], object_id)
        if found is None:
            raise NotFound(f"{OBJECT_MODELS[object_type].RESOURCE_NAME} {object_id} could "
                           "not be found.")
        return found

    def _check_owner(self, object_type: str, target: Resource) -> None:
        if self.context.is_admin or target.owner_id == self.context.project_id:
            return
        noun = "networks" if object_type == "network" else "objects"
        raise invalid_input(f"Only admins can manipulate policies on {noun} they do not own")

    def _check_unique(self, policy: RbacPolicy) -> None:
        if any(p.action == policy.action and p.target_project_id == policy.target_project_id
               for p in object_policies(self.store, policy.object_type, policy.object_id)):
            raise Conflict("An RBAC policy already exists with those values.")

    def _after_create(self, policy: RbacPolicy, target: Resource) -> None:
        """What the new policy changes in its object: '*' sharing sets ``shared``; an
        access_as_external policy makes its network external."""
        if policy.action == ACCESS_SHARED and policy.target_project_id == ALL_PROJECTS:
            field = SHARED_FIELD[policy.object_type]
            if not getattr(target, field):
                self.store.update(target.replace(**{field: True}))
        if (policy.action == ACCESS_EXTERNAL and isinstance(target, Network)
                and not target.is_router_external):
            for subnet in network_subnets(self.store, target.id):
                if subnet.ip_version == 4:
                    self.host_sync.check_external_range(subnet.cidr, target.id)
            self.store.update(bumped(target, is_router_external=True, is_default=False))

    def update(self, policy: RbacPolicy, *, target_project_id: str) -> RbacPolicy:
        _check_target(target_project_id)
        if not self.context.is_admin and target_project_id == ALL_PROJECTS:
            raise neutron_forbidden("update_rbac_policy", ["target_tenant"])
        with self.store.transaction():
            current = self.store.get(RbacPolicy, policy.id)
            if current is None:
                raise policy_not_found(policy.id)
            target = self._object(current.object_type, current.object_id)
            self._check_owner(current.object_type, target)
            if target_project_id != current.target_project_id:
                self._check_release(current, target, new_project=target_project_id)
            updated = current.replace(target_project_id=target_project_id)
            if updated != current:
                self._check_unique(updated)
                self.store.update(updated)
                self._after_release(current, target)
                self._after_create(updated, self._object(current.object_type,
                                                         current.object_id))
        return updated

    def delete(self, policy: RbacPolicy) -> None:
        with self.store.transaction():
            current = self.store.get(RbacPolicy, policy.id)
            if current is None:
                raise policy_not_found(policy.id)
            target = self._object(current.object_type, current.object_id)
            self._check_release(current, target, new_project=None)
            self.store.delete(RbacPolicy, current.id)
            self._after_release(current, target)

    # -- what a policy's removal (or retargeting) may not take away -----------------------

    def _check_release(self, policy: RbacPolicy, target: Resource,
                       new_project: str | None) -> None:
        if new_project == ALL_PROJECTS and policy.action == ACCESS_SHARED:
            return  # retargeting to everyone takes nothing away
        if policy.object_type == "network" and isinstance(target, Network):
            if policy.action == ACCESS_SHARED:
                self._check_network_share(policy, target)
            else:
                self._check_network_external(policy, target, new_project)
        elif policy.action == ACCESS_SHARED:
            self._check_object_share(policy, target)

    def _check_network_share(self, policy: RbacPolicy, network: Network) -> None:
        if policy.target_project_id == network.project_id:
            return  # self-sharing
        try:
            ensure_no_project_ports(self.store, network, network_ports(self.store, network.id),
                                    policy.target_project_id)
        except Conflict as exc:
            raise rbac_in_use(network.id, callback_failure(NETWORK_CALLBACK, str(exc))) \
                from None

    def _check_network_external(self, policy: RbacPolicy, network: Network,
                                new_project: str | None) -> None:
        """``_validate_ext_not_in_use_by_project``: routers with their gateway on the network
        keep the access they rest on."""
        gateways = {p.device_id for p in network_ports(self.store, network.id)
                    if p.device_owner == DEVICE_OWNER_ROUTER_GW}
        routers = [r for r in self.store.list(Router) if r.id in gateways]
        if policy.target_project_id != ALL_PROJECTS:
            if find_wildcard(self.store, "network", network.id, ACCESS_EXTERNAL) is not None:
                return
            in_use = any(r.project_id == policy.target_project_id for r in routers)
        else:
            if network.is_default:
                raise self._external_in_use(network.id,
                                            "Default external networks must be shared to "
                                            "everyone.")
            covered = {p.target_project_id
                       for p in object_policies(self.store, "network", network.id)
                       if p.action == ACCESS_EXTERNAL and p.target_project_id != ALL_PROJECTS}
            if new_project:
                covered.add(new_project)
            in_use = any(r.project_id not in covered for r in routers)
        if in_use:
            raise self._external_in_use(network.id, "There are routers attached to this "
                                        "network that depend on this policy for access.")

    @staticmethod
    def _external_in_use(network_id: str, message: str) -> Conflict:
        return rbac_in_use(network_id, callback_failure(
            EXTERNAL_CALLBACK, str(rbac_in_use(network_id, message))))

    def _check_object_share(self, policy: RbacPolicy, target: Resource) -> None:
        """rbac_db ``validate_rbac_policy_delete``: the projects bound to the object (its
        users) keep an access of their own."""
        if target.owner_id == policy.target_project_id:
            return
        bound = self._bound_projects(policy.object_type, target)
        shared_to = {p.target_project_id
                     for p in object_policies(self.store, policy.object_type, target.id)
                     if p.action == ACCESS_SHARED}
        if policy.target_project_id != ALL_PROJECTS:
            in_use = ALL_PROJECTS not in shared_to and policy.target_project_id in bound
        else:
            in_use = not bound <= (shared_to - {ALL_PROJECTS})
        if in_use:
            details = str(rbac_in_use(target.id,
                                      f"project_id={policy.target_project_id}"))
            raise rbac_in_use(target.id, callback_failure(
                OBJECT_CALLBACK[policy.object_type], details))

    def _bound_projects(self, object_type: str, target: Resource) -> set[str]:
        """``get_bound_project_ids``: the other projects whose records use the object."""
        users: Callable[[], set[str]] = {
            "address_scope": lambda: {p.project_id for p in self.store.list(SubnetPool)
                                      if p.address_scope_id == target.id},
            "subnetpool": lambda: {s.project_id for s in self.store.list(Subnet)
                                   if s.subnet_pool_id == target.id},
            "security_group": lambda: {p.project_id for p in self.store.list(Port)
                                       if target.id in p.security_group_ids},
        }[object_type]
        return users() - {target.owner_id}

    def _after_release(self, policy: RbacPolicy, target: Resource) -> None:
        """The '*' access_as_shared policy gone: the object is no longer shared; the last
        access_as_external gone: the network is no longer external."""
        if policy.action == ACCESS_SHARED and policy.target_project_id == ALL_PROJECTS:
            field = SHARED_FIELD[policy.object_type]
            if getattr(target, field):
                self.store.update(target.replace(**{field: False}))
        if policy.action == ACCESS_EXTERNAL and isinstance(target, Network):
            left = [p for p in object_policies(self.store, "network", target.id)
                    if p.action == ACCESS_EXTERNAL]
            if not left and target.is_router_external:
                if any(p.device_owner == DEVICE_OWNER_ROUTER_GW
                       for p in network_ports(self.store, target.id)):
                    raise Conflict(f"External network {target.id} cannot be updated to be "
                                   "made non-external, since it has existing gateway ports.")
                self.store.update(bumped(target, is_router_external=False, is_default=None))

