"""Neutron's floating IP port forwardings (``/v2.0/floatingips/{id}/port_forwardings``, the
``floating-ip-port-forwarding`` extension the local Neutron lists): list with Neutron's
filters, show, create, update and delete, on the local backend's port forwardings (the same
rules as ``floating ip port forwarding create/set/delete``). Horizon lists each floating IP's
forwardings on the Floating IPs page.

The body is the extension's attributes (neutron_lib's floating_ip_port_forwarding and
its port-ranges extension); a floating IP or forwarding the caller cannot see is Neutron's
404 in its words.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.api.neutron_ports import port_by_id
from ostack_cli.api.neutron_routers import floating_ip_by_id
from ostack_cli.backend.models.port_forwarding import PortForwarding, PortForwardingSpec

# neutron-lib's floating_ip_port_forwarding definition with its description and port-ranges
# extensions: what a body may carry, and what a create must.
PORT_FORWARDING_ATTRS = nc.attrs(
    Attr("id", post=False, put=False),
    Attr("internal_port_id", "uuid", required=True),
    Attr("internal_ip_address", "string", required=True),
    Attr("protocol", "string", required=True),
    Attr("internal_port", "int"), Attr("external_port", "int"),
    Attr("internal_port_range", "string"), Attr("external_port_range", "string"),
    Attr("description", "string"),
)


def port_forwarding_view(pf: PortForwarding) -> dict[str, Any]:
    return {"id": pf.id, "external_port": pf.external_port,
            "internal_port": pf.internal_port, "internal_ip_address": pf.internal_ip_address,
            "protocol": pf.protocol, "internal_port_id": pf.internal_port_id,
            "description": pf.description, "external_port_range": pf.external_port_range,
            "internal_port_range": pf.internal_port_range}


@NEUTRON.route("GET", "/v2.0/floatingips/{fip_id}/port_forwardings")
def list_port_forwardings(req: ApiRequest, fip_id: str) -> Reply:
    fip = floating_ip_by_id(req, fip_id)
    return nc.listed(req, "port_forwardings",
                     (port_forwarding_view(pf) for pf in req.backend.port_forwardings(fip)))


@NEUTRON.route("GET", "/v2.0/floatingips/{fip_id}/port_forwardings/{pf_id}")
def show_port_forwarding(req: ApiRequest, fip_id: str, pf_id: str) -> Reply:
    return nc.one(req, "port_forwarding",
                  port_forwarding_view(_port_forwarding(req, fip_id, pf_id)))


def _port_forwarding(req: ApiRequest, fip_id: str, pf_id: str) -> PortForwarding:
    fip = floating_ip_by_id(req, fip_id)
    found = next((pf for pf in req.backend.port_forwardings(fip) if pf.id == pf_id), None)
    if found is None:
        raise nc.not_found("PortForwardingNotFound",
                           f"Port Forwarding {pf_id} could not be found.")
    return found


@NEUTRON.route("POST", "/v2.0/floatingips/{fip_id}/port_forwardings")
def create_port_forwarding(req: ApiRequest, fip_id: str) -> Reply:
    values = nc.body(req, "port_forwarding", PORT_FORWARDING_ATTRS, creating=True)
    fip = floating_ip_by_id(req, fip_id)
    port_by_id(req, values["internal_port_id"])
    spec = PortForwardingSpec(
        floatingip_id=fip.id, internal_port_id=values["internal_port_id"],
        internal_ip_address=values["internal_ip_address"], protocol=values["protocol"],
        internal_port=values.get("internal_port"),
        internal_port_range=values.get("internal_port_range"),
        external_port=values.get("external_port"),
        external_port_range=values.get("external_port_range"),
        description=values.get("description"))
    return nc.one(req, "port_forwarding",
                  port_forwarding_view(req.backend.create_port_forwarding(spec)), 201)


@NEUTRON.route("PUT", "/v2.0/floatingips/{fip_id}/port_forwardings/{pf_id}")
def update_port_forwarding(req: ApiRequest, fip_id: str, pf_id: str) -> Reply:
    changes = nc.body(req, "port_forwarding", PORT_FORWARDING_ATTRS, creating=False)
    current = _port_forwarding(req, fip_id, pf_id)
    if changes.get("internal_port_id"):
        port_by_id(req, changes["internal_port_id"])
    fip = floating_ip_by_id(req, fip_id)
    updated = req.backend.update_port_forwarding(fip, current.id, **changes) if changes \
        else current
    return nc.one(req, "port_forwarding", port_forwarding_view(updated))


@NEUTRON.route("DELETE", "/v2.0/floatingips/{fip_id}/port_forwardings/{pf_id}")
def delete_port_forwarding(req: ApiRequest, fip_id: str, pf_id: str) -> Reply:
    current = _port_forwarding(req, fip_id, pf_id)
    req.backend.delete_port_forwarding(floating_ip_by_id(req, fip_id), current.id)
    return Reply(204)
