"""Neutron's subnet pools (``/v2.0/subnetpools``, neutron_lib/api/definitions/subnetpool.py)
and network IP availabilities (``/v2.0/network-ip-availabilities``, the
``network-ip-availability`` extension with its details) on the local backend's services.

Neutron sends a pool's three prefix lengths as strings (its attribute map converts them on
input only and the database keeps them as text); the bodies here do as realstack's does.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.backend.models.ip_availability import NetworkIPAvailability
from ostack_cli.backend.models.subnet_pool import SubnetPool, SubnetPoolSpec
from ostack_cli.errors import NotFound

POOL_ATTRS = nc.attrs(
    Attr("id", "string", post=False, put=False), Attr("name", "string"), *nc.OWNER,
    Attr("prefixes", "list", required=True), Attr("default_quota", "int"),
    Attr("ip_version", post=False, put=False), Attr("default_prefixlen", "int"),
    Attr("min_prefixlen", "int"), Attr("max_prefixlen", "int"),
    Attr("is_default", "bool"), Attr("shared", "bool", put=False),
    Attr("address_scope_id"), Attr("description", "string"),
    Attr("tags", "list", put=False),
)
# Neutron's names the backend's update takes as they are.
POOL_CHANGES = ("name", "description", "prefixes", "default_prefixlen", "min_prefixlen",
                "max_prefixlen", "default_quota", "is_default", "address_scope_id")


def subnet_pool_view(pool: SubnetPool) -> dict[str, Any]:
    return {
        "id": pool.id, "name": pool.name, "project_id": pool.project_id,
        "default_prefixlen": str(pool.default_prefixlen),
        "min_prefixlen": str(pool.min_prefixlen), "max_prefixlen": str(pool.max_prefixlen),
        "is_default": pool.is_default, "shared": pool.is_shared,
        "prefixes": list(pool.prefixes), "ip_version": pool.ip_version,
        "default_quota": pool.default_quota, "address_scope_id": pool.address_scope_id,
        "description": pool.description, "tags": list(pool.tags),
        "created_at": pool.created_at, "updated_at": pool.updated_at,
        "revision_number": pool.revision_number, "tenant_id": pool.project_id,
    }


def subnet_pool_by_id(req: ApiRequest, pool_id: str) -> SubnetPool:
    return nc.by_id(req.backend.find_subnet_pool, pool_id, nc.not_found(
        "SubnetPoolNotFound", f"Subnet pool {pool_id} could not be found."))


@NEUTRON.route("GET", "/v2.0/subnetpools")
def list_subnet_pools(req: ApiRequest) -> Reply:
    return nc.listed(req, "subnetpools",
                     (subnet_pool_view(p) for p in req.backend.subnet_pools()))


@NEUTRON.route("GET", "/v2.0/subnetpools/{pool_id}")
def show_subnet_pool(req: ApiRequest, pool_id: str) -> Reply:
    return nc.one(req, "subnetpool", subnet_pool_view(subnet_pool_by_id(req, pool_id)))


@NEUTRON.route("POST", "/v2.0/subnetpools")
def create_subnet_pool(req: ApiRequest) -> Reply:
    values = nc.body(req, "subnetpool", POOL_ATTRS, creating=True)
    spec = SubnetPoolSpec(
        name=values.get("name") or "", prefixes=list(values["prefixes"] or []),
        project_id=nc.owner(req, values), default_prefixlen=values.get("default_prefixlen"),
        min_prefixlen=values.get("min_prefixlen"), max_prefixlen=values.get("max_prefixlen"),
        default_quota=values.get("default_quota"), is_default=values.get("is_default"),
        shared=values.get("shared"), description=values.get("description"),
        address_scope_id=values.get("address_scope_id"), tags=list(values.get("tags") or []))
    pool = req.backend.create_subnet_pool(spec)
    return nc.one(req, "subnetpool", subnet_pool_view(pool), 201)


@NEUTRON.route("PUT", "/v2.0/subnetpools/{pool_id}")
def update_subnet_pool(req: ApiRequest, pool_id: str) -> Reply:
    values = nc.body(req, "subnetpool", POOL_ATTRS, creating=False)
    pool = subnet_pool_by_id(req, pool_id)
    changes = {k: v for k, v in values.items() if k in POOL_CHANGES}
    updated = req.backend.update_subnet_pool(pool, **changes) if changes else pool
    return nc.one(req, "subnetpool", subnet_pool_view(updated))


@NEUTRON.route("DELETE", "/v2.0/subnetpools/{pool_id}")
def delete_subnet_pool(req: ApiRequest, pool_id: str) -> Reply:
    req.backend.delete_subnet_pool(subnet_pool_by_id(req, pool_id))
    return Reply(204)


# -- network IP availabilities ---------------------------------------------------------------


def ip_availability_view(item: NetworkIPAvailability) -> dict[str, Any]:
    return {
        "network_id": item.network_id, "network_name": item.network_name,
        "project_id": item.project_id,
        "subnet_ip_availability": [dict(s) for s in item.subnet_ip_availability],
        "used_ips": item.used_ips, "total_ips": item.total_ips,
        "ip_availability_details": item.ip_availability_details,
        "tenant_id": item.project_id,
    }


@NEUTRON.route("GET", "/v2.0/network-ip-availabilities")
def list_ip_availabilities(req: ApiRequest) -> Reply:
    # ip_version is a subnet's, not the network's: the backend keeps the networks with
    # subnets of that version and counts those subnets only.
    version = req.param("ip_version")
    items = req.backend.network_ip_availabilities(
        ip_version=None if not version else nc.to_int(version))
    return nc.listed(req, "network_ip_availabilities",
                     (ip_availability_view(i) for i in items), ignored=("ip_version",),
                     id_key="network_id")


@NEUTRON.route("GET", "/v2.0/network-ip-availabilities/{network_id}")
def show_ip_availability(req: ApiRequest, network_id: str) -> Reply:
    try:
        found = req.backend.find_network_ip_availability(network_id)
    except NotFound:
        if not (req.principal and req.principal.is_admin):
            # Neutron's policy hides the resource itself from a member: webob's plain 404.
            raise ApiFault(404, "The resource could not be found.",
                           kind="HTTPNotFound") from None
        raise nc.not_found("NetworkNotFound",
                           f"Network {network_id} could not be found.") from None
    return nc.one(req, "network_ip_availability", ip_availability_view(found))
