"""``network agent list|show``: Neutron's agents (an admin's view)."""

from __future__ import annotations

import argparse
from typing import Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.network_agent import NetworkAgent
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Lister, ShowOne, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate

# The real client's --agent-type choices and the agent types Neutron filters on.
AGENT_TYPES = {
    "bgp": "BGP dynamic routing agent",
    "dhcp": "DHCP agent",
    "open-vswitch": "Open vSwitch agent",
    "linux-bridge": "Linux bridge agent",
    "ofa": "OFA driver agent",
    "l3": "L3 agent",
    "loadbalancer": "Loadbalancer agent",
    "metering": "Metering agent",
    "metadata": "Metadata agent",
    "macvtap": "Macvtap agent",
    "nic": "NIC Switch agent",
    "baremetal": "Baremetal Node",
    "ovn-controller": "OVN Controller agent",
    "ovn-controller-gateway": "OVN Controller Gateway agent",
    "ovn-metadata": "OVN Metadata agent",
    "ovn-agent": "OVN Neutron agent",
}
HEADERS = ("ID", "Agent Type", "Host", "Availability Zone", "Alive", "State", "Binary")


class AliveColumn(FormattableColumn[bool]):
    def human_readable(self) -> str:
        return ":-)" if self._value else "XXX"


def agent_row(agent: NetworkAgent) -> tuple[Any, ...]:
    return (agent.id, agent.agent_type, agent.host, agent.availability_zone,
            AliveColumn(agent.is_alive), nc.AdminStateColumn(agent.is_admin_state_up),
            agent.binary)


def agent_fields(agent: NetworkAgent) -> dict[str, Any]:
    """The real client's show fields (its ``configuration`` has no formatter: the raw dict)."""
    return {
        "admin_state_up": nc.AdminStateColumn(agent.is_admin_state_up),
        "agent_type": agent.agent_type,
        "alive": AliveColumn(agent.is_alive),
        "availability_zone": agent.availability_zone,
        "binary": agent.binary,
        "configuration": dict(agent.configurations),
        "created_at": agent.created_at,
        "description": agent.description,
        "ha_chassis_priority": None,
        "ha_state": agent.ha_state,
        "host": agent.host,
        "id": agent.id,
        "last_heartbeat_at": agent.heartbeat_timestamp,
        "resources_synced": agent.resources_synced,
        "started_at": agent.started_at,
        "topic": agent.topic,
    }


class ListNetworkAgent(Lister):
    """List network agents"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--agent-type", metavar="<agent-type>",
                            choices=list(AGENT_TYPES),
                            help="List only agents with the specified agent type. The "
                            "supported agent types are: " + ",".join(AGENT_TYPES) + ".")
        parser.add_argument("--host", metavar="<host>",
                            help="List only agents running on the specified host")
        hosting = parser.add_mutually_exclusive_group()
        hosting.add_argument("--network", metavar="<network>",
                             help="List agents hosting the specified network (name or ID)")
        hosting.add_argument("--router", metavar="<router>",
                             help="List agents hosting the specified router (name or ID)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        headers: tuple[str, ...] = HEADERS
        long_router = False
        if parsed_args.network is not None:
            network = self.backend.find_network(parsed_args.network)
            agents = self.backend.network_dhcp_agents(network.id)
        elif parsed_args.router is not None:
            # Only a router's agents have an HA state to show.
            long_router = parsed_args.long
            if long_router:
                headers += ("HA State",)
            router = self.backend.find_router(parsed_args.router)
            agents = self.backend.router_l3_agents(router.id)
        else:
            agent_type = (AGENT_TYPES[parsed_args.agent_type]
                          if parsed_args.agent_type is not None else None)
            agents = paginate(self.backend.network_agents(agent_type=agent_type,
                                                          host=parsed_args.host), parsed_args)
        rows = [agent_row(a) + ((a.ha_state,) if long_router else ()) for a in agents]
        return headers, rows


class ShowNetworkAgent(ShowOne):
    """Display network agent details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network_agent", metavar="<network-agent>",
                            help="Network agent to display (ID only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return show_fields(agent_fields(self.backend.find_network_agent(
            parsed_args.network_agent)))
