"""``port create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.network import FixedIPRequest, Port, PortSpec
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, multi_key_value
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError

VNIC_TYPES = (
    "accelerator-direct", "accelerator-direct-physical", "direct", "direct-physical", "macvtap",
    "normal", "baremetal", "virtio-forwarder", "smart-nic", "vdpa", "remote-managed",
)

FORMATTERS: dict[str, type[FormattableColumn[Any]]] = {
    "admin_state_up": nc.AdminStateColumn,
    "allowed_address_pairs": nc.ListDictColumn,
    "binding_profile": nc.DictColumn,
    "binding_vif_details": nc.DictColumn,
    "dns_assignment": nc.ListDictColumn,
    "extra_dhcp_opts": nc.ListDictColumn,
    "fixed_ips": nc.ListDictColumn,
    "security_group_ids": nc.ListColumn,
    "tags": nc.ListColumn,
}


def port_fields(port: Port) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """``port show``, in the real client's own (not alphabetical) column order."""
    fields: dict[str, Any] = {
        "admin_state_up": port.is_admin_state_up,
        "allowed_address_pairs": port.allowed_address_pairs,
        "binding_host_id": port.binding_host_id,
        "binding_profile": port.binding_profile,
        "binding_vif_details": port.binding_vif_details,
        "binding_vif_type": port.binding_vif_type,
        "binding_vnic_type": port.binding_vnic_type,
        "created_at": port.created_at,
        "data_plane_status": port.data_plane_status,
        "description": port.description,
        "device_id": port.device_id,
        "device_owner": port.device_owner,
        "device_profile": port.device_profile,
        "dns_assignment": port.dns_assignment,
        "dns_domain": port.dns_domain,
        "dns_name": port.dns_name,
        "extra_dhcp_opts": port.extra_dhcp_opts,
        "fixed_ips": port.fixed_ips,
        "hardware_offload_type": port.hardware_offload_type,
        # Without Neutron's port-hints extension the real client prints "" (its SDK's port
        # has no hints attribute: realstack's ports show it so).
        "hints": "" if port.hints is None else port.hints,
        "id": port.id,
        "ip_allocation": port.ip_allocation,
        "mac_address": port.mac_address,
        "name": port.name,
        "network_id": port.network_id,
        "numa_affinity_policy": port.numa_affinity_policy,
        "port_security_enabled": port.is_port_security_enabled,
        "project_id": port.project_id,
        "propagate_uplink_status": port.propagate_uplink_status,
        "pvlan_type": port.pvlan_type,
        "pvlan_community": port.pvlan_community,
        "resource_request": port.resource_request,
        "revision_number": port.revision_number,
        "qos_network_policy_id": port.qos_network_policy_id,
        "qos_policy_id": port.qos_policy_id,
        "security_group_ids": port.security_group_ids,
        "status": port.status,
        "tags": port.tags,
        "trunk_details": port.trunk_details,
        "trusted": port.trusted,
        "updated_at": port.updated_at,
    }
    names = tuple(fields)
    return names, tuple(
        FORMATTERS[name](fields[name]) if name in FORMATTERS else fields[name] for name in names
    )


