"""Nova's bodies for flavors and servers, at the negotiated microversion, as
nova/api/openstack/compute/views/{flavors,servers}.py build them.

What a member may not see (the ``OS-EXT-SRV-ATTR`` host attributes, ``host_status``) is left
out as Nova's default policy leaves it out; everything else is the backend's model as the CLI
prints it.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.http import ApiRequest
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.server import Server, usage_time

# Nova's system_metadata keys that are the boot image's attributes, not its properties
# (``image_<key>``; the rest of ``image_*`` are the properties 2.98 shows).
_IMAGE_ATTRIBUTES = frozenset({
    "base_image_ref", "container_format", "disk_format", "min_disk", "min_ram", "size",
    "checksum", "owner_specified.openstack.md5", "owner_specified.openstack.sha256",
    "owner_specified.openstack.object",
})
_IMAGE_PREFIX = "image_"


def flavor_view(req: ApiRequest, flavor: Flavor, *, detail: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"id": flavor.id, "name": flavor.name}
    if detail:
        body.update({
            "ram": flavor.ram, "disk": flavor.disk,
            "swap": flavor.swap or (0 if nova_common.at_least(req, "2.75") else ""),
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "OS-FLV-DISABLED:disabled": flavor.is_disabled, "vcpus": flavor.vcpus,
            "os-flavor-access:is_public": flavor.is_public,
            "rxtx_factor": flavor.rxtx_factor or "",
        })
    body["links"] = nova_common.links(req, "flavors", flavor.id)
    if nova_common.at_least(req, "2.55"):
        body["description"] = flavor.description
    # Nova's extra specs policy lets every project reader see them.
    if detail and nova_common.at_least(req, "2.61"):
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def server_brief(req: ApiRequest, server: Server) -> dict[str, Any]:
    """``GET /servers``: ID, name and links."""
    return {"id": server.id, "name": server.name,
            "links": nova_common.links(req, "servers", server.id)}


def server_view(req: ApiRequest, server: Server, *, in_list: bool = False,
                with_user_data: bool = True) -> dict[str, Any]:
    """``GET /servers/{id}`` and each of ``GET /servers/detail``. ``in_list``: the detail
    list leaves ``server_groups`` out (2.71+ shows them on one server only)."""
    admin = nova_common.is_admin(req)
    status = server.status
    body: dict[str, Any] = {
        "accessIPv4": server.access_ipv4 or "",
        "accessIPv6": server.access_ipv6 or "",
        # Nova hides addresses while a server builds.
        "addresses": {} if server.vm_state == "building" else dict(server.addresses),
        "created": server.created_at,
        "flavor": _flavor(req, server),
        "hostId": server.host_id,
        "id": server.id,
        "image": _image(req, server),
        "links": nova_common.links(req, "servers", server.id),
        "metadata": dict(server.metadata),
        "name": server.name,
        "status": status,
        "tenant_id": server.project_id,
        "user_id": server.user_id,
        "updated": server.updated_at,
        "OS-DCF:diskConfig": server.disk_config or "MANUAL",
    }
    if server.fault is not None:
        body["fault"] = _fault(server.fault, admin)
    if server.progress is not None:
        body["progress"] = server.progress
    body["OS-EXT-AZ:availability_zone"] = server.availability_zone or ""
    body["config_drive"] = "True" if server.config_drive else ""
    body["key_name"] = server.key_name
    body["OS-SRV-USG:launched_at"] = usage_time(server.launched_at)
    body["OS-SRV-USG:terminated_at"] = usage_time(server.terminated_at)
    if server.security_group_names:
        body["security_groups"] = [{"name": name} for name in server.security_group_names]
    if admin:
        body["OS-EXT-SRV-ATTR:host"] = server.host or None
        body["OS-EXT-SRV-ATTR:instance_name"] = server.instance_name
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = (
            server.hypervisor_hostname if server.hypervisor_hostname is not None
            else server.host or None)
        if nova_common.at_least(req, "2.3"):
            body.update({
                "OS-EXT-SRV-ATTR:hostname": server.hostname,
                "OS-EXT-SRV-ATTR:kernel_id": server.kernel_id,
                "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
                "OS-EXT-SRV-ATTR:ramdisk_id": server.ramdisk_id,
                "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
                "OS-EXT-SRV-ATTR:root_device_name": server.root_device_name,
            })
            if with_user_data:
                body["OS-EXT-SRV-ATTR:user_data"] = server.user_data
    body["OS-EXT-STS:task_state"] = server.task_state
    body["OS-EXT-STS:vm_state"] = server.vm_state
    body["OS-EXT-STS:power_state"] = server.power_state
    body["os-extended-volumes:volumes_attached"] = [
        _volume(req, v) for v in server.attached_volumes]
    if nova_common.at_least(req, "2.9"):
        body["locked"] = bool(server.is_locked)
    if nova_common.at_least(req, "2.16") and admin:
        body["host_status"] = server.host_status if server.host_status is not None else ""
    if nova_common.at_least(req, "2.19"):
        body["description"] = server.description
    if nova_common.at_least(req, "2.26"):
        body["tags"] = list(server.tags)
    if nova_common.at_least(req, "2.63"):
        body["trusted_image_certificates"] = server.trusted_image_certificates
    if nova_common.at_least(req, "2.71") and not in_list:
        body["server_groups"] = list(server.server_groups or [])
    if nova_common.at_least(req, "2.73"):
        body["locked_reason"] = server.locked_reason
    if nova_common.at_least(req, "2.90") and not admin:
        body["OS-EXT-SRV-ATTR:hostname"] = server.hostname
    if nova_common.at_least(req, "2.96"):
        body["pinned_availability_zone"] = server.pinned_availability_zone
    if nova_common.at_least(req, "2.100"):
        body["scheduler_hints"] = dict(server.scheduler_hints or {})
    return body


def _flavor(req: ApiRequest, server: Server) -> dict[str, Any]:
    if nova_common.at_least(req, "2.47"):
        embedded = server.flavor
        body = {key: embedded.get(key) for key in
                ("vcpus", "ram", "disk", "ephemeral", "swap", "original_name")}
        body["extra_specs"] = dict(embedded.get("extra_specs") or {})
        return body
    return {"id": server.flavor_id, "links": [
        {"rel": "bookmark", "href": req.service_url(f"/flavors/{server.flavor_id}")}]}


def _image(req: ApiRequest, server: Server) -> dict[str, Any] | str:
    if not server.image_id:
        return ""
    image: dict[str, Any] = {"id": server.image_id, "links": [
        {"rel": "bookmark", "href": req.service_url(f"/images/{server.image_id}")}]}
    if nova_common.at_least(req, "2.98"):
        image["properties"] = {
            key[len(_IMAGE_PREFIX):]: value for key, value in server.system_metadata.items()
            if key.startswith(_IMAGE_PREFIX)
            and key[len(_IMAGE_PREFIX):] not in _IMAGE_ATTRIBUTES and value is not None}
    return image


def _fault(fault: dict[str, Any], admin: bool) -> dict[str, Any]:
    body: dict[str, Any] = {k: fault[k] for k in ("code", "created", "message") if k in fault}
    # Nova shows a 500's details to admins only.
    if fault.get("details") and (admin or fault.get("code") != 500):
        body["details"] = fault["details"]
    return body


def _volume(req: ApiRequest, attached: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": attached.get("id")}
    if nova_common.at_least(req, "2.3"):
        body["delete_on_termination"] = bool(attached.get("delete_on_termination"))
    return body

