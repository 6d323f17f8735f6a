"""``server list``: the real client's options, columns and the filters it sends Nova."""

from __future__ import annotations

import argparse
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.models.server import Server
from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.commands.base import Lister
from ostack_cli.commands.pagination import NonNegative
from ostack_cli.commands.server_format import (
    AddressesColumn,
    DictListColumn,
    HostColumn,
    PowerStateColumn,
    hypervisor_hostname,
    image_names,
)
from ostack_cli.commands.time_args import checked_time
from ostack_cli.errors import Forbidden

# nova's task_and_vm_state_from_status, as the real client offers them (in upper case).
STATUSES = ("ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD",
            "PAUSED", "REBOOT", "REBUILD", "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED",
            "SHELVED_OFFLOADED", "SHUTOFF", "SOFT_DELETED", "SUSPENDED", "VERIFY_RESIZE")
# nova's InstanceState, InstanceTaskState and InstancePowerState fields.
VM_STATES = ("active", "building", "deleted", "error", "paused", "stopped", "suspended",
             "rescued", "resized", "shelved", "shelved_offloaded", "soft-delete")
TASK_STATES = (
    "block_device_mapping", "deleting", "image_backup", "image_pending_upload",
    "image_snapshot", "image_snapshot_pending", "image_uploading", "migrating", "networking",
    "pausing", "powering-off", "powering-on", "rebooting", "reboot_pending", "reboot_started",
    "reboot_pending_hard", "reboot_started_hard", "rebooting_hard", "rebuilding",
    "rebuild_block_device_mapping", "rebuild_spawning", "rescuing", "resize_confirming",
    "resize_finish", "resize_migrated", "resize_migrating", "resize_prep", "resize_reverting",
    "restoring", "resuming", "scheduling", "shelving", "shelving_image_pending_upload",
    "shelving_image_uploading", "shelving_offloading", "soft-deleting", "spawning",
    "suspending", "updating_password", "unpausing", "unrescuing", "unshelving",
)
POWER_STATES = {"pending": 0, "running": 1, "paused": 3, "shutdown": 4, "crashed": 6,
                "suspended": 7}
IMAGE_FOR_VOLUME = "N/A (booted from volume)"
_TRUE = ("1", "t", "true", "on", "y", "yes")


def _all_projects_default() -> bool:
    """The real client's ``ALL_PROJECTS`` environment variable."""
    value = os.environ.get("ALL_PROJECTS") or ""
    return value.strip().lower() in _TRUE