class _JSONKeyValueAction(argparse.Action):
    """``--binding-profile``: JSON, or key=value pairs (the real client's action)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        current = dict(getattr(namespace, self.dest, None) or {})
        try:
            loaded = json.loads(values)
            if not isinstance(loaded, dict):
                raise ValueError("not an object")
            current.update(loaded)
        except ValueError as exc:
            if "=" not in values:
                raise argparse.ArgumentError(
                    self,
                    f"Expected '<key>=<value>' or JSON data for option {option_string}, but "
                    f"encountered JSON parsing error: {exc}",
                ) from None
            key, value = str(values).split("=", 1)
            current[key] = value
        setattr(namespace, self.dest, current)


def _add_updatable(parser: argparse.ArgumentParser, *, create: bool) -> None:
    parser.add_argument("--description", metavar="<description>",
                        help="Description of this port")
    parser.add_argument("--device", metavar="<device-id>", help="Port device ID")
    parser.add_argument("--mac-address", metavar="<mac-address>",
                        help="MAC address of this port" + ("" if create else " (admin only)"))
    parser.add_argument("--device-owner", metavar="<device-owner>",
                        help="Device owner of this port. This is the entity that uses the port "
                        "(for example, network:dhcp).")
    parser.add_argument("--vnic-type", metavar="<vnic-type>", choices=VNIC_TYPES,
                        help="VNIC type for this port (" + " | ".join(VNIC_TYPES)
                        + ") (default: normal)")
    parser.add_argument("--host", metavar="<host-id>",
                        help="Allocate port on host <host-id> (ID only)")
    parser.add_argument("--dns-domain", metavar="dns-domain",
                        help="Set DNS domain to this port (requires dns_domain extension for "
                        "ports)")
    parser.add_argument("--dns-name", metavar="<dns-name>",
                        help="Set DNS name for this port (requires DNS integration extension)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--enable-port-security", action="store_true",
                       help="Enable port security for this port" + (" (default)" if create
                                                                   else ""))
    group.add_argument("--disable-port-security", action="store_true",
                       help="Disable port security for this port")
    parser.add_argument("--binding-profile", metavar="<binding-profile>",
                        action=_JSONKeyValueAction,
                        help="Custom data to be passed as binding:profile. Data may be passed "
                        "as <key>=<value> or JSON (repeat option to set multiple "
                        "binding:profile data).")
    parser.add_argument("--qos-policy", metavar="<qos-policy>",
                        help="Attach QoS policy to this port (name or ID)")
    parser.add_argument("--allowed-address",
                        metavar="ip-address=<ip-address>[,mac-address=<mac-address>]",
                        dest="allowed_address_pairs",
                        action=multi_key_value(["ip-address"], ["mac-address"]),
                        help="Add allowed-address pair associated with this port: "
                        "ip-address=<ip-address>[,mac-address=<mac-address>] (repeat option to "
                        "set multiple allowed-address pairs)")


def _address_pairs(pairs: list[dict[str, str]] | None) -> list[dict[str, str]]:
    result = []
    for pair in pairs or []:
        entry = {"ip_address": pair["ip-address"]}
        if "mac-address" in pair:
            entry["mac_address"] = pair["mac-address"]
        result.append(entry)
    return result


def _unsupported(parsed_args: argparse.Namespace) -> None:
    if parsed_args.qos_policy:
        raise nc.no_qos_policy(parsed_args.qos_policy)
    attrs = [attr for attr, given in (("dns_domain", parsed_args.dns_domain),
                                      ("dns_name", parsed_args.dns_name)) if given is not None]
    if attrs:
        raise nc.unrecognized(*attrs)


class CreatePort(ShowOne):
    """Create a new port"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--network", metavar="<network>", required=True,
                            help="Network this port belongs to (name or ID)")
        _add_updatable(parser, create=True)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip-address>",
                           action=multi_key_value([], ["subnet", "ip-address"]),
                           help="Desired IP and/or subnet for this port (name or ID): "
                           "subnet=<subnet>,ip-address=<ip-address> (repeat option to set "
                           "multiple fixed IP addresses)")
        group.add_argument("--no-fixed-ip", action="store_true",
                           help="No IP or subnet set for this port")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--enable", action="store_true", default=True,
                           help="Enable port (default)")
        group.add_argument("--disable", action="store_true", help="Disable port")
        nc.add_project(parser)
        parser.add_argument("name", metavar="<name>", help="Name of this port")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--security-group", metavar="<security-group>", action="append",
                           dest="security_groups",
                           help="Security group to associate with this port (name or ID) "
                           "(repeat option to set multiple security groups)")
        group.add_argument("--no-security-group", action="store_const", const=[],
                           dest="security_groups",
                           help="Associate no security groups with this port")
        nc.add_tag_create(parser, "port")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        network = self.backend.find_network(parsed_args.network)
        fixed_ips: list[FixedIPRequest] | None = None
        if parsed_args.fixed_ip:
            fixed_ips = nc.fixed_ip_requests(self.backend, parsed_args.fixed_ip)
        elif parsed_args.no_fixed_ip:
            fixed_ips = []
        project_id = nc.project_id(self.backend, parsed_args)
        groups = None
        if parsed_args.security_groups is not None:
            groups = [self.backend.find_security_group(g).id for g in parsed_args.security_groups]
        _unsupported(parsed_args)
        security = None
        if parsed_args.enable_port_security or parsed_args.disable_port_security:
            security = bool(parsed_args.enable_port_security)
        port = self.backend.create_port(PortSpec(
            network_id=network.id,
            name=parsed_args.name,
            project_id=project_id,
            fixed_ips=fixed_ips,
            mac_address=parsed_args.mac_address,
            device_id=parsed_args.device or "",
            device_owner=parsed_args.device_owner or "",
            security_group_ids=groups,
            port_security_enabled=security,
            admin_state_up=not parsed_args.disable,
            description=parsed_args.description or "",
            binding_host_id=parsed_args.host or "",
            binding_vnic_type=parsed_args.vnic_type or "normal",
            binding_profile=parsed_args.binding_profile or {},
            allowed_address_pairs=_address_pairs(parsed_args.allowed_address_pairs),
            tags=nc.create_tags(parsed_args),
        ))
        return port_fields(port)


