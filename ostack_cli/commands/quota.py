"""``quota show``, ``quota set`` and ``quota list`` (compute, volume and network quotas)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.api.quota import block_storage_quotas
from ostack_cli.backend.models.server import (
    COMPUTE_QUOTA_ATTRS,
    COMPUTE_QUOTAS,
    NETWORK_QUOTA_ATTRS,
    NETWORK_QUOTAS,
    VOLUME_QUOTA_ATTRS,
    VOLUME_QUOTAS,
    VOLUME_TYPE_QUOTAS,
    VolumeQuotas,
    volume_type_quota,
)
from ostack_cli.commands.base import Command, Lister

# `quota set` options in the real client's order (compute, volume, network), each with the
# quota it sets (its name for `set_quotas`).
SET_OPTIONS: tuple[tuple[str, str], ...] = (
    *((name, name) for name in (
        "cores", "injected-file-size", "injected-path-size", "injected-files", "instances",
        "key-pairs", "properties", "ram", "server-group-members", "server-groups")),
    *((name, name) for name in (
        "backups", "backup-gigabytes", "gigabytes", "groups", "per-volume-gigabytes",
        "snapshots", "volumes")),
    ("floating-ips", "floating-ips"), ("secgroup-rules", "secgroup-rules"),
    ("secgroups", "secgroups"), ("networks", "networks"), ("subnets", "subnets"),
    ("ports", "ports"), ("routers", "routers"), ("router-routes", "router-routes"),
    ("rbac-policies", "rbac-policies"), ("subnetpools", "subnet-pools"),
)

# `quota show` prints what python-openstackclient 10.5 makes of openstacksdk 4.22's resources:
# Nova's quota set (the attributes Nova sent, in its order, then the SDK's others, unset), then
# Cinder's (likewise: per-type quotas such as volumes___DEFAULT__ included), then Neutron's quota
# (the SDK's attribute order) merged over them; each compute, then volume, attribute the client
# knows is then renamed to its quota name and moved to the end. Its network names never match
# openstacksdk's, so network rows keep the SDK's names (floating_ips, security_groups, ...).
COMPUTE_SDK_ORDER = (
    "cores", "fixed_ips", "floating_ips", "injected_file_content_bytes",
    "injected_file_path_bytes", "injected_files", "instances", "key_pairs", "metadata_items",
    "networks", "ram", "security_group_rules", "security_groups", "server_groups",
    "server_group_members",
)
NETWORK_SDK_ORDER = (
    "check_limit", "floating_ips", "health_monitors", "listeners", "load_balancers",
    "l7_policies", "networks", "pools", "ports", "project_id", "tenant_id", "rbac_policies",
    "router_routes", "routers", "subnets", "subnet_pools", "security_group_rules",
    "security_groups",
)
# openstacksdk's QuotaDetails (``--usage``): another order, and only the quotas Neutron sent.
NETWORK_DETAILS_ORDER = (
    "floating_ips", "health_monitors", "listeners", "load_balancers", "l7_policies", "networks",
    "pools", "ports", "project_id", "rbac_policies", "router_routes", "routers", "subnets",
    "subnet_pools", "security_group_rules", "security_groups", "check_limit", "tenant_id",
)


def _compute_part(values: dict[str, Any]) -> dict[str, Any]:
    """Nova's attributes by SDK name: those the backend gave, in its order, then the rest."""
    attrs = {name: attr for attr, name in COMPUTE_QUOTA_ATTRS.items()}
    part = {attrs[name]: value for name, value in values.items() if name in attrs}
    part.update({attr: None for attr in COMPUTE_SDK_ORDER if attr not in part})
    return part


def _network_part(values: dict[str, Any], *, details: bool) -> dict[str, Any]:
    def value(attr: str) -> Any:
        return values.get(NETWORK_QUOTA_ATTRS.get(attr, attr))

    if details:
        return {attr: value(attr) for attr in NETWORK_DETAILS_ORDER if value(attr) is not None}
    return {attr: value(attr) for attr in NETWORK_SDK_ORDER}


