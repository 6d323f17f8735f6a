"""Nova's servers: list (with Nova's filters and paging), show, create, update, delete,
their metadata and tags (nova/api/openstack/compute/servers.py, server_metadata.py,
server_tags.py), on the local backend's server services. Actions are in
``nova_actions.py``."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.api.nova_views import server_brief, server_view
from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.models.server import NicRequest, Server, ServerSpec
from ostack_cli.backend.models.volume import BlockDevice
from ostack_cli.errors import NotFound

# Every status Nova's list filter knows (nova/api/openstack/common.py _STATE_MAP).
STATUSES = frozenset({
    "ACTIVE", "BUILD", "REBOOT", "HARD_REBOOT", "PASSWORD", "REBUILD", "MIGRATING", "RESIZE",
    "VERIFY_RESIZE", "REVERT_RESIZE", "SHUTOFF", "PAUSED", "SUSPENDED", "RESCUE", "ERROR",
    "DELETED", "SOFT_DELETED", "SHELVED", "SHELVED_OFFLOADED", "UNKNOWN",
})
_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_BOOLEAN = {"type": ["boolean", "string"], "enum": [
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"]}
_COUNT = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 1, "minLength": 1}
_METADATA = {"type": "object", "patternProperties": {}, "additionalProperties": {
    "type": "string", "maxLength": 255}}
_BDM = {"type": "object", "properties": {
    "source_type": {"type": "string", "enum": ["volume", "image", "snapshot", "blank"]},
    "destination_type": {"type": "string", "enum": ["local", "volume"]},
    "uuid": {"type": "string", "minLength": 1, "maxLength": 255},
    "boot_index": {"type": ["integer", "string", "null"]},
    "volume_size": {"type": ["integer", "string"]},
    "delete_on_termination": _BOOLEAN,
    "device_name": {"type": ["string", "null"]}, "device_type": {"type": ["string", "null"]},
    "disk_bus": {"type": ["string", "null"]}, "guest_format": {"type": ["string", "null"]},
    "tag": {"type": "string"}, "volume_type": {"type": ["string", "null"]},
    "no_device": {}, "connection_info": {"type": "string"},
}, "additionalProperties": False}
_NETWORK = {"type": "object", "properties": {
    "fixed_ip": {"type": "string"}, "port": {"type": ["string", "null"], "format": "uuid"},
    "uuid": {"type": "string"}, "tag": {"type": "string"}}, "additionalProperties": False}


def _create_schema(req: ApiRequest) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": _NAME, "imageRef": {"anyOf": [{"type": "string", "format": "uuid"},
                                             {"type": "string", "maxLength": 0}]},
        "flavorRef": {
            "type": ["string", "integer"], "minLength": 1},
        "adminPass": {"type": "string"}, "metadata": _METADATA,
        "networks": {"type": "array", "items": _NETWORK},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "accessIPv4": {"type": "string"}, "accessIPv6": {"type": "string"},
        "availability_zone": _NAME,
        "block_device_mapping_v2": {"type": "array", "items": _BDM},
        "config_drive": _BOOLEAN, "key_name": _NAME, "min_count": _COUNT, "max_count": _COUNT,
        "return_reservation_id": _BOOLEAN,
        "security_groups": {"type": "array", "items": {
            "type": "object", "properties": {"name": _NAME}, "additionalProperties": False}},
        "user_data": {"type": "string", "maxLength": 65535},
    }
    if not nova_common.at_least(req, "2.57"):
        properties["personality"] = {"type": "array"}
    if nova_common.at_least(req, "2.19"):
        properties["description"] = {"type": ["string", "null"], "maxLength": 255}
    if nova_common.at_least(req, "2.37"):
        properties["networks"] = {"anyOf": [
            {"type": "array", "items": _NETWORK},
            {"type": "string", "enum": ["none", "auto"]}]}
    if nova_common.at_least(req, "2.52"):
        properties["tags"] = {"type": "array", "items": {
            "type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"},
            "maxItems": 50}
    if nova_common.at_least(req, "2.63"):
        properties["trusted_image_certificates"] = {"type": ["array", "null"]}
    if nova_common.at_least(req, "2.74"):
        properties["host"] = {"type": "string"}
        properties["hypervisor_hostname"] = {"type": "string"}
    if nova_common.at_least(req, "2.90"):
        properties["hostname"] = {"type": "string", "minLength": 1, "maxLength": 255}
    required = ["name", "flavorRef"] + (["networks"] if nova_common.at_least(req, "2.37")
                                        else [])
    hints = {"type": "object", "additionalProperties": True}
    return {"type": "object", "properties": {
        "server": {"type": "object", "properties": properties, "required": required,
                   "additionalProperties": False},
        "os:scheduler_hints": hints, "OS-SCH-HNT:scheduler_hints": hints},
        "required": ["server"], "additionalProperties": False}


# -- reading ---------------------------------------------------------------------------------


def _filters(req: ApiRequest) -> ServerFilters:
    def text(name: str) -> str | None:
        return req.param(name)

    statuses = req.params.get("status") or []
    for status in statuses:
        if status.upper() not in STATUSES:
            raise ApiFault(400, "Invalid status value")
    all_tenants = False
    if "all_tenants" in req.params:
        value = req.param("all_tenants") or ""
        all_tenants = value == "" or value.lower() in ("1", "t", "true", "on", "y", "yes")
    tags = text("tags")
    not_tags = text("not-tags")
    power = text("power_state")
    progress = text("progress")
    return ServerFilters(
        name=text("name"), status=statuses[-1] if statuses else None,
        flavor_id=text("flavor"), image_id=text("image"), ip=text("ip"), ip6=text("ip6"),
        all_projects=all_tenants, deleted=bool(nova_common.bool_param(text("deleted"))),
        changes_since=text("changes-since"), changes_before=text("changes-before"),
        reservation_id=text("reservation_id"), instance_name=text("instance_name"),
        host=text("host"),
        # Nova ignores a project filter unless every project is listed.
        project_id=(text("project_id") or text("tenant_id")) if all_tenants else None,
        user_id=text("user_id"), availability_zone=text("availability_zone"),
        key_name=text("key_name"), config_drive=nova_common.bool_param(text("config_drive")),
        progress=int(progress) if progress and progress.isdigit() else None,
        vm_state=text("vm_state"), task_state=text("task_state"),
        power_state=int(power) if power and power.isdigit() else None,
        locked=nova_common.bool_param(text("locked")),
        tags=tags.split(",") if tags else [], not_tags=not_tags.split(",") if not_tags else [],
        marker=text("marker"), limit=nova_common.limit_param(req))


def _listed(req: ApiRequest, *, detail: bool) -> Reply:
    filters = _filters(req)
    servers = req.backend.servers(filters)
    views = [server_view(req, s, in_list=True) if detail else server_brief(req, s)
             for s in servers]
    body: dict[str, Any] = {"servers": views}
    body.update(nova_common.collection_links(
        req, "servers/detail" if detail else "servers", views, filters.limit))
    return Reply(200, body)


@NOVA.route("GET", "/v2.1/servers")
def list_servers(req: ApiRequest) -> Reply:
    return _listed(req, detail=False)


@NOVA.route("GET", "/v2.1/servers/detail")
def list_servers_detail(req: ApiRequest) -> Reply:
    return _listed(req, detail=True)


@NOVA.route("GET", "/v2.1/servers/{server_id}")
def show_server(req: ApiRequest, server_id: str) -> Reply:
    return Reply(200, {"server": server_view(req, nova_common.server_by_id(req, server_id))})


# -- creating --------------------------------------------------------------------------------


def _exists(req: ApiRequest, finder: Any, ident: str, message: str) -> None:
    """A referenced resource by ID (Nova's 400 with the service's words otherwise)."""
    try:
        found = finder(ident)
    except NotFound:
        found = None
    if found is None or found.id != ident:
        raise ApiFault(400, message)


def _nics(req: ApiRequest, networks: Any) -> tuple[list[NicRequest] | None, bool]:
    """The request's networks: the NICs asked for, and whether none were wanted."""
    if networks is None or networks == "auto":
        return None, False
    if networks == "none":
        return None, True
    nics = []
    for entry in networks:
        port = entry.get("port")
        network = entry.get("uuid")
        if port:
            _exists(req, req.backend.find_port, port, f"Port id {port} could not be found.")
        elif network is not None:
            try:
                uuid.UUID(network)
            except ValueError:
                raise ApiFault(400, "Bad networks format: network uuid is not in proper "
                                    f"format ({network})") from None
            _exists(req, req.backend.find_network, network,
                    f"Network {network} could not be found.")
        nics.append(NicRequest(network=None if port else network, port=port or None,
                               fixed_ip=entry.get("fixed_ip")))
    return nics, False