class DeletePort(Command):
    """Delete port(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("port", metavar="<port>", nargs="+",
                            help="Port(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.port,
            lambda name: self.backend.delete_port(self.backend.find_port(name)),
            **nc.delete_messages("port", "ports"),
        )


class ListPort(Lister):
    """List ports"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--device-owner", metavar="<device-owner>",
                            help="List only ports with the specified device owner. This is the "
                            "entity that uses the port (for example, network:dhcp).")
        parser.add_argument("--host", metavar="<host-id>",
                            help="List only ports bound to this host ID")
        parser.add_argument("--network", metavar="<network>",
                            help="List only ports connected to this network (name or ID)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--router", metavar="<router>", dest="router",
                           help="List only ports attached to this router (name or ID)")
        group.add_argument("--server", metavar="<server>",
                           help="List only ports attached to this server (name or ID)")
        group.add_argument("--device-id", metavar="<device-id>",
                           help="List only ports with the specified device ID")
        parser.add_argument("--mac-address", metavar="<mac-address>",
                            help="List only ports with the specified MAC address")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        nc.add_project(parser, "List only ports with the specified project (name or ID)")
        parser.add_argument("--name", metavar="<name>",
                            help="List only ports with the specified name")
        parser.add_argument("--security-group", action="append", dest="security_groups",
                            metavar="<security-group>",
                            help="List only ports associated with this security group")
        parser.add_argument("--status", metavar="<status>",
                            choices=("ACTIVE", "BUILD", "DOWN", "ERROR"),
                            help="List only ports with the specified status ('ACTIVE', "
                            "'BUILD', 'DOWN', 'ERROR')")
        parser.add_argument("--fixed-ip",
                            metavar="subnet=<subnet>,ip-address=<ip-address>,"
                            "ip-substring=<ip-substring>",
                            action=multi_key_value([], ["subnet", "ip-address", "ip-substring"]),
                            help="Desired IP and/or subnet for filtering ports (name or ID): "
                            "subnet=<subnet>,ip-address=<ip-address>,ip-substring=<ip-substring>"
                            " (repeat option to filter multiple fixed IP addresses)")
        nc.add_tag_filters(parser, "ports")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        device_id = parsed_args.device_id
        if parsed_args.router:
            device_id = self.backend.find_router(parsed_args.router).id
        if parsed_args.server:
            device_id = self.backend.find_server(parsed_args.server).id
        network_id = (
            self.backend.find_network(parsed_args.network).id if parsed_args.network else None
        )
        fixed_ips = None
        if parsed_args.fixed_ip:
            fixed_ips = []
            for spec in parsed_args.fixed_ip:
                if spec.get("subnet"):
                    fixed_ips.append({"subnet_id": self.backend.find_subnet(spec["subnet"]).id})
                if "ip-address" in spec:
                    fixed_ips.append({"ip_address": spec["ip-address"]})
                if "ip-substring" in spec:
                    fixed_ips.append({"ip_address_substr": spec["ip-substring"]})
        ports = self.backend.ports(
            network_id=network_id,
            device_id=device_id,
            device_owner=parsed_args.device_owner,
            mac_address=parsed_args.mac_address or None,
            name=parsed_args.name or None,
            project_id=nc.project_id(self.backend, parsed_args),
            status=parsed_args.status,
            fixed_ips=fixed_ips,
            security_group_ids=parsed_args.security_groups,
            binding_host_id=parsed_args.host or None,
            tags=nc.tag_filter(parsed_args),
        )
        ports = paginate(ports, parsed_args)
        headers: tuple[str, ...] = ("ID", "Name", "MAC Address", "Fixed IP Addresses", "Status")
        if parsed_args.long:
            headers += ("Security Groups", "Device Owner", "Tags", "Trunk subports")
        rows = []
        for port in ports:
            row: tuple[Any, ...] = (port.id, port.name, port.mac_address,
                                    nc.ListDictColumn(port.fixed_ips), port.status)
            if parsed_args.long:
                row += (nc.ListColumn(port.security_group_ids), port.device_owner,
                        nc.ListColumn(port.tags), nc.ListDictColumn([]))
            rows.append(row)
        return headers, rows