def _rename(section: dict[str, Any]) -> None:
    for attr, name in (*COMPUTE_QUOTA_ATTRS.items(), *VOLUME_QUOTA_ATTRS.items()):
        if attr != name and section.get(attr) is not None:
            section[name] = section.pop(attr)


def quota_rows(
    limits: dict[str, int],
    usage: dict[str, int] | None,
    service: str,
    volume: VolumeQuotas | None = None,
) -> list[tuple[Any, ...]]:
    """``quota show``'s rows: (resource, limit), or (resource, limit, in use, reserved).

    ``limits``/``usage``: compute and network quotas (usage None: no usage columns);
    ``volume``: Cinder's quota set, when it is shown.
    """
    info: dict[str, Any] = {}
    used: dict[str, Any] = {}
    reserved: dict[str, Any] = {}
    if service in ("all", "compute") and COMPUTE_QUOTAS & set(limits):
        info.update(_compute_part(limits))
        used.update(_compute_part({k: v for k, v in (usage or {}).items()
                                   if k in COMPUTE_QUOTAS}))
    if volume is not None:
        info.update(volume.limits)
        used.update(volume.usage)
        reserved.update(volume.reserved)
    if service in ("all", "network") and NETWORK_QUOTAS & set(limits):
        network = _network_part(limits, details=usage is not None)
        info.update(network)
        used.update({k: v for k, v in _network_part(usage or {}, details=False).items()
                     if k in network})
    if usage is None:
        _rename(info)
        return [(name, value) for name, value in info.items()]
    # Key pairs belong to users, not projects: the real client prints no count for them.
    used["key_pairs"] = "N/A"
    for section in (info, used, reserved):
        _rename(section)
    return [(name, value or 0, _count(used, name), _count(reserved, name))
            for name, value in info.items()]


def _count(section: dict[str, Any], name: str) -> Any:
    value = section.get(name)
    return 0 if value is None else value


