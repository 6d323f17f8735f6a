"""``POST /servers/{id}/action``: Nova's server actions, one body key each, on the local
backend's action services (nova/api/openstack/compute/servers.py, pause_server.py,
suspend_server.py, lock_server.py, console_output.py, security_groups.py, shelve.py,
rescue.py, create_backup.py)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.api.nova_views import server_view
from ostack_cli.backend.api.server_lifecycle import UNSET, RebuildSpec
from ostack_cli.backend.local.passwords import generate_password
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import NotFound

Action = Callable[[ApiRequest, Server, Any], Reply]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(handler: Action) -> Action:
        ACTIONS[name] = handler
        return handler
    return register


@NOVA.route("POST", "/v2.1/servers/{server_id}/action")
def server_action(req: ApiRequest, server_id: str) -> Reply:
    body = req.json()
    if not isinstance(body, dict) or not body:
        raise ApiFault(400, "Malformed request body")
    name = next(iter(body))
    handler = ACTIONS.get(name)
    if handler is None:
        raise ApiFault(400, f"There is no such action: {name}")
    server = nova_common.server_by_id(req, server_id, missing="has no mapping to a cell.")
    return handler(req, server, body[name])


def _accepted() -> Reply:
    return Reply(202)


# -- power and pause -------------------------------------------------------------------------


@action("os-start")
def start(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.start_server(server)
    return _accepted()


@action("os-stop")
def stop(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.stop_server(server)
    return _accepted()


@action("reboot")
def reboot(req: ApiRequest, server: Server, body: Any) -> Reply:
    if not isinstance(body, dict) or "type" not in body:
        raise ApiFault(400, "Invalid input for field/attribute reboot. Value: "
                            f"{body}. 'type' is a required property")
    kind = str(body["type"]).upper()
    if kind not in ("SOFT", "HARD"):
        raise ApiFault(400, f"Invalid input for field/attribute type. Value: {body['type']}. "
                            f"'{body['type']}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', "
                            "'Soft', 'soft']")
    req.backend.reboot_server(server, hard=kind == "HARD")
    return _accepted()


@action("pause")
def pause(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.pause_server(server)
    return _accepted()


@action("unpause")
def unpause(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.unpause_server(server)
    return _accepted()


@action("suspend")
def suspend(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.suspend_server(server)
    return _accepted()


@action("resume")
def resume(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.resume_server(server)
    return _accepted()


# -- locks -----------------------------------------------------------------------------------


@action("lock")
def lock(req: ApiRequest, server: Server, body: Any) -> Reply:
    reason = None
    if isinstance(body, dict) and "locked_reason" in body:
        if not nova_common.at_least(req, "2.73"):
            raise ApiFault(400, "Invalid input for field/attribute lock. Value: "
                                f"{body}. Additional properties are not allowed "
                                "('locked_reason' was unexpected)")
        reason = body["locked_reason"]
    req.backend.lock_server(server, reason=reason)
    return _accepted()


@action("unlock")
def unlock(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.unlock_server(server)
    return _accepted()


# -- disk actions ----------------------------------------------------------------------------


def _flavor_ref(req: ApiRequest, body: Any, key: str) -> str:
    if not isinstance(body, dict) or "flavorRef" not in body:
        raise ApiFault(400, f"Invalid input for field/attribute {key}. Value: {body}. "
                            "'flavorRef' is a required property")
    flavor_ref = str(body["flavorRef"])
    try:
        flavor = req.backend.find_flavor(flavor_ref)
    except NotFound:
        flavor = None
    if flavor is None or flavor.id != flavor_ref:
        raise ApiFault(400, f"Flavor {flavor_ref} could not be found.")
    return flavor_ref


@action("resize")
def resize(req: ApiRequest, server: Server, body: Any) -> Reply:
    req.backend.resize_server(server, _flavor_ref(req, body, "resize"))
    return _accepted()


@action("confirmResize")
def confirm_resize(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.confirm_server_resize(server)
    return Reply(204)


@action("revertResize")
def revert_resize(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.revert_server_resize(server)
    return _accepted()


_REBUILD_KEYS = frozenset({
    "imageRef", "name", "adminPass", "metadata", "preserve_ephemeral", "OS-DCF:diskConfig",
    "accessIPv4", "accessIPv6", "personality", "description", "key_name", "user_data",
    "trusted_image_certificates", "hostname"})


@action("rebuild")
def rebuild(req: ApiRequest, server: Server, body: Any) -> Reply:
    if not isinstance(body, dict) or "imageRef" not in body:
        raise ApiFault(400, f"Invalid input for field/attribute rebuild. Value: {body}. "
                            "'imageRef' is a required property")
    unknown = sorted(k for k in body if k not in _REBUILD_KEYS)
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise ApiFault(400, f"Invalid input for field/attribute rebuild. Value: {body}. "
                            f"Additional properties are not allowed ({names} "
                            f"{'was' if len(unknown) == 1 else 'were'} unexpected)")
    image_ref = str(body["imageRef"])
    try:
        image = req.backend.find_image(image_ref)
    except NotFound:
        image = None
    if image is None or image.id != image_ref:
        raise ApiFault(400, f"Image {image_ref} could not be found.")
    user_data = body.get("user_data")
    decoded: bytes | None = None
    if user_data is not None:
        try:
            decoded = base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise ApiFault(400, "Invalid input for field/attribute user_data. Value: "
                                f"{user_data}. '{user_data}' is not a 'base64'") from None
    spec = RebuildSpec(
        image_id=image_ref, name=body.get("name"), password=body.get("adminPass"),
        metadata=body.get("metadata"), description=body.get("description"),
        preserve_ephemeral=body.get("preserve_ephemeral"),
        set_key_name="key_name" in body, key_name=body.get("key_name"),
        set_user_data="user_data" in body, user_data=decoded,
        set_trusted_image_certificates="trusted_image_certificates" in body,
        trusted_image_certificates=body.get("trusted_image_certificates"),
        hostname=body.get("hostname"))
    rebuilt = req.backend.rebuild_server(server, spec)
    view = server_view(req, rebuilt, with_user_data=False)
    if nova_common.at_least(req, "2.57"):
        view["user_data"] = rebuilt.user_data
    if rebuilt.admin_pass is not None:
        view["adminPass"] = rebuilt.admin_pass
    return Reply(202, {"server": view})


@action("createImage")
def create_image(req: ApiRequest, server: Server, body: Any) -> Reply:
    if not isinstance(body, dict) or "name" not in body:
        raise ApiFault(400, f"Invalid input for field/attribute createImage. Value: {body}. "
                            "'name' is a required property")
    image = req.backend.create_server_image(server, str(body["name"]),
                                            dict(body.get("metadata") or {}))
    location = req.service_url(f"/images/{image.id}")
    if nova_common.at_least(req, "2.45"):
        return Reply(202, {"image_id": image.id})
    return Reply(202, location=location)


# Nova's create_backup schema (v2.1): rotation is a non-negative integer, as a number or as
# digits; the name's rules are the backend's.
_BACKUP_SCHEMA = {
    "type": "object",
    "properties": {"createBackup": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "backup_type": {"type": "string"},
            "rotation": {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 0,
                         "minLength": 1},
            "metadata": {"type": "object"},
        },
        "required": ["name", "backup_type", "rotation"],
        "additionalProperties": False,
    }},
    "required": ["createBackup"],
    "additionalProperties": False,
}


@action("createBackup")
def create_backup(req: ApiRequest, server: Server, _: Any) -> Reply:
    """nova/api/openstack/compute/create_backup.py: the image's ID from 2.45, before that a
    ``Location`` when a backup is kept (rotation above 0)."""
    body = req.json(_BACKUP_SCHEMA)["createBackup"]
    rotation = int(body["rotation"])
    req.backend.backup_server(server, str(body["name"]), str(body["backup_type"]), rotation)
    image = _newest_backup(req, server, str(body["name"]))
    if nova_common.at_least(req, "2.45"):
        return Reply(202, {"image_id": image.id if image is not None else None})
    if rotation > 0 and image is not None:
        return Reply(202, location=req.service_url(f"/images/{image.id}"))
    return _accepted()


def _newest_backup(req: ApiRequest, server: Server, name: str) -> Image | None:
    """The backup just made: backups of one server share their name, Glance lists newest
    first."""
    for image in req.backend.images(name=name):
        if (image.properties.get("instance_uuid") == server.id
                and image.properties.get("image_type") == "backup"):
            return image
    return None


@action("shelve")
def shelve(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.shelve_server(server)
    return _accepted()


@action("shelveOffload")
def shelve_offload(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.shelve_offload_server(server)
    return _accepted()


@action("unshelve")
def unshelve(req: ApiRequest, server: Server, body: Any) -> Reply:
    zone: Any = UNSET
    if isinstance(body, dict) and "availability_zone" in body:
        zone = body["availability_zone"]
    req.backend.unshelve_server(server, availability_zone=zone,
                                host=body.get("host") if isinstance(body, dict) else None)
    return _accepted()


@action("rescue")
def rescue(req: ApiRequest, server: Server, body: Any) -> Reply:
    body = body if isinstance(body, dict) else {}
    # Nova answers the rescue password, one it made when none was asked for.
    password = body.get("adminPass") or generate_password()
    req.backend.rescue_server(server, image_id=body.get("rescue_image_ref"),
                              password=password)
    return Reply(200, {"adminPass": password})


@action("unrescue")
def unrescue(req: ApiRequest, server: Server, _: Any) -> Reply:
    req.backend.unrescue_server(server)
    return _accepted()


# -- console output and security groups --------------------------------------------------


@action("os-getConsoleOutput")
def console_output(req: ApiRequest, server: Server, body: Any) -> Reply:
    length = body.get("length") if isinstance(body, dict) else None
    lines: int | None = None
    if length is not None:
        try:
            lines = int(length)
        except (TypeError, ValueError):
            raise ApiFault(400, f"Invalid input for field/attribute length. Value: {length}. "
                                f"{length!r} does not match '^-?[0-9]+$'") from None
        if lines < -1:
            raise ApiFault(400, f"Invalid input for field/attribute length. Value: {length}. "
                                f"{lines} is less than the minimum of -1")
        lines = None if lines == -1 else lines
    return Reply(200, {"output": req.backend.console_log(server, lines)})


def _group_name(body: Any, key: str) -> str:
    if not isinstance(body, dict) or not body.get("name"):
        raise ApiFault(400, "Security group name cannot be empty")
    return str(body["name"])


@action("addSecurityGroup")
def add_security_group(req: ApiRequest, server: Server, body: Any) -> Reply:
    req.backend.add_security_group_to_server(server, _group_name(body, "addSecurityGroup"))
    return _accepted()


@action("removeSecurityGroup")
def remove_security_group(req: ApiRequest, server: Server, body: Any) -> Reply:
    req.backend.remove_security_group_from_server(server,
                                                  _group_name(body, "removeSecurityGroup"))
    return _accepted()
