"""Neutron's agents on the one local host. The host carries out three of Neutron's agent
roles itself (the reconciler converges them after each command): a DHCP agent (a dnsmasq per
network with DHCP-enabled subnets and guests, ``host_network``/``dnsmasq``), an L3 agent (a
namespace with NAT per router, ``l3``/``router_host``) and a metadata agent (the metadata
proxy, ``ostack_cli/metadata``). They are shown as Neutron's ML2 agents show themselves
(neutron/db/agents_db.py ``_make_agent_dict``, each agent's ``agent_state`` report): on the
host servers and port bindings name, with the counts each reports (what the store has it
serve), alive when the tools the role runs are on the host (as a real agent whose process
could not run would miss its heartbeats).

Computed, never stored: the IDs derive from the store's own (its bootstrap user's), so they
stay the same from one command to the next. Neutron's policy reads agents for admins only:
a member's list is empty and any agent is not found.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import neutron_forbidden
from ostack_cli.backend.models.identity import User
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_ROUTER_INTF,
    FloatingIP,
    Port,
    Router,
    Subnet,
)
from ostack_cli.backend.models.network_agent import NetworkAgent
from ostack_cli.errors import not_found

# The host servers, port bindings and Nova's services name (compute_hosts.HOST).
HOST = "localhost"
ZONE = "nova"  # the agents' default availability_zone, as the network zones list it
DHCP_AGENT = "DHCP agent"
L3_AGENT = "L3 agent"
METADATA_AGENT = "Metadata agent"


def _timestamp(value: datetime) -> str:
    """Neutron's agent timestamps: a naive UTC datetime as str() prints it, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _present(*tools: str) -> bool:
    return all(shutil.which(tool) is not None for tool in tools)


class NetworkAgents:
    def __init__(self, context: ServiceContext, *,
                 tools_present: Callable[..., bool] = _present) -> None:
        self.context = context
        self.store = context.store
        self.tools_present = tools_present

    # -- what the host runs --------------------------------------------------------------

    def _seed(self) -> str:
        return self.store.get_setting("user_id") or ""

    def _agent_id(self, binary: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ostack:{self._seed()}:agent:{binary}"))

    def _created_at(self) -> str:
        """When the store (and so the host's agents) began: its bootstrap user's creation."""
        user = self.store.get(User, self._seed()) if self._seed() else None
        if user is not None and user.created_at:
            try:
                return _timestamp(datetime.fromisoformat(user.created_at.replace("Z", "+00:00")))
            except ValueError:
                pass
        return _timestamp(datetime.now(UTC))

    def _dhcp_subnets(self) -> list[Subnet]:
        """The subnets the DHCP agent serves: Neutron schedules a network to it with its
        first DHCP-enabled subnet. (The host starts the network's dnsmasq, and makes its DHCP
        port, once a guest is on it: a server made later is served at once.)"""
        return [s for s in self.store.list(Subnet) if s.is_dhcp_enabled]

    def _dhcp_networks(self) -> set[str]:
        return {s.network_id for s in self._dhcp_subnets()}

    def _all(self) -> list[NetworkAgent]:
        created = self._created_at()
        # The agents are this host's own and report as each command runs.
        now = _timestamp(datetime.now(UTC))
        ports = self.store.list(Port)
        subnets = self._dhcp_subnets()
        served = {s.network_id for s in subnets}
        routers = self.store.list(Router)

        def agent(binary: str, agent_type: str, topic: str, zone: str | None,
                  alive: bool, configurations: dict[str, Any]) -> NetworkAgent:
            return NetworkAgent(
                id=self._agent_id(binary), agent_type=agent_type, binary=binary, topic=topic,
                host=HOST, availability_zone=zone, is_alive=alive, is_admin_state_up=True,
                configurations=configurations, created_at=created, started_at=created,
                heartbeat_timestamp=now, description=None, resources_synced=None)

        return [
            agent("neutron-dhcp-agent", DHCP_AGENT, "dhcp_agent", ZONE,
                  self.tools_present("dnsmasq", "ip"), {
                      "dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq",
                      "dhcp_lease_duration": 86400, "log_agent_heartbeats": False,
                      "networks": len(served), "notifies_port_ready": True,
                      "ports": sum(1 for p in ports if p.network_id in served),
                      "subnets": len(subnets)}),
            agent("neutron-l3-agent", L3_AGENT, "l3_agent", ZONE,
                  self.tools_present("ip", "iptables"), {
                      "agent_mode": "legacy",
                      "ex_gw_ports": sum(1 for r in routers if r.external_gateway_info),
                      "floating_ips": sum(1 for f in self.store.list(FloatingIP)
                                          if f.router_id),
                      "handle_internal_only_routers": True,
                      "interface_driver": "linuxbridge",
                      "interfaces": sum(1 for p in ports
                                        if p.device_owner == DEVICE_OWNER_ROUTER_INTF),
                      "log_agent_heartbeats": False, "routers": len(routers)}),
            agent("neutron-metadata-agent", METADATA_AGENT, "N/A", None,
                  self.tools_present("ip"), {
                      "log_agent_heartbeats": False,
                      "metadata_proxy_socket": "/var/lib/neutron/metadata_proxy",
                      "nova_metadata_host": "127.0.0.1", "nova_metadata_port": 8775}),
        ]

    # -- reading -------------------------------------------------------------------------

    def find_all(self, *, agent_type: str | None = None,
                 host: str | None = None) -> list[NetworkAgent]:
        if not self.context.is_admin:
            return []  # Neutron's policy filters every agent out of a member's list
        return [a for a in self._all()
                if (agent_type is None or a.agent_type == agent_type)
                and (host is None or a.host == host)]

    def find(self, agent_id: str) -> NetworkAgent:
        found = next((a for a in self.find_all() if a.id == agent_id), None)
        if found is None:
            raise not_found("Agent", agent_id)
        return found

    def dhcp_agents(self, network_id: str) -> list[NetworkAgent]:
        if not self.context.is_admin:
            raise neutron_forbidden("get_dhcp-agents")
        if network_id not in self._dhcp_networks():
            return []
        return [a for a in self._all() if a.agent_type == DHCP_AGENT]

    def l3_agents(self, router_id: str) -> list[NetworkAgent]:
        if not self.context.is_admin:
            raise neutron_forbidden("get_l3-agents")
        if self.store.get(Router, router_id) is None:
            raise not_found("Router", router_id)
        return [a for a in self._all() if a.agent_type == L3_AGENT]