class SetPort(Command):
    """Set port properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_updatable(parser, create=False)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--enable", action="store_true", default=None, help="Enable port")
        group.add_argument("--disable", action="store_true", help="Disable port")
        parser.add_argument("--name", metavar="<name>", help="Set port name")
        parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip-address>",
                            action=multi_key_value([], ["subnet", "ip-address"]),
                            help="Desired IP and/or subnet for this port (name or ID): "
                            "subnet=<subnet>,ip-address=<ip-address> (repeat option to set "
                            "multiple fixed IP addresses)")
        parser.add_argument("--no-fixed-ip", action="store_true",
                            help="Clear existing information of fixed IP addresses. Specify "
                            "both --fixed-ip and --no-fixed-ip to overwrite the current fixed "
                            "IP addresses.")
        parser.add_argument("--no-binding-profile", action="store_true",
                            help="Clear existing information of binding:profile. Specify both "
                            "--binding-profile and --no-binding-profile to overwrite the "
                            "current binding:profile information.")
        parser.add_argument("port", metavar="<port>", help="Port to modify (name or ID)")
        parser.add_argument("--security-group", metavar="<security-group>", action="append",
                            dest="security_groups",
                            help="Security group to associate with this port (name or ID) "
                            "(repeat option to set multiple security groups)")
        parser.add_argument("--no-security-group", dest="no_security_group",
                            action="store_true",
                            help="Clear existing security groups associated with this port")
        parser.add_argument("--no-allowed-address", dest="no_allowed_address_pair",
                            action="store_true",
                            help="Clear existing allowed-address pairs associated with this "
                            "port. Specify both --allowed-address and --no-allowed-address to "
                            "overwrite the current allowed-address pairs.")
        nc.add_tag_set(parser, "port")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        port = self.backend.find_port(parsed_args.port)
        _unsupported(parsed_args)
        changes: dict[str, Any] = {}
        for key, value in (
            ("name", parsed_args.name),
            ("description", parsed_args.description),
            ("device_id", parsed_args.device or None),
            ("device_owner", parsed_args.device_owner),
            ("mac_address", parsed_args.mac_address),
            ("binding_vnic_type", parsed_args.vnic_type),
            ("binding_host_id", parsed_args.host or None),
        ):
            if value is not None:
                changes[key] = value
        if parsed_args.enable or parsed_args.disable:
            changes["is_admin_state_up"] = bool(parsed_args.enable)
        if parsed_args.enable_port_security or parsed_args.disable_port_security:
            changes["is_port_security_enabled"] = bool(parsed_args.enable_port_security)
        if parsed_args.no_binding_profile or parsed_args.binding_profile:
            profile = {} if parsed_args.no_binding_profile else dict(port.binding_profile)
            changes["binding_profile"] = {**profile, **(parsed_args.binding_profile or {})}
        if parsed_args.no_fixed_ip or parsed_args.fixed_ip:
            current = [] if parsed_args.no_fixed_ip else [
                FixedIPRequest(subnet_id=ip["subnet_id"], ip_address=ip["ip_address"])
                for ip in port.fixed_ips
            ]
            changes["fixed_ips"] = current + nc.fixed_ip_requests(
                self.backend, parsed_args.fixed_ip or [])
        if parsed_args.no_security_group or parsed_args.security_groups:
            groups = [] if parsed_args.no_security_group else list(port.security_group_ids)
            groups += [self.backend.find_security_group(g).id
                       for g in parsed_args.security_groups or []]
            changes["security_group_ids"] = groups
        if parsed_args.no_allowed_address_pair or parsed_args.allowed_address_pairs:
            pairs = [] if parsed_args.no_allowed_address_pair else list(
                port.allowed_address_pairs)
            changes["allowed_address_pairs"] = pairs + _address_pairs(
                parsed_args.allowed_address_pairs)
        tags = nc.tags_after_set(port.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_port(port, **changes)


class ShowPort(ShowOne):
    """Display port details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("port", metavar="<port>", help="Port to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return port_fields(self.backend.find_port(parsed_args.port))


class UnsetPort(Command):
    """Unset port properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip-address>",
                            action=multi_key_value([], ["subnet", "ip-address"]),
                            help="Desired IP and/or subnet which should be removed from this "
                            "port (name or ID): subnet=<subnet>,ip-address=<ip-address> "
                            "(repeat option to unset multiple fixed IP addresses)")
        parser.add_argument("--binding-profile", metavar="<binding-profile-key>",
                            action="append",
                            help="Desired key which should be removed from binding:profile "
                            "(repeat option to unset multiple binding:profile keys)")
        parser.add_argument("--security-group", metavar="<security-group>", action="append",
                            dest="security_groups",
                            help="Security group which should be removed this port (name or "
                            "ID) (repeat option to unset multiple security groups)")
        parser.add_argument("--allowed-address",
                            metavar="ip-address=<ip-address>[,mac-address=<mac-address>]",
                            dest="allowed_address_pairs",
                            action=multi_key_value(["ip-address"], ["mac-address"]),
                            help="Desired allowed-address pair which should be removed from "
                            "this port: ip-address=<ip-address>[,mac-address=<mac-address>] "
                            "(repeat option to unset multiple allowed-address pairs)")
        parser.add_argument("--qos-policy", action="store_true", default=False,
                            help="Remove the QoS policy attached to the port")
        parser.add_argument("--host", action="store_true", default=False,
                            help="Clear host binding for the port")
        parser.add_argument("--device", action="store_true", default=False,
                            help="Clear device ID for the port.")
        parser.add_argument("--device-owner", action="store_true", default=False,
                            help="Clear device owner for the port.")
        nc.add_tag_unset(parser, "port")
        parser.add_argument("port", metavar="<port>", help="Port to modify (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        port = self.backend.find_port(parsed_args.port)
        changes: dict[str, Any] = {}
        if parsed_args.fixed_ip:
            remaining = list(port.fixed_ips)
            for spec in parsed_args.fixed_ip:
                wanted = {}
                if spec.get("subnet"):
                    wanted["subnet_id"] = self.backend.find_subnet(spec["subnet"]).id
                if "ip-address" in spec:
                    wanted["ip_address"] = spec["ip-address"]
                if wanted not in remaining:
                    raise CommandError(f"Port does not contain fixed-ip {wanted}")
                remaining.remove(wanted)
            changes["fixed_ips"] = [
                FixedIPRequest(subnet_id=ip["subnet_id"], ip_address=ip["ip_address"])
                for ip in remaining
            ]
        if parsed_args.binding_profile:
            profile = dict(port.binding_profile)
            for key in parsed_args.binding_profile:
                if key not in profile:
                    raise CommandError(f"Port does not contain binding-profile {key}")
                del profile[key]
            changes["binding_profile"] = profile
        if parsed_args.security_groups:
            groups = list(port.security_group_ids)
            for name in parsed_args.security_groups:
                group_id = self.backend.find_security_group(name).id
                if group_id not in groups:
                    raise CommandError(f"Port does not contain security group {name}")
                groups.remove(group_id)
            changes["security_group_ids"] = groups
        if parsed_args.allowed_address_pairs:
            pairs = list(port.allowed_address_pairs)
            for pair in _address_pairs(parsed_args.allowed_address_pairs):
                if pair not in pairs:
                    raise CommandError(f"Port does not contain allowed-address-pair {pair}")
                pairs.remove(pair)
            changes["allowed_address_pairs"] = pairs
        if parsed_args.qos_policy:
            changes["qos_policy_id"] = None
        if parsed_args.host:
            changes["binding_host_id"] = ""
        if parsed_args.device:
            changes["device_id"] = ""
        if parsed_args.device_owner:
            changes["device_owner"] = ""
        tags = nc.tags_after_unset(port.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_port(port, **changes)