class PercentAction(argparse.Action):
    """``--progress``: a whole percentage, 1 to 100."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        value = int(values)
        if not 0 < value <= 100:
            raise argparse.ArgumentError(self, "Must be between 0 and 100")
        setattr(namespace, self.dest, value)


# ``-c`` may ask for these besides the listed columns (the real client adds them): each
# lower-cased, spaces to underscores, gives a header and how a server fills it.
EXTRA_COLUMNS: dict[str, tuple[str, Any]] = {
    "project_id": ("Project ID", lambda s: s.project_id),
    "user_id": ("User ID", lambda s: s.user_id),
    "created_at": ("Created At", lambda s: s.created_at),
    "security_groups": ("Security Groups", lambda s: ListColumn(list(s.security_group_names))),
    "task_state": ("Task State", lambda s: s.task_state),
    "power_state": ("Power State", lambda s: PowerStateColumn(s.power_state)),
    "image_id": ("Image ID", lambda s: s.image_id or IMAGE_FOR_VOLUME),
    # At microversion 2.47+ a server's flavor has no ID: the real client finds none.
    "flavor_id": ("Flavor ID", lambda s: None),
    "availability_zone": ("Availability Zone", lambda s: s.availability_zone),
    "pinned_availability_zone": ("Pinned Availability Zone",
                                 lambda s: s.pinned_availability_zone),
    "host": ("Host", lambda s: HostColumn(hypervisor_hostname(s))),
    "properties": ("Properties", lambda s: DictColumn(dict(s.metadata))),
    "scheduler_hints": ("Scheduler Hints", lambda s: DictListColumn(s.scheduler_hints)),
}


class ListServer(Lister):
    """List servers"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--reservation-id", metavar="<reservation-id>",
                            help="Only return instances that match the reservation")
        parser.add_argument("--ip", metavar="<ip-address-regex>",
                            help="Regular expression to match IP addresses")
        parser.add_argument("--ip6", metavar="<ip-address-regex>",
                            help="Regular expression to match IPv6 addresses. Note that this "
                            "option only applies for non-admin users when using "
                            "``--os-compute-api-version`` 2.5 or greater.")
        parser.add_argument("--name", metavar="<name-regex>",
                            help="Regular expression to match names")
        parser.add_argument("--instance-name", metavar="<server-name>",
                            help="Regular expression to match instance name (admin only)")
        parser.add_argument("--status", metavar="<status>", choices=STATUSES,
                            help="Search by server status")
        parser.add_argument("--flavor", metavar="<flavor>", help="Search by flavor (name or ID)")
        parser.add_argument("--image", metavar="<image>", help="Search by image (name or ID)")
        parser.add_argument("--host", metavar="<hostname>", help="Search by hostname")
        parser.add_argument("--all-projects", action="store_true",
                            default=_all_projects_default(),
                            help="Include all projects (admin only) (can be specified using "
                            "the ALL_PROJECTS envvar)")
        parser.add_argument("--project", metavar="<project>",
                            help="Search by project (admin only) (name or ID)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        parser.add_argument("--user", metavar="<user>",
                            help="Search by user (name or ID) (admin only before microversion "
                            "2.83)")
        parser.add_argument("--user-domain", metavar="<user-domain>",
                            help="Domain the user belongs to (name or ID). This can be used in "
                            "case collisions between user names exist.")
        parser.add_argument("--deleted", action="store_true", default=False,
                            help="Only display deleted servers (admin only)")
        parser.add_argument("--availability-zone", default=None,
                            help="Search by availability zone (admin only before microversion "
                            "2.83)")
        parser.add_argument("--key-name",
                            help="Search by keypair name (admin only before microversion 2.83)")
        drive = parser.add_mutually_exclusive_group()
        drive.add_argument("--config-drive", action="store_true", dest="has_config_drive",
                           default=None,
                           help="Only display servers with a config drive attached (admin "
                           "only before microversion 2.83)")
        drive.add_argument("--no-config-drive", action="store_false", dest="has_config_drive",
                           help="Only display servers without a config drive attached (admin "
                           "only before microversion 2.83)")
        parser.add_argument("--progress", action=PercentAction, default=None,
                            help="Search by progress value (%%) (admin only before "
                            "microversion 2.83)")
        parser.add_argument("--vm-state", metavar="<state>", choices=VM_STATES,
                            help="Search by vm_state value (admin only before microversion "
                            "2.83)")
        parser.add_argument("--task-state", metavar="<state>", choices=TASK_STATES,
                            help="Search by task_state value (admin only before microversion "
                            "2.83)")
        parser.add_argument("--power-state", metavar="<state>", choices=tuple(POWER_STATES),
                            help="Search by power_state value (admin only before microversion "
                            "2.83)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        lookup = parser.add_mutually_exclusive_group()
        lookup.add_argument("-n", "--no-name-lookup", action="store_true", default=False,
                            help="Skip flavor and image name lookup. Mutually exclusive with "
                            '"--name-lookup-one-by-one" option.')
        lookup.add_argument("--name-lookup-one-by-one", action="store_true", default=False,
                            help="When looking up flavor and image names, look them up one by "
                            "one as needed instead of all together (default). Mutually "
                            'exclusive with "--no-name-lookup|-n" option.')
        parser.add_argument("--limit", metavar="<limit>", type=int, action=NonNegative,
                            help="The maximum number of entries to return per page. If the "
                            "value exceeds the server-defined maximum, then the "
                            "server-defined value will be used. Note that this controls the "
                            "page size, not the total number of entries returned. Use "
                            "--max-items to limit the total number of entries returned.")
        parser.add_argument("--marker", metavar="<marker>", default=None,
                            help="The first position in the collection to return results "
                            "from. This should be a value that was returned in a previous "
                            "request.")
        parser.add_argument("--max-items", metavar="<max-items>", type=int, action=NonNegative,
                            help="The maximum number of entries to return. If the value "
                            "exceeds the server-defined maximum, then the maximum value will "
                            "be used.")
        parser.add_argument("--changes-before", metavar="<changes-before>", default=None,
                            help="List only servers changed before a certain point of time. "
                            "The provided time should be an ISO 8061 formatted time (e.g., "
                            "2016-03-05T06:27:59Z). (supported by --os-compute-api-version "
                            "2.66 or above)")
        parser.add_argument("--changes-since", metavar="<changes-since>", default=None,
                            help="List only servers changed after a certain point of time. The "
                            "provided time should be an ISO 8061 formatted time (e.g., "
                            "2016-03-04T06:27:59Z).")
        lock = parser.add_mutually_exclusive_group()
        lock.add_argument("--locked", action="store_true", default=False,
                          help="Only display locked servers (supported by "
                          "--os-compute-api-version 2.73 or above)")
        lock.add_argument("--unlocked", action="store_true", default=False,
                          help="Only display unlocked servers (supported by "
                          "--os-compute-api-version 2.73 or above)")
        parser.add_argument("--tags", metavar="<tag>", action="append", default=[],
                            dest="tags",
                            help="Only list servers with the specified tag. Specify multiple "
                            "times to filter on multiple tags. (supported by "
                            "--os-compute-api-version 2.26 or above)")
        parser.add_argument("--not-tags", metavar="<tag>", action="append", default=[],
                            dest="not_tags",
                            help="Only list servers without the specified tag. Specify "
                            "multiple times to filter on multiple tags. (supported by "
                            "--os-compute-api-version 2.26 or above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        filters = self._filters(parsed_args)
        servers: Iterable[Server]
        if _streams(parsed_args):
            servers = self.backend.iter_servers(filters)
        else:
            servers = self.backend.servers(filters)
        if parsed_args.max_items is not None:
            servers = itertools.islice(servers, parsed_args.max_items)
        return self._table(servers, parsed_args, filters.all_projects)

    def _filters(self, parsed_args: argparse.Namespace) -> ServerFilters:
        backend = self.backend
        all_projects = parsed_args.all_projects
        project_id = None
        if parsed_args.project:
            project_id = backend.find_project_id(parsed_args.project,
                                                 domain=parsed_args.project_domain)
            all_projects = True
        user_id = self._user_id(parsed_args) if parsed_args.user else None
        changes_before = checked_time(parsed_args.changes_before, "changes-before")
        changes_since = checked_time(parsed_args.changes_since, "changes-since")
        marker = parsed_args.marker
        if marker is not None and not parsed_args.deleted:
            # Deleted servers are found no more: with --deleted the marker is an ID as given.
            marker = backend.find_server(marker).id
        locked = True if parsed_args.locked else False if parsed_args.unlocked else None
        return ServerFilters(
            reservation_id=parsed_args.reservation_id,
            ip=parsed_args.ip,
            ip6=parsed_args.ip6,
            name=parsed_args.name,
            status=parsed_args.status,
            flavor_id=backend.find_flavor(parsed_args.flavor).id if parsed_args.flavor else None,
            image_id=backend.find_image(parsed_args.image).id if parsed_args.image else None,
            host=parsed_args.host,
            project_id=project_id,
            all_projects=all_projects,
            user_id=user_id,
            deleted=parsed_args.deleted,
            changes_before=changes_before,
            changes_since=changes_since,
            instance_name=parsed_args.instance_name,
            availability_zone=parsed_args.availability_zone or None,
            key_name=parsed_args.key_name or None,
            config_drive=parsed_args.has_config_drive,
            progress=parsed_args.progress,
            vm_state=parsed_args.vm_state or None,
            task_state=parsed_args.task_state or None,
            power_state=POWER_STATES[parsed_args.power_state] if parsed_args.power_state
            else None,
            locked=locked,
            tags=list(parsed_args.tags),
            not_tags=list(parsed_args.not_tags),
            marker=marker,
            limit=parsed_args.limit,
        )

    def _user_id(self, parsed_args: argparse.Namespace) -> str:
        """The real client's user look-up: a user it may not look up is sent as given."""
        try:
            return self.backend.find_user(parsed_args.user,
                                          domain_id=parsed_args.user_domain).id
        except Forbidden:
            return str(parsed_args.user)

    def _table(self, servers: Iterable[Server], parsed_args: argparse.Namespace,
               all_projects: bool) -> tuple[Any, Iterable[tuple[Any, ...]]]:
        pending = iter(servers)
        first = next(pending, None)
        listed: Iterable[Server] = () if first is None else itertools.chain([first], pending)
        long = parsed_args.long
        if long:
            listed = list(listed)  # its Host Status column is there if any server has one
        images = {} if parsed_args.no_name_lookup or first is None \
            else image_names(self.backend)
        headers: tuple[str, ...] = ("ID", "Name", "Status")
        if long:
            headers += ("Task State", "Power State")
        headers += ("Networks",)
        headers += ("Image Name", "Image ID") if long else ("Image",)
        headers += ("Flavor",)
        if long:
            headers += ("Availability Zone", "Host", "Properties", "Pinned Availability Zone",
                        "Scheduler Hints")
        if all_projects:
            headers += ("Project ID",)
        extras = [EXTRA_COLUMNS[key] for key in _asked_columns(parsed_args)
                  if key in EXTRA_COLUMNS and EXTRA_COLUMNS[key][0] not in headers]
        headers += tuple(dict.fromkeys(header for header, _ in extras))
        if long and any(s.host_status is not None for s in listed):
            headers += ("Host Status",)
        return headers, self._rows(listed, headers, extras, images, parsed_args, all_projects)

    @staticmethod
    def _rows(servers: Iterable[Server], headers: tuple[str, ...],
              extras: list[tuple[str, Callable[[Server], Any]]], images: dict[str, str],
              parsed_args: argparse.Namespace,
              all_projects: bool) -> Iterator[tuple[Any, ...]]:
        long = parsed_args.long
        for s in servers:
            image_name = images.get(s.image_id, "") if s.image_id else IMAGE_FOR_VOLUME
            row: tuple[Any, ...] = (s.id, s.name, s.status)
            if long:
                row += (s.task_state, PowerStateColumn(s.power_state))
            row += (AddressesColumn(s.addresses),)
            if long:
                row += (image_name, s.image_id or IMAGE_FOR_VOLUME)
            else:
                row += ((s.image_id or IMAGE_FOR_VOLUME) if parsed_args.no_name_lookup
                        else image_name,)
            row += (s.flavor.get("original_name", ""),)
            if long:
                row += (s.availability_zone, HostColumn(hypervisor_hostname(s)),
                        DictColumn(dict(s.metadata)), s.pinned_availability_zone,
                        DictListColumn(s.scheduler_hints))
            if all_projects:
                row += (s.project_id,)
            seen: set[str] = set()
            for header, value_of in extras:
                if header not in seen:
                    seen.add(header)
                    row += (value_of(s),)
            if "Host Status" in headers:
                row += (s.host_status,)
            yield row


def _streams(parsed_args: argparse.Namespace) -> bool:
    """Whether the rows can be printed as the servers are read: cliff's value and csv
    formatters write a row at a time (table, json and yaml want them all, and so does a
    sort)."""
    return (parsed_args.formatter in ("value", "csv") and not parsed_args.long
            and not getattr(parsed_args, "sort_columns", None))


def _asked_columns(parsed_args: argparse.Namespace) -> list[str]:
    return [c.lower().strip().replace(" ", "_") for c in (parsed_args.columns or [])]
