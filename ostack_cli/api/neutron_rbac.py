"""Neutron's address scopes (``/v2.0/address-scopes``, neutron_lib/api/definitions/
address_scope.py) and RBAC policies (``/v2.0/rbac-policies``, neutron/extensions/rbac.py)
on the local backend's services.

A policy's target is ``target_tenant`` in Neutron's bodies (openstacksdk's
``target_project_id``); Neutron's error for a policy it cannot find names its type, which
a look-up by ID alone does not know: ``unknown``.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.backend.models.address_scope import AddressScope, AddressScopeSpec
from ostack_cli.backend.models.rbac_policy import TYPE_ACTIONS, RbacPolicy, RbacPolicySpec

SCOPE_ATTRS = nc.attrs(
    Attr("id", "string", post=False, put=False), Attr("name", "string"), *nc.OWNER,
    Attr("shared", "bool"), Attr("ip_version", "int", put=False, required=True),
)
POLICY_ATTRS = nc.attrs(
    Attr("id", "string", post=False, put=False), *nc.OWNER,
    Attr("object_type", "string", put=False, required=True),
    Attr("object_id", "uuid", put=False, required=True),
    Attr("target_tenant", "string", required=True),
    Attr("action", "string", put=False, required=True),
)


# -- address scopes --------------------------------------------------------------------------


def address_scope_view(scope: AddressScope) -> dict[str, Any]:
    return {"id": scope.id, "project_id": scope.project_id, "name": scope.name,
            "shared": scope.is_shared, "ip_version": scope.ip_version,
            "tenant_id": scope.project_id}


def address_scope_by_id(req: ApiRequest, scope_id: str) -> AddressScope:
    return nc.by_id(req.backend.find_address_scope, scope_id, nc.not_found(
        "AddressScopeNotFound", f"Address scope {scope_id} could not be found."))


@NEUTRON.route("GET", "/v2.0/address-scopes")
def list_address_scopes(req: ApiRequest) -> Reply:
    return nc.listed(req, "address_scopes",
                     (address_scope_view(s) for s in req.backend.address_scopes()))


@NEUTRON.route("GET", "/v2.0/address-scopes/{scope_id}")
def show_address_scope(req: ApiRequest, scope_id: str) -> Reply:
    return nc.one(req, "address_scope", address_scope_view(address_scope_by_id(req, scope_id)))


@NEUTRON.route("POST", "/v2.0/address-scopes")
def create_address_scope(req: ApiRequest) -> Reply:
    values = nc.body(req, "address_scope", SCOPE_ATTRS, creating=True)
    scope = req.backend.create_address_scope(AddressScopeSpec(
        name=values.get("name") or "", ip_version=values["ip_version"],
        project_id=nc.owner(req, values), shared=values.get("shared"),
    ))
    return nc.one(req, "address_scope", address_scope_view(scope), 201)


@NEUTRON.route("PUT", "/v2.0/address-scopes/{scope_id}")
def update_address_scope(req: ApiRequest, scope_id: str) -> Reply:
    values = nc.body(req, "address_scope", SCOPE_ATTRS, creating=False)
    scope = address_scope_by_id(req, scope_id)
    changes: dict[str, Any] = {}
    if "name" in values:
        changes["name"] = values["name"] or ""
    if values.get("shared") is not None:
        changes["is_shared"] = values["shared"]
    updated = req.backend.update_address_scope(scope, **changes) if changes else scope
    return nc.one(req, "address_scope", address_scope_view(updated))


@NEUTRON.route("DELETE", "/v2.0/address-scopes/{scope_id}")
def delete_address_scope(req: ApiRequest, scope_id: str) -> Reply:
    req.backend.delete_address_scope(address_scope_by_id(req, scope_id))
    return Reply(204)


# -- RBAC policies ---------------------------------------------------------------------------


def rbac_policy_view(policy: RbacPolicy) -> dict[str, Any]:
    return {"id": policy.id, "project_id": policy.project_id, "action": policy.action,
            "object_id": policy.object_id, "target_tenant": policy.target_project_id,
            "object_type": policy.object_type, "tenant_id": policy.project_id}


def rbac_policy_by_id(req: ApiRequest, policy_id: str) -> RbacPolicy:
    return nc.by_id(req.backend.find_rbac_policy, policy_id, nc.not_found(
        "RbacPolicyNotFound", f"RBAC policy of type unknown with ID {policy_id} not found"))


@NEUTRON.route("GET", "/v2.0/rbac-policies")
def list_rbac_policies(req: ApiRequest) -> Reply:
    return nc.listed(req, "rbac_policies",
                     (rbac_policy_view(p) for p in req.backend.rbac_policies()))


@NEUTRON.route("GET", "/v2.0/rbac-policies/{policy_id}")
def show_rbac_policy(req: ApiRequest, policy_id: str) -> Reply:
    return nc.one(req, "rbac_policy", rbac_policy_view(rbac_policy_by_id(req, policy_id)))


@NEUTRON.route("POST", "/v2.0/rbac-policies")
def create_rbac_policy(req: ApiRequest) -> Reply:
    values = nc.body(req, "rbac_policy", POLICY_ATTRS, creating=True)
    object_type = values["object_type"]
    if object_type not in TYPE_ACTIONS:
        # The attribute map's ``type:values`` over the object types Neutron registers.
        raise ApiFault(400, f"Invalid input for object_type. Reason: '{object_type}' is not in "
                            f"{sorted(TYPE_ACTIONS)}.", kind="HTTPBadRequest")
    policy = req.backend.create_rbac_policy(RbacPolicySpec(
        object_type=object_type, object_id=values["object_id"], action=values["action"],
        target_project_id=values["target_tenant"], project_id=nc.owner(req, values),
    ))
    return nc.one(req, "rbac_policy", rbac_policy_view(policy), 201)


@NEUTRON.route("PUT", "/v2.0/rbac-policies/{policy_id}")
def update_rbac_policy(req: ApiRequest, policy_id: str) -> Reply:
    values = nc.body(req, "rbac_policy", POLICY_ATTRS, creating=False)
    policy = rbac_policy_by_id(req, policy_id)
    target = values.get("target_tenant")
    updated = (req.backend.update_rbac_policy(policy, target_project_id=target)
               if target else policy)
    return nc.one(req, "rbac_policy", rbac_policy_view(updated))


@NEUTRON.route("DELETE", "/v2.0/rbac-policies/{policy_id}")
def delete_rbac_policy(req: ApiRequest, policy_id: str) -> Reply:
    req.backend.delete_rbac_policy(rbac_policy_by_id(req, policy_id))
    return Reply(204)
