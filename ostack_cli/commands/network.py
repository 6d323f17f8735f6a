"""``network create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.network import Network, NetworkSpec
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError, not_found

FORMATTERS = {
    "admin_state_up": nc.AdminStateColumn,
    "availability_zone_hints": nc.ListColumn,
    "availability_zones": nc.ListColumn,
    "router:external": nc.RouterExternalColumn,
    "subnets": nc.ListColumn,
    "tags": nc.ListColumn,
}


def network_fields(network: Network) -> dict[str, Any]:
    """``network show``: openstacksdk's attributes under the real client's names, then what
    Neutron sent beyond them."""
    fields: dict[str, Any] = {
        "admin_state_up": network.is_admin_state_up,
        "availability_zone_hints": network.availability_zone_hints,
        "availability_zones": network.availability_zones,
        "created_at": network.created_at,
        "description": network.description,
        "dns_domain": network.dns_domain,
        "id": network.id,
        "ipv4_address_scope": network.ipv4_address_scope_id,
        "ipv6_address_scope": network.ipv6_address_scope_id,
        "is_default": network.is_default,
        "is_vlan_qinq": network.is_vlan_qinq,
        "is_vlan_transparent": network.is_vlan_transparent,
        "mtu": network.mtu,
        "name": network.name,
        "port_security_enabled": network.is_port_security_enabled,
        "project_id": network.project_id,
        "provider:network_type": network.provider_network_type,
        "provider:physical_network": network.provider_physical_network,
        "provider:segmentation_id": network.provider_segmentation_id,
        "pvlan": network.pvlan,
        "qos_policy_id": network.qos_policy_id,
        "revision_number": network.revision_number,
        "router:external": network.is_router_external,
        "segments": network.segments,
        "shared": network.is_shared,
        "status": network.status,
        "subnets": network.subnet_ids,
        "tags": network.tags,
        "updated_at": network.updated_at,
    }
    fields.update({k: v for k, v in network.extra_attributes.items() if k not in fields})
    return fields


def _pair(parser: argparse.ArgumentParser, yes: str, no: str, yes_help: str, no_help: str,
          ) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(yes, action="store_true", help=yes_help)
    group.add_argument(no, action="store_true", help=no_help)


def _add_common(parser: argparse.ArgumentParser, *, create: bool) -> None:
    """The options ``network create`` and ``network set`` share."""
    _pair(parser, "--share", "--no-share", "Share the network between projects",
          "Do not share the network between projects")
    _pair(parser, "--enable", "--disable", "Enable network" + (" (default)" if create else ""),
          "Disable network")
    parser.add_argument("--description", metavar="<description>",
                        help="Set network description")
    parser.add_argument("--mtu", metavar="<mtu>", help="Set network mtu")
    _pair(parser, "--enable-port-security", "--disable-port-security",
          "Enable port security by default for ports created on this network"
          + (" (default)" if create else ""),
          "Disable port security by default for ports created on this network")
    _pair(parser, "--external", "--internal",
          "The network has an external routing facility that is not managed by Neutron and "
          "can be used. For example: openstack router set --external-gateway NETWORK "
          "(external-net extension required)",
          "Opposite of '--external'" + (" (default)" if create else ""))
    _pair(parser, "--default", "--no-default",
          "Specify if this network should be used as the default external network",
          "Do not use the network as the default external network")
    parser.add_argument("--provider-network-type", metavar="<provider-network-type>",
                        help="The physical mechanism by which the virtual network is "
                        "implemented. For example: flat, geneve, gre, local, vlan or vxlan.")
    parser.add_argument("--provider-physical-network", metavar="<provider-physical-network>",
                        dest="physical_network",
                        help="Name of the physical network over which the virtual network is "
                        "implemented")
    parser.add_argument("--provider-segment", metavar="<provider-segment>",
                        dest="segmentation_id",
                        help="VLAN ID for VLAN networks or Tunnel ID for GENEVE/GRE/VXLAN "
                        "networks")
    parser.add_argument("--dns-domain", metavar="<dns-domain>",
                        help="Set DNS domain for this network (requires DNS integration "
                        "extension)")
    _pair(parser, "--pvlan", "--no-pvlan", "Enable Private VLAN for the network",
          "Disable Private VLAN for the network")


def _unsupported(parsed_args: argparse.Namespace) -> None:
    """Options for Neutron extensions the local backend does not have."""
    if parsed_args.qos_policy:
        raise nc.no_qos_policy(parsed_args.qos_policy)
    attrs = []
    if getattr(parsed_args, "transparent_vlan", False) or getattr(
        parsed_args, "no_transparent_vlan", False
    ):
        attrs.append("vlan_transparent")
    if getattr(parsed_args, "qinq_vlan", False) or getattr(parsed_args, "no_qinq_vlan", False):
        attrs.append("vlan_qinq")
    if parsed_args.pvlan or parsed_args.no_pvlan:
        attrs.append("pvlan")
    if attrs:
        raise nc.unrecognized(*attrs)


class CreateNetwork(ShowOne):
    """Create new network"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New network name")
        _add_common(parser, create=True)
        nc.add_project(parser)
        parser.add_argument("--availability-zone-hint", action="append",
                            dest="availability_zone_hints", metavar="<availability-zone>",
                            help="Availability Zone in which to create this network (Network "
                            "Availability Zone extension required, repeat option to set "
                            "multiple availability zones)")
        parser.add_argument("--qos-policy", metavar="<qos-policy>",
                            help="QoS policy to attach to this network (name or ID)")
        _pair(parser, "--transparent-vlan", "--no-transparent-vlan",
              "Make the network VLAN transparent", "Do not make the network VLAN transparent")
        _pair(parser, "--qinq-vlan", "--no-qinq-vlan",
              "Enable VLAN QinQ (S-Tag ethtype 0x8a88) for the network",
              "Disable VLAN QinQ (S-Tag ethtype 0x8a88) for the network")
        nc.add_tag_create(parser, "network")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.disable_port_security and parsed_args.pvlan:
            raise CommandError("--disable-port-security and --pvlan can not be used together.")
        if parsed_args.segmentation_id and not parsed_args.provider_network_type:
            raise CommandError(
                "--provider-segment requires --provider-network-type to be specified."
            )
        _unsupported(parsed_args)
        network = self.backend.create_network(NetworkSpec(
            name=parsed_args.name,
            project_id=nc.project_id(self.backend, parsed_args),
            description=parsed_args.description or "",
            admin_state_up=not parsed_args.disable,
            shared=True if parsed_args.share else None,
            external=parsed_args.external,
            is_default=True if parsed_args.default else None,
            mtu=parsed_args.mtu or None,
            port_security_enabled=not parsed_args.disable_port_security,
            availability_zone_hints=parsed_args.availability_zone_hints or [],
            provider_network_type=parsed_args.provider_network_type,
            provider_physical_network=parsed_args.physical_network,
            provider_segmentation_id=parsed_args.segmentation_id or None,
            dns_domain=parsed_args.dns_domain,
            tags=nc.create_tags(parsed_args),
        ))
        return show_fields(network_fields(network), FORMATTERS)