def _block_devices(image_ref: str, mappings: list[dict[str, Any]]) -> list[BlockDevice]:
    """The request's block devices; the image's own boot disk (what the real client sends
    with every ``--image`` boot) is the boot Nova makes anyway, so it is left to ``image``."""
    devices = []
    for mapping in mappings:
        boot_index = mapping.get("boot_index")
        boot_index = None if boot_index in (None, "") else int(boot_index)
        if (mapping.get("source_type") == "image" and mapping.get("destination_type")
                in (None, "local") and boot_index == 0 and mapping.get("uuid") == image_ref):
            continue
        size = mapping.get("volume_size")
        devices.append(BlockDevice(
            source_type=mapping.get("source_type", "blank"),
            destination_type=mapping.get("destination_type", "local"),
            uuid=mapping.get("uuid"), boot_index=boot_index,
            volume_size=None if size is None else int(size),
            delete_on_termination=_truth(mapping.get("delete_on_termination")),
            device_name=mapping.get("device_name"), device_type=mapping.get("device_type"),
            disk_bus=mapping.get("disk_bus"), guest_format=mapping.get("guest_format"),
            tag=mapping.get("tag"), volume_type=mapping.get("volume_type")))
    return devices


def _truth(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "t", "true", "on", "y", "yes")


def _user_data(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiFault(400, f"Invalid input for field/attribute user_data. Value: {text}. "
                            f"'{text}' is not a 'base64'") from None


@NOVA.route("POST", "/v2.1/servers")
def create_server(req: ApiRequest) -> Reply:
    body = req.json(_create_schema(req))
    server = body["server"]
    image_ref = server.get("imageRef") or ""
    flavor_ref = str(server["flavorRef"])
    _exists(req, req.backend.find_flavor, flavor_ref, f"Flavor {flavor_ref} could not be found.")
    devices = _block_devices(image_ref, server.get("block_device_mapping_v2") or [])
    if image_ref:
        _exists(req, req.backend.find_image, image_ref, f"Image {image_ref} could not be found.")
    elif not devices:
        raise ApiFault(400, "Missing imageRef attribute")
    nics, no_network = _nics(req, server.get("networks"))
    hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    if min_count > max_count:
        raise ApiFault(400, "min_count must be <= max_count")
    groups = [g["name"] for g in server.get("security_groups") or []]
    spec = ServerSpec(
        name=server["name"], flavor=flavor_ref, image=image_ref, nics=nics,
        no_network=no_network, security_groups=groups, key_name=server.get("key_name"),
        user_data=_user_data(server.get("user_data")),
        metadata=dict(server.get("metadata") or {}), hostname=server.get("hostname"),
        description=server.get("description"),
        config_drive=_truth(server.get("config_drive")), min_count=min_count,
        max_count=max_count, tags=list(server.get("tags") or []),
        password=server.get("adminPass"),
        scheduler_hints={k: v if isinstance(v, list) else str(v) for k, v in hints.items()},
        block_devices=devices, availability_zone=server.get("availability_zone"))
    created = req.backend.create_servers(spec)
    first = created[0]
    if _truth(server.get("return_reservation_id")):
        return Reply(202, {"reservation_id": first.reservation_id})
    answer: dict[str, Any] = {
        "id": first.id, "links": nova_common.links(req, "servers", first.id),
        "OS-DCF:diskConfig": server.get("OS-DCF:diskConfig", "MANUAL"),
        # Nova echoes the groups the request named, or the default one.
        "security_groups": server.get("security_groups") or [{"name": "default"}],
    }
    if first.admin_pass is not None:
        answer["adminPass"] = first.admin_pass
    return Reply(202, {"server": answer}, location=nova_common.links(
        req, "servers", first.id)[0]["href"])


# -- changing --------------------------------------------------------------------------------

UPDATE_PROPERTIES = {"name": _NAME, "description": {"type": ["string", "null"],
                                                    "maxLength": 255},
                     "accessIPv4": {"type": "string"}, "accessIPv6": {"type": "string"},
                     "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
                     "hostname": {"type": "string", "minLength": 1, "maxLength": 255}}


@NOVA.route("PUT", "/v2.1/servers/{server_id}")
def update_server(req: ApiRequest, server_id: str) -> Reply:
    body = req.json({"type": "object", "properties": {"server": {
        "type": "object", "properties": UPDATE_PROPERTIES, "additionalProperties": False}},
        "required": ["server"], "additionalProperties": False})["server"]
    server = nova_common.server_by_id(req, server_id)
    if "hostname" in body and not nova_common.at_least(req, "2.90"):
        raise ApiFault(400, "Additional properties are not allowed ('hostname' was "
                            "unexpected)")
    description = body.get("description")
    updated = req.backend.update_server(
        server, name=body.get("name"),
        # The backend's None means "unchanged": Nova's null clears it.
        description=("" if description is None else description)
        if "description" in body else None)
    shown = nova_common.server_by_id(req, updated.id)
    view = server_view(req, shown, with_user_data=False)
    if not nova_common.at_least(req, "2.75"):
        view = {k: v for k, v in view.items() if not k.startswith(
            ("OS-EXT-", "OS-SRV-USG", "os-extended-volumes", "security_groups"))
            and k not in ("config_drive", "key_name", "host_status", "server_groups")}
    return Reply(200, {"server": view})


@NOVA.route("DELETE", "/v2.1/servers/{server_id}")
def delete_server(req: ApiRequest, server_id: str) -> Reply:
    req.backend.delete_server(nova_common.server_by_id(req, server_id))
    return Reply(204)


# -- metadata --------------------------------------------------------------------------------

_METADATA_BODY = {"type": "object", "properties": {"metadata": _METADATA},
                  "required": ["metadata"], "additionalProperties": False}
_META_ITEM = {"type": "object", "properties": {"meta": {
    "type": "object", "additionalProperties": {"type": "string", "maxLength": 255},
    "minProperties": 1, "maxProperties": 1}}, "required": ["meta"],
    "additionalProperties": False}


def _metadata_reply(server: Server) -> Reply:
    return Reply(200, {"metadata": dict(server.metadata)})


@NOVA.route("GET", "/v2.1/servers/{server_id}/metadata")
def list_metadata(req: ApiRequest, server_id: str) -> Reply:
    return _metadata_reply(nova_common.server_by_id(req, server_id))


@NOVA.route("POST", "/v2.1/servers/{server_id}/metadata")
def update_metadata(req: ApiRequest, server_id: str) -> Reply:
    metadata = req.json(_METADATA_BODY)["metadata"]
    server = nova_common.server_by_id(req, server_id)
    return _metadata_reply(req.backend.update_server(server, set_metadata=metadata))


@NOVA.route("PUT", "/v2.1/servers/{server_id}/metadata")
def replace_metadata(req: ApiRequest, server_id: str) -> Reply:
    metadata = req.json(_METADATA_BODY)["metadata"]
    server = nova_common.server_by_id(req, server_id)
    gone = [key for key in server.metadata if key not in metadata]
    return _metadata_reply(req.backend.update_server(server, set_metadata=metadata,
                                                     unset_metadata=gone))


@NOVA.route("GET", "/v2.1/servers/{server_id}/metadata/{key}")
def show_metadata_item(req: ApiRequest, server_id: str, key: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    if key not in server.metadata:
        raise ApiFault(404, "Metadata item was not found")
    return Reply(200, {"meta": {key: server.metadata[key]}})


@NOVA.route("PUT", "/v2.1/servers/{server_id}/metadata/{key}")
def set_metadata_item(req: ApiRequest, server_id: str, key: str) -> Reply:
    meta = req.json(_META_ITEM)["meta"]
    if key not in meta:
        raise ApiFault(400, "Request body and URI mismatch")
    server = nova_common.server_by_id(req, server_id)
    req.backend.update_server(server, set_metadata=meta)
    return Reply(200, {"meta": meta})


@NOVA.route("DELETE", "/v2.1/servers/{server_id}/metadata/{key}")
def delete_metadata_item(req: ApiRequest, server_id: str, key: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    if key not in server.metadata:
        raise ApiFault(404, "Metadata item was not found")
    req.backend.update_server(server, unset_metadata=[key])
    return Reply(204)


# -- tags (2.26+) ------------------------------------------------------------------------------

_TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}


@NOVA.route("GET", "/v2.1/servers/{server_id}/tags")
def list_tags(req: ApiRequest, server_id: str) -> Reply:
    nova_common.require_version(req, "2.26")
    return Reply(200, {"tags": list(nova_common.server_by_id(req, server_id).tags)})


@NOVA.route("PUT", "/v2.1/servers/{server_id}/tags")
def replace_tags(req: ApiRequest, server_id: str) -> Reply:
    nova_common.require_version(req, "2.26")
    tags = req.json({"type": "object", "properties": {"tags": {
        "type": "array", "items": _TAG, "maxItems": 50}}, "required": ["tags"],
        "additionalProperties": False})["tags"]
    server = nova_common.server_by_id(req, server_id)
    req.backend.remove_server_tags(server)
    for tag in dict.fromkeys(tags):
        req.backend.add_server_tag(server, tag)
    return Reply(200, {"tags": list(nova_common.server_by_id(req, server_id).tags)})


@NOVA.route("DELETE", "/v2.1/servers/{server_id}/tags")
def delete_tags(req: ApiRequest, server_id: str) -> Reply:
    nova_common.require_version(req, "2.26")
    req.backend.remove_server_tags(nova_common.server_by_id(req, server_id))
    return Reply(204)


@NOVA.route("GET", "/v2.1/servers/{server_id}/tags/{tag}")
def check_tag(req: ApiRequest, server_id: str, tag: str) -> Reply:
    nova_common.require_version(req, "2.26")
    if tag not in nova_common.server_by_id(req, server_id).tags:
        raise ApiFault(404, f"Tag {tag} could not be found.")
    return Reply(204)


@NOVA.route("PUT", "/v2.1/servers/{server_id}/tags/{tag}")
def add_tag(req: ApiRequest, server_id: str, tag: str) -> Reply:
    nova_common.require_version(req, "2.26")
    server = nova_common.server_by_id(req, server_id)
    if tag in server.tags:
        return Reply(204)
    req.backend.add_server_tag(server, tag)
    location = req.service_url(f"/v2.1/servers/{server_id}/tags/{tag}")
    return Reply(201, location=location)


@NOVA.route("DELETE", "/v2.1/servers/{server_id}/tags/{tag}")
def delete_tag(req: ApiRequest, server_id: str, tag: str) -> Reply:
    nova_common.require_version(req, "2.26")
    server = nova_common.server_by_id(req, server_id)
    if tag not in server.tags:
        raise ApiFault(404, f"Tag {tag} could not be found.")
    req.backend.remove_server_tag(server, tag)
    return Reply(204)
