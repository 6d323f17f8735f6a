"""Neutron's agents (``/v2.0/agents``, neutron_lib/api/definitions/agent.py with the
availability zone and resources-synced extensions), read only, and the schedulers' views of
them (``/v2.0/networks/{id}/dhcp-agents``, ``/v2.0/routers/{id}/l3-agents``), on the local
backend's agents. Neutron's policy lets admins read agents: a member's list is empty, any
agent is not found, and the schedulers' views are refused."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.backend.models.network_agent import NetworkAgent
from ostack_cli.errors import NotFound


def agent_view(agent: NetworkAgent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": agent.id, "agent_type": agent.agent_type, "binary": agent.binary,
        "topic": agent.topic, "host": agent.host,
        "admin_state_up": agent.is_admin_state_up, "created_at": agent.created_at,
        "started_at": agent.started_at, "heartbeat_timestamp": agent.heartbeat_timestamp,
        "description": agent.description, "resources_synced": agent.resources_synced,
        "availability_zone": agent.availability_zone, "configurations": agent.configurations,
        "alive": agent.is_alive,
    }
    if agent.ha_state is not None:
        body["ha_state"] = agent.ha_state
    return body


@NEUTRON.route("GET", "/v2.0/agents")
def list_agents(req: ApiRequest) -> Reply:
    return nc.listed(req, "agents", (agent_view(a) for a in req.backend.network_agents()))


@NEUTRON.route("GET", "/v2.0/agents/{agent_id}")
def show_agent(req: ApiRequest, agent_id: str) -> Reply:
    try:
        agent = req.backend.find_network_agent(agent_id)
    except NotFound:
        raise nc.not_found("AgentNotFound", f"Agent {agent_id} could not be found.") from None
    return nc.one(req, "agent", agent_view(agent))


@NEUTRON.route("GET", "/v2.0/networks/{network_id}/dhcp-agents")
def list_dhcp_agents(req: ApiRequest, network_id: str) -> Reply:
    # Neutron asks its scheduler for the ID as given: no network, no agents (not a 404).
    return nc.listed(req, "agents", (agent_view(a)
                                     for a in req.backend.network_dhcp_agents(network_id)))


@NEUTRON.route("GET", "/v2.0/routers/{router_id}/l3-agents")
def list_l3_agents(req: ApiRequest, router_id: str) -> Reply:
    # Neutron checks its policy before it looks the router up.
    try:
        agents = req.backend.router_l3_agents(router_id)
    except NotFound:
        raise nc.not_found("RouterNotFound",
                           f"Router {router_id} could not be found") from None
    return nc.listed(req, "agents", (agent_view(a) for a in agents))