class DeleteNetwork(Command):
    """Delete network(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>", nargs="+",
                            help="Network(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.network,
            lambda name: self.backend.delete_network(self.backend.find_network(name)),
            **nc.delete_messages("network", "networks"),
        )


class ListNetwork(Lister):
    """List networks"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _pair(parser, "--external", "--internal", "List only external networks",
              "List only internal networks")
        parser.add_argument("--long", action="store_true",
                            help="List additional fields in output")
        parser.add_argument("--name", metavar="<name>",
                            help="List only networks with the specified name")
        _pair(parser, "--enable", "--disable", "List only enabled networks",
              "List only disabled networks")
        nc.add_project(parser, "List only networks with the specified project (name or ID)")
        _pair(parser, "--pvlan", "--no-pvlan", "List only networks with PVLAN enabled",
              "List only networks with PVLAN disabled")
        _pair(parser, "--share", "--no-share", "List only networks shared between projects",
              "List only networks not shared between projects")
        parser.add_argument("--status", metavar="<status>",
                            choices=["ACTIVE", "BUILD", "DOWN", "ERROR"],
                            help="List only networks with the specified status ('ACTIVE', "
                            "'BUILD', 'DOWN', 'ERROR')")
        parser.add_argument("--provider-network-type", metavar="<provider-network-type>",
                            choices=["flat", "geneve", "gre", "local", "vlan", "vxlan"],
                            help="List only networks with the specified physical mechanisms. "
                            "The supported options are: flat, geneve, gre, local, vlan and "
                            "vxlan.")
        parser.add_argument("--provider-physical-network",
                            metavar="<provider-physical-network>", dest="physical_network",
                            help="List only networks with the specified physical network name")
        parser.add_argument("--provider-segment", metavar="<provider-segment>",
                            dest="segmentation_id",
                            help="List only networks with the specified provider segment ID "
                            "(VLAN ID for VLAN networks or Tunnel ID for GENEVE/GRE/VXLAN "
                            "networks)")
        parser.add_argument("--agent", metavar="<agent-id>", dest="agent_id",
                            help="List only networks hosted the specified agent (ID only)")
        nc.add_tag_filters(parser, "networks")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.agent_id:
            # No agents run here: Neutron would answer 404.
            raise not_found("Agent", parsed_args.agent_id)
        if parsed_args.pvlan or parsed_args.no_pvlan:
            raise nc.unrecognized("pvlan")
        networks = self.backend.networks(
            name=parsed_args.name,
            project_id=nc.project_id(self.backend, parsed_args),
            external=_either(parsed_args.external, parsed_args.internal),
            admin_state_up=_either(parsed_args.enable, parsed_args.disable),
            shared=_either(parsed_args.share, parsed_args.no_share),
            status=parsed_args.status,
            provider_network_type=parsed_args.provider_network_type,
            provider_physical_network=parsed_args.physical_network,
            provider_segmentation_id=parsed_args.segmentation_id,
            tags=nc.tag_filter(parsed_args),
        )
        networks = paginate(networks, parsed_args)
        if not parsed_args.long:
            return ("ID", "Name", "Subnets"), [
                (n.id, n.name, nc.ListColumn(n.subnet_ids)) for n in networks
            ]
        headers = ("ID", "Name", "Status", "Project", "State", "Shared", "Subnets",
                   "Network Type", "Router Type", "Availability Zones", "Tags")
        return headers, [
            (n.id, n.name, n.status, n.project_id, nc.AdminStateColumn(n.is_admin_state_up),
             n.is_shared, nc.ListColumn(n.subnet_ids), n.provider_network_type,
             nc.RouterExternalColumn(n.is_router_external),
             nc.ListColumn(n.availability_zones), nc.ListColumn(n.tags))
            for n in networks
        ]


