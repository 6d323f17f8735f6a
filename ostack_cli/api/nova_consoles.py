"""Nova's remote consoles: ``POST /servers/{id}/remote-consoles`` (2.6 on) and the older
``os-getVNCConsole``/``os-getSPICEConsole``/``os-getSerialConsole`` actions (2.1 to 2.5), on
the local backend's ``console_url`` (nova/api/openstack/compute/remote_consoles.py and its
schemas). The backend makes Nova's checks and messages; this module adds the request's
shape and the protocol a type belongs to."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.api.nova_actions import action
from ostack_cli.backend.models.server import Server

# schemas/remote_consoles.py: create_v26, create_v28 (mks), create_v299 (spice-direct).
PROTOCOLS_26 = ["vnc", "spice", "rdp", "serial"]
TYPES_26 = ["novnc", "xvpvnc", "rdp-html5", "spice-html5", "serial"]
# Which protocol each console type is served under (compute/api.py's handlers).
TYPE_PROTOCOL = {"novnc": "vnc", "xvpvnc": "vnc", "spice-html5": "spice",
                 "spice-direct": "spice", "rdp-html5": "rdp", "serial": "serial",
                 "webmks": "mks"}


def _enums(req: ApiRequest) -> tuple[list[str], list[str]]:
    protocols, types = list(PROTOCOLS_26), list(TYPES_26)
    if nova_common.at_least(req, "2.8"):
        protocols.append("mks")
        types.append("webmks")
    if nova_common.at_least(req, "2.99"):
        types.append("spice-direct")
    return protocols, types


def _invalid(field: str, value: Any, why: str) -> ApiFault:
    return ApiFault(400, f"Invalid input for field/attribute {field}. Value: {value}. {why}")


def _one_of(field: str, value: Any, allowed: list[str]) -> None:
    if value not in allowed:
        raise _invalid(field, value, f"{value!r} is not one of {allowed!r}")


@NOVA.route("POST", "/v2.1/servers/{server_id}/remote-consoles")
def create_remote_console(req: ApiRequest, server_id: str) -> Reply:
    nova_common.require_version(req, "2.6")
    body = req.json()
    if not isinstance(body, dict) or "remote_console" not in body:
        raise _invalid("root", body, "'remote_console' is a required property")
    console = body["remote_console"]
    if not isinstance(console, dict):
        raise _invalid("remote_console", console, f"{console!r} is not of type 'object'")
    for key in ("protocol", "type"):
        if key not in console:
            raise _invalid("remote_console", console, f"{key!r} is a required property")
    extra = sorted(set(console) - {"protocol", "type"})
    if extra:
        raise _invalid("remote_console", console,
                       "Additional properties are not allowed "
                       f"({', '.join(repr(k) for k in extra)} "
                       f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    protocols, types = _enums(req)
    _one_of("protocol", console["protocol"], protocols)
    _one_of("type", console["type"], types)
    protocol, console_type = str(console["protocol"]), str(console["type"])
    server = nova_common.server_by_id(req, server_id)
    if TYPE_PROTOCOL.get(console_type) != protocol:
        # Nova hands the type to the protocol's handler, which does not know it.
        raise ApiFault(400, f"Unavailable console type {console_type}.")
    url = req.backend.console_url(server, console_type)
    return Reply(200, {"remote_console": {"protocol": protocol, "type": console_type,
                                          "url": url["url"]}})


def _legacy(req: ApiRequest, server: Server, body: Any, name: str, protocol: str,
            types: list[str]) -> Reply:
    if not nova_common.at_least(req, "2.1") or nova_common.at_least(req, "2.6"):
        # Nova's action dispatch finds no method for this version.
        raise ApiFault(404, "The resource could not be found.")
    if not isinstance(body, dict):
        raise _invalid(name, body, f"{body!r} is not of type 'object'")
    if "type" not in body:
        raise _invalid(name, body, "'type' is a required property")
    _one_of("type", body["type"], types)
    console_type = str(body["type"])
    if TYPE_PROTOCOL.get(console_type) != protocol:
        raise ApiFault(400, f"Unavailable console type {console_type}.")
    url = req.backend.console_url(server, console_type)
    return Reply(200, {"console": {"type": console_type, "url": url["url"]}})


@action("os-getVNCConsole")
def get_vnc_console(req: ApiRequest, server: Server, body: Any) -> Reply:
    return _legacy(req, server, body, "os-getVNCConsole", "vnc", ["novnc", "xvpvnc"])


@action("os-getSPICEConsole")
def get_spice_console(req: ApiRequest, server: Server, body: Any) -> Reply:
    return _legacy(req, server, body, "os-getSPICEConsole", "spice", ["spice-html5"])


@action("os-getSerialConsole")
def get_serial_console(req: ApiRequest, server: Server, body: Any) -> Reply:
    return _legacy(req, server, body, "os-getSerialConsole", "serial", ["serial"])