class ShowQuota(Lister):
    """Show quotas for project or class."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project/class>", nargs="?",
                            help="Show quotas for this project (name or ID)")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--default", action="store_true", default=False,
                          help="Show default quotas for <project>")
        kind.add_argument("--usage", action="store_true", default=False,
                          help="Show details about quotas usage")
        service = parser.add_mutually_exclusive_group()
        for name in ("all", "compute", "volume", "network"):
            service.add_argument(f"--{name}", action="store_const", const=name, dest="service",
                                 default="all", help=f"Show {name} quotas")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = (
            self.backend.find_project(parsed_args.project).id
            if parsed_args.project
            else self.backend.auth_project_id() or ""
        )
        service = parsed_args.service
        limits: dict[str, int] = {}
        usage: dict[str, int] | None = {} if parsed_args.usage else None
        if service != "volume":
            limits = self.backend.quota_limits(project_id, defaults=parsed_args.default)
            if parsed_args.usage:
                usage = self.backend.quota_usage(project_id)
        volume = self._volume_quotas(project_id, parsed_args)
        rows = quota_rows(limits, usage, service, volume)
        if usage is None:
            return ("Resource", "Limit"), rows
        return ("Resource", "Limit", "In Use", "Reserved"), rows

    def _volume_quotas(
        self, project_id: str, parsed_args: argparse.Namespace
    ) -> VolumeQuotas | None:
        # As the real client: Cinder's quotas when asked for (failing without Cinder), and
        # with all the others when the catalog has a block-storage service.
        cinder = block_storage_quotas(self.backend)
        if parsed_args.service == "volume" or (
            parsed_args.service == "all" and cinder.has_block_storage()
        ):
            return cinder.volume_quotas(project_id, defaults=parsed_args.default,
                                        usage=parsed_args.usage)
        return None


# `quota list`'s columns per service: the real client's headers over openstacksdk's attributes.
LIST_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "compute": (
        ("Cores", "cores"), ("Injected Files", "injected_files"),
        ("Injected File Content Bytes", "injected_file_content_bytes"),
        ("Injected File Path Bytes", "injected_file_path_bytes"), ("Instances", "instances"),
        ("Key Pairs", "key_pairs"), ("Metadata Items", "metadata_items"), ("Ram", "ram"),
        ("Server Groups", "server_groups"), ("Server Group Members", "server_group_members"),
    ),
    "volume": (
        ("Backups", "backups"), ("Backup Gigabytes", "backup_gigabytes"),
        ("Gigabytes", "gigabytes"), ("Groups", "groups"),
        ("Per Volume Gigabytes", "per_volume_gigabytes"), ("Snapshots", "snapshots"),
        ("Volumes", "volumes"),
    ),
    "network": (
        ("Floating IPs", "floating_ips"), ("Networks", "networks"), ("Ports", "ports"),
        ("RBAC Policies", "rbac_policies"), ("Router Routes", "router_routes"),
        ("Routers", "routers"), ("Security Groups", "security_groups"),
        ("Security Group Rules", "security_group_rules"), ("Subnets", "subnets"),
        ("Subnet Pools", "subnet_pools"),
    ),
}


class ListQuota(Lister):
    """List quotas for all projects with non-default quota values.

    Empty output means all projects are using default quotas, which can be inspected with
    'openstack quota show --default'.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        service = parser.add_mutually_exclusive_group(required=True)
        for name in ("compute", "volume", "network"):
            service.add_argument(f"--{name}", action="store_const", const=name, dest="service",
                                 help=f"List {name} quota")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        columns = LIST_COLUMNS[parsed_args.service]
        rows = [
            (quota_set.project_id, *(quota_set.limits.get(attr, "") for _, attr in columns))
            for quota_set in self.backend.project_quota_sets(parsed_args.service)
            if quota_set.limits != quota_set.defaults
        ]
        return ("Project ID", *(header for header, _ in columns)), rows


class SetQuota(Command):
    """Set quotas for project or class."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project/class>",
                            help="Set quotas for this project (name or ID)")
        for option, _ in SET_OPTIONS:
            parser.add_argument(f"--{option}", metavar=f"<{option}>", type=int,
                                dest=option.replace("-", "_"),
                                help=f"New value for the {option} quota")
        parser.add_argument("--volume-type", metavar="<volume-type>",
                            help="Set quotas for a specific <volume-type>")
        force = parser.add_mutually_exclusive_group()
        force.add_argument("--force", action="store_true", dest="force", default=None,
                           help="Force quota update (only supported by compute and network)")
        force.add_argument("--no-force", "--check-limit", action="store_false", dest="force",
                           help="Do not force quota update")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        limits = {
            quota: getattr(parsed_args, option.replace("-", "_"))
            for option, quota in SET_OPTIONS
            if getattr(parsed_args, option.replace("-", "_")) is not None
        }
        limits = self._volume_limits(limits, parsed_args.volume_type)
        project = self.backend.find_project(parsed_args.project)
        if limits:
            self.backend.set_quotas(project.id, limits, force=parsed_args.force)

    def _volume_limits(self, limits: dict[str, int], volume_type: str | None) -> dict[str, int]:
        """The limits to set, volume ones as the real client sends them: under Cinder's
        per-type names with ``--volume-type``, and not at all (silently) when the catalog has
        no block-storage service."""
        if not VOLUME_QUOTAS & set(limits):
            return limits
        if not block_storage_quotas(self.backend).has_block_storage():
            return {name: value for name, value in limits.items() if name not in VOLUME_QUOTAS}
        if not volume_type:
            return limits
        return {volume_type_quota(name, volume_type) if name in VOLUME_TYPE_QUOTAS else name:
                value for name, value in limits.items()}