def _either(yes: bool, no: bool) -> bool | None:
    """A ``--x/--no-x`` filter: True, False, or None when neither is given."""
    return True if yes else (False if no else None)


class SetNetwork(Command):
    """Set network properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="Network to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set network name")
        _add_common(parser, create=False)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--qos-policy", metavar="<qos-policy>",
                           help="QoS policy to attach to this network (name or ID)")
        group.add_argument("--no-qos-policy", action="store_true",
                           help="Remove the QoS policy attached to this network")
        nc.add_tag_set(parser, "network")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        network = self.backend.find_network(parsed_args.network)
        if parsed_args.disable_port_security and parsed_args.pvlan:
            raise CommandError("--disable-port-security and --pvlan can not be used together.")
        _unsupported(parsed_args)
        changes: dict[str, Any] = {}
        for key, value in (
            ("name", parsed_args.name),
            ("description", parsed_args.description),
            ("mtu", parsed_args.mtu or None),
            ("is_admin_state_up", _either(parsed_args.enable, parsed_args.disable)),
            ("is_shared", _either(parsed_args.share, parsed_args.no_share)),
            ("is_port_security_enabled",
             _either(parsed_args.enable_port_security, parsed_args.disable_port_security)),
            ("is_router_external", _either(parsed_args.external, parsed_args.internal)),
            ("is_default", _either(parsed_args.default, parsed_args.no_default)),
            ("provider_network_type", parsed_args.provider_network_type),
            ("provider_physical_network", parsed_args.physical_network),
            ("provider_segmentation_id", parsed_args.segmentation_id or None),
            ("dns_domain", parsed_args.dns_domain),
        ):
            if value is not None:
                changes[key] = value
        if parsed_args.no_qos_policy:
            changes["qos_policy_id"] = None
        tags = nc.tags_after_set(network.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_network(network, **changes)


class ShowNetwork(ShowOne):
    """Show network details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="Network to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        network = self.backend.find_network(parsed_args.network)
        return show_fields(network_fields(network), FORMATTERS)


class UnsetNetwork(Command):
    """Unset network properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="Network to modify (name or ID)")
        nc.add_tag_unset(parser, "network")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        network = self.backend.find_network(parsed_args.network)
        tags = nc.tags_after_unset(network.tags, parsed_args)
        if tags is not None:
            self.backend.update_network(network, tags=tags)
