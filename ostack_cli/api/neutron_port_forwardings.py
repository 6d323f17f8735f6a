"""Neutron's floating IP port forwardings (``/v2.0/floatingips/{id}/port_forwardings``, the
``floating-ip-port-forwarding`` extension the local Neutron lists), read only: list with
Neutron's filters and show, on the local backend's port forwardings. Horizon lists each
floating IP's forwardings on the Floating IPs page.

The body is the extension's attributes (neutron_lib's floating_ip_port_forwarding and
its port-ranges extension); a floating IP or forwarding the caller cannot see is Neutron's
404 in its words.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_routers import floating_ip_by_id
from ostack_cli.backend.models.port_forwarding import PortForwarding


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
    fip = floating_ip_by_id(req, fip_id)
    found = next((pf for pf in req.backend.port_forwardings(fip) if pf.id == pf_id), None)
    if found is None:
        raise nc.not_found("PortForwardingNotFound",
                           f"Port Forwarding {pf_id} could not be found.")
    return nc.one(req, "port_forwarding", port_forwarding_view(found))
