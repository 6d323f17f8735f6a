"""Neutron's agents (the ``agent``, ``dhcp_agent_scheduler`` and ``l3_agent_scheduler``
extensions), read only; admin only, as Neutron's policy."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.network_agent import NetworkAgent


class NetworkAgentAPI(Protocol):
    def network_agents(self, *, agent_type: str | None = None,
                       host: str | None = None) -> list[NetworkAgent]:
        """The agents (a project that is not an admin gets none: Neutron's policy)."""
        ...

    def find_network_agent(self, agent_id: str) -> NetworkAgent: ...

    def network_dhcp_agents(self, network_id: str) -> list[NetworkAgent]:
        """The DHCP agents hosting the network (``GET /networks/{id}/dhcp-agents``; an ID
        no network has is hosted by none, as Neutron answers)."""
        ...

    def router_l3_agents(self, router_id: str) -> list[NetworkAgent]:
        """The L3 agents hosting the router (``GET /routers/{id}/l3-agents``); NotFound
        when there is no such router (after the policy check, as Neutron)."""
        ...
