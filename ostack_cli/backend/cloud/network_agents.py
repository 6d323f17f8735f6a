"""Neutron's agents through openstacksdk's network proxy, as the real client reads them."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network_map import present
from ostack_cli.backend.models.network_agent import NetworkAgent


def agent_from_sdk(res: Any) -> NetworkAgent:
    return NetworkAgent(
        id=res.id, agent_type=res.agent_type, binary=res.binary, topic=res.topic,
        host=res.host, availability_zone=res.availability_zone,
        is_alive=bool(res.is_alive), is_admin_state_up=bool(res.is_admin_state_up),
        configurations=dict(res.configuration or {}), created_at=res.created_at or "",
        started_at=res.started_at or "", heartbeat_timestamp=res.last_heartbeat_at or "",
        description=res.description, resources_synced=getattr(res, "resources_synced", None),
        ha_state=getattr(res, "ha_state", None),
    )


@translate_errors
class CloudNetworkAgents(CloudBase):
    def network_agents(self, *, agent_type: str | None = None,
                       host: str | None = None) -> list[NetworkAgent]:
        query = present(agent_type=agent_type, host=host)
        agents = [agent_from_sdk(a) for a in self.conn.network.agents(**query)]
        if not query:
            self._cache_list("network_agent", agents)
        return agents

    def find_network_agent(self, agent_id: str) -> NetworkAgent:
        return agent_from_sdk(self.conn.network.get_agent(agent_id))

    def network_dhcp_agents(self, network_id: str) -> list[NetworkAgent]:
        return [agent_from_sdk(a)
                for a in self.conn.network.network_hosting_dhcp_agents(network_id)]

    def router_l3_agents(self, router_id: str) -> list[NetworkAgent]:
        return [agent_from_sdk(a) for a in self.conn.network.routers_hosting_l3_agents(router_id)]
