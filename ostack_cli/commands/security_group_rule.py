"""``security group rule create|delete|list|show``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ostack_cli.backend.models.security_group import SecurityGroupRule, SecurityGroupRuleSpec
from ostack_cli.commands.base import LOG, Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError, not_found

ICMP_PROTOCOLS = ("icmp", "icmpv6", "ipv6-icmp", "1", "58")
IPV6_PROTOCOL_NUMBERS = ("icmpv6", "41", "43", "44", "58", "59", "60")


def rule_fields(rule: SecurityGroupRule, *, fill_prefix: bool = False) -> dict[str, Any]:
    """What the real client shows for a rule (the API's fields; ``ethertype`` renamed).

    ``fill_prefix``: ``show`` prints the any-address prefix of the rule's family where the
    API has none; ``create`` prints the API's value as it is.
    """
    prefix = rule.remote_ip_prefix
    if fill_prefix and not prefix:
        prefix = any_prefix(rule.ethertype)
    return {
        "belongs_to_default_sg": rule.belongs_to_default_sg,
        "created_at": rule.created_at,
        "description": rule.description,
        "direction": rule.direction,
        "ether_type": rule.ethertype,
        "id": rule.id,
        "normalized_cidr": rule.normalized_cidr,
        "port_range_max": rule.port_range_max,
        "port_range_min": rule.port_range_min,
        "project_id": rule.project_id,
        "protocol": rule.protocol,
        "remote_address_group_id": rule.remote_address_group_id,
        "remote_group_id": rule.remote_group_id,
        "remote_ip_prefix": prefix,
        "revision_number": rule.revision_number,
        "security_group_id": rule.security_group_id,
        "updated_at": rule.updated_at,
    }


def nested_rule(rule: SecurityGroupRule, *, fresh: bool = False) -> dict[str, Any]:
    """A rule as Neutron nests it in its group, in Neutron's key order.

    Neutron fills ``belongs_to_default_sg`` only in the group it has just created; a group
    read back has null there.
    """
    return {
        "id": rule.id,
        "project_id": rule.project_id,
        "security_group_id": rule.security_group_id,
        "ethertype": rule.ethertype,
        "direction": rule.direction,
        "protocol": rule.protocol,
        "port_range_min": rule.port_range_min,
        "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "remote_address_group_id": rule.remote_address_group_id,
        "normalized_cidr": rule.normalized_cidr,
        "remote_group_id": rule.remote_group_id,
        "standard_attr_id": rule.standard_attr_id,
        "belongs_to_default_sg": rule.belongs_to_default_sg if fresh else None,
        "description": rule.description,
        "tags": [],
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
        "revision_number": rule.revision_number,
        "tenant_id": rule.project_id,
    }


def any_prefix(ethertype: str) -> str | None:
    return {"IPv4": "0.0.0.0/0", "IPv6": "::/0"}.get(ethertype)


def is_icmp(protocol: str | None) -> bool:
    return protocol in ICMP_PROTOCOLS


def port_range_text(rule: SecurityGroupRule) -> str:
    """The list's Port Range: ``22:22``, ``type=3:code=0``, or nothing."""
    low, high = rule.port_range_min, rule.port_range_max
    if is_icmp(rule.protocol):
        return (f"type={low}" if low else "") + (f":code={high}" if high else "")
    if not (low or high):
        return ""
    return f"{high if low is None else low}:{low if high is None else high}"


class RangeAction(argparse.Action):
    """osc-lib's ``RangeAction``: ``80`` is (80, 80), ``22:24`` is (22, 24)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parts = str(values).split(":")
        # int() of a non-number raises ValueError past argparse, as in the real client:
        # the command then fails with Python's message and status 1.
        if len(parts) == 1:
            setattr(namespace, self.dest, (int(parts[0]), int(parts[0])))
        elif len(parts) == 2:
            low, high = int(parts[0]), int(parts[1])
            if low > high:
                raise argparse.ArgumentError(
                    self, f"Invalid range, {parts[0]} is not less than {parts[1]}"
                )
            setattr(namespace, self.dest, (low, high))
        else:
            raise argparse.ArgumentError(self, "Invalid range, too many values")


def _ipvx(text: str) -> str:
    return {"ipv4": "IPv4", "ipv6": "IPv6"}.get(text.lower(), text)


class CreateSecurityGroupRule(ShowOne):
    """Create a new security group rule"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>",
                            help="Create rule in this security group (name or ID)")
        remote = parser.add_mutually_exclusive_group()
        remote.add_argument("--remote-ip", metavar="<ip-address>",
                            help="Remote IP address block (may use CIDR notation; default for "
                            "IPv4 rule: 0.0.0.0/0, default for IPv6 rule: ::/0)")
        remote.add_argument("--remote-group", metavar="<group>",
                            help="Remote security group (name or ID)")
        remote.add_argument("--remote-address-group", metavar="<group>",
                            help="Remote address group (name or ID)")
        # The article's spellings, which the real client dropped in 4.0: kept working, but
        # out of the help.
        remote.add_argument("--src-ip", dest="remote_ip", help=argparse.SUPPRESS)
        remote.add_argument("--src-group", dest="remote_group", help=argparse.SUPPRESS)
        parser.add_argument("--dst-port", metavar="<port-range>", action=RangeAction,
                            help="Destination port, may be a single port or a starting and "
                            "ending port range: 137:139. Required for IP protocols TCP and "
                            "UDP. Ignored for ICMP IP protocols.")
        parser.add_argument("--protocol", metavar="<protocol>", type=str.lower,
                            help="IP protocol (ah, dccp, egp, esp, gre, icmp, igmp, "
                            "ipv6-encap, ipv6-frag, ipv6-icmp, ipv6-nonxt, ipv6-opts, "
                            "ipv6-route, ospf, pgm, rsvp, sctp, tcp, udp, udplite, vrrp and "
                            "integer representations [0-255] or any; default: any (all "
                            "protocols))")
        parser.add_argument("--description", metavar="<description>",
                            help="Set security group rule description")
        parser.add_argument("--icmp-type", metavar="<icmp-type>", type=int,
                            help="ICMP type for ICMP IP protocols")
        parser.add_argument("--icmp-code", metavar="<icmp-code>", type=int,
                            help="ICMP code for ICMP IP protocols")
        direction = parser.add_mutually_exclusive_group()
        direction.add_argument("--ingress", action="store_true",
                               help="Rule applies to incoming network traffic (default)")
        direction.add_argument("--egress", action="store_true",
                               help="Rule applies to outgoing network traffic")
        parser.add_argument("--ethertype", metavar="<ethertype>", choices=["IPv4", "IPv6"],
                            type=_ipvx,
                            help="Ethertype of network traffic (IPv4, IPv6; default: based "
                            "on IP protocol)")
        parser.add_argument("--project", metavar="<project>",
                            help="Owner's project (name or ID)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        group = self.backend.find_security_group(args.group)
        protocol = None if args.protocol in (None, "any") else args.protocol
        ethertype = args.ethertype or (
            "IPv6" if protocol is not None and (
                protocol.startswith("ipv6-") or protocol in IPV6_PROTOCOL_NUMBERS
            ) else "IPv4"
        )
        # The real client's checks, with its messages and its truth tests (type 0 is "none").
        if args.dst_port and (args.icmp_type or args.icmp_code):
            raise CommandError(
                "Argument --dst-port not allowed with arguments --icmp-type and --icmp-code"
            )
        if args.icmp_type is None and args.icmp_code is not None:
            raise CommandError("Argument --icmp-type required with argument --icmp-code")
        if not is_icmp(protocol) and (args.icmp_type or args.icmp_code):
            raise CommandError(
                "ICMP IP protocol required with arguments --icmp-type and --icmp-code"
            )
        low = high = None
        if args.dst_port and not is_icmp(protocol):
            low, high = args.dst_port
        if args.icmp_type is not None and args.icmp_type >= 0:
            low = args.icmp_type
        if args.icmp_code is not None and args.icmp_code >= 0:
            high = args.icmp_code
        remote_group_id = remote_address_group_id = remote_ip = None
        if args.remote_group is not None:
            remote_group_id = self.backend.find_security_group(args.remote_group).id
        elif args.remote_address_group is not None:
            # Address groups are not kept locally, so none can be found.
            raise not_found("AddressGroup", args.remote_address_group)
        elif args.remote_ip is not None:
            remote_ip = args.remote_ip
        else:
            remote_ip = any_prefix(ethertype)
        project_id = self.backend.find_project(args.project).id if args.project else None
        rule = self.backend.create_security_group_rule(
            SecurityGroupRuleSpec(
                security_group_id=group.id,
                direction="egress" if args.egress else "ingress",
                ethertype=ethertype,
                protocol=protocol,
                port_range_min=low,
                port_range_max=high,
                remote_ip_prefix=remote_ip,
                remote_group_id=remote_group_id,
                remote_address_group_id=remote_address_group_id,
                description=args.description,
                project_id=project_id,
            )
        )
        return show_fields(rule_fields(rule))


class DeleteSecurityGroupRule(Command):
    """Delete security group rule(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("rule", metavar="<rule>", nargs="+",
                            help="Security group rule(s) to delete (ID only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.rule,
            lambda rule: self.backend.delete_security_group_rule(
                self.backend.find_security_group_rule(rule)
            ),
            failure=lambda rule, exc: (
                f"Failed to delete security group rule with name or ID '{rule}': {exc}"
            ),
            summary=lambda failed, total: f"{failed} of {total} rules failed to delete.",
        )


class ListSecurityGroupRule(Lister):
    """List security group rules"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", nargs="?",
                            help="List all rules in this security group (name or ID)")
        parser.add_argument("--protocol", metavar="<protocol>", type=str.lower,
                            help="List only rules with the specified IP protocol (ah, dhcp, "
                            "egp, esp, gre, icmp, igmp, ipv6-encap, ipv6-frag, ipv6-icmp, "
                            "ipv6-nonxt, ipv6-opts, ipv6-route, ospf, pgm, rsvp, sctp, tcp, "
                            "udp, udplite, vrrp and integer representations [0-255] or any; "
                            "default: any (all protocols))")
        # Parsed but not applied: the real client never sends it either.
        parser.add_argument("--ethertype", metavar="<ethertype>", type=str.lower,
                            help="List only rules with the specified Ethertype (IPv4 or IPv6)")
        direction = parser.add_mutually_exclusive_group()
        direction.add_argument("--ingress", action="store_true",
                               help="List only rules applied to incoming network traffic")
        direction.add_argument("--egress", action="store_true",
                               help="List only rules applied to outgoing network traffic")
        parser.add_argument("--long", action="store_true", default=False,
                            help="**Deprecated** This argument is no longer needed")
        parser.add_argument("--project", metavar="<project>",
                            help="List only rules with the specified project (name or ID)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        if args.long:
            LOG.warning("The --long option has been deprecated and is no longer needed")
        headers: tuple[str, ...] = (
            "ID", "IP Protocol", "Ethertype", "IP Range", "Port Range", "Direction",
            "Remote Security Group", "Remote Address Group",
        )
        group_id = None
        if args.group is not None:
            group_id = self.backend.find_security_group(args.group).id
        else:
            headers += ("Security Group",)
        direction = "egress" if args.egress else "ingress" if args.ingress else None
        project_id = self.backend.find_project(args.project).id if args.project else None
        rules = self.backend.security_group_rules(
            security_group_id=group_id,
            direction=direction,
            protocol=args.protocol,
            project_id=project_id,
        )
        return headers, [_list_row(rule, with_group=group_id is None)
                         for rule in paginate(rules, args)]


def _list_row(rule: SecurityGroupRule, *, with_group: bool) -> Sequence[Any]:
    row: tuple[Any, ...] = (
        rule.id,
        rule.protocol,
        rule.ethertype,
        rule.remote_ip_prefix or any_prefix(rule.ethertype),
        port_range_text(rule),
        rule.direction,
        rule.remote_group_id,
        rule.remote_address_group_id,
    )
    return (*row, rule.security_group_id) if with_group else row


class ShowSecurityGroupRule(ShowOne):
    """Display security group rule details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("rule", metavar="<rule>",
                            help="Security group rule to display (ID only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        rule = self.backend.find_security_group_rule(parsed_args.rule)
        return show_fields(rule_fields(rule, fill_prefix=True))
