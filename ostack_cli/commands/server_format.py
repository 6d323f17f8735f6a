"""How servers print: the real client's columns, field names and formatters."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.server import usage_time
from ostack_cli.columns import DictColumn, ListColumn, ListDictColumn, format_list
from ostack_cli.errors import NotFound

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend
    from ostack_cli.backend.models.server import Server

POWER_STATES = ["NOSTATE", "Running", "", "Paused", "Shutdown", "", "Crashed", "Suspended"]


class PowerStateColumn(FormattableColumn[int | None]):
    def human_readable(self) -> str:
        if self._value is None:
            return "N/A"
        try:
            return POWER_STATES[self._value]
        except (IndexError, TypeError):
            return "N/A"


class AddressesColumn(FormattableColumn[dict[str, list[dict[str, Any]]]]):
    """``net1=10.0.0.3, 172.24.4.9; net2=...`` in tables, ``{net: [addr]}`` in JSON."""

    def human_readable(self) -> str:
        return "; ".join(
            f"{net}=" + ", ".join(a["addr"] for a in entries if "addr" in a)
            for net, entries in sorted((self._value or {}).items())
        )

    def machine_readable(self) -> dict[str, list[str]]:  # type: ignore[override]
        return {
            net: [a["addr"] for a in entries if "addr" in a]
            for net, entries in (self._value or {}).items()
        }


class HostColumn(FormattableColumn[str | None]):
    def human_readable(self) -> str:
        return self._value or ""


class DictListColumn(FormattableColumn[dict[str, Any] | None]):
    """osc-lib's ``DictListColumn`` (scheduler hints): ``key=a, b; key2=c``; ``{}`` for none."""

    def human_readable(self) -> str:
        return "; ".join(
            f"{key}={format_list(value)}"
            for key, value in sorted((self._value or {}).items())
            if value is not None
        )

    def machine_readable(self) -> dict[str, Any]:
        return dict(self._value or {})


def hypervisor_hostname(server: Server) -> str | None:
    """Nova's hypervisor of a server; locally, the one host is its own hypervisor."""
    if server.hypervisor_hostname is not None:
        return server.hypervisor_hostname
    return server.host or None


def image_label(backend: Backend, image_id: str) -> str:
    """``name (id)`` as the real client prints a server's image; the id if it is gone."""
    if not image_id:
        return "N/A (booted from volume)"
    try:
        return f"{backend.find_image(image_id).name} ({image_id})"
    except NotFound:
        return image_id


def image_names(backend: Backend) -> dict[str, str]:
    return {image.id: image.name for image in backend.images(visibility="all")}


def sdk_flavor(embedded: dict[str, Any]) -> dict[str, Any]:
    """A server's embedded flavor (2.47+) as openstacksdk presents it, which the real client
    prints: a Flavor resource's fields, ``name`` and ``id`` taken from ``original_name``."""
    if "name" in embedded or "original_name" not in embedded:
        return dict(embedded)  # already the SDK's (the cloud backend's), or an old form
    name = embedded["original_name"]
    return {
        "name": name, "original_name": name, "description": None,
        "disk": embedded.get("disk"), "is_public": True, "ram": embedded.get("ram"),
        "vcpus": embedded.get("vcpus"), "swap": embedded.get("swap"),
        "ephemeral": embedded.get("ephemeral"), "is_disabled": None, "rxtx_factor": None,
        "extra_specs": dict(embedded.get("extra_specs") or {}), "id": name, "location": None,
    }


def server_fields(server: Server, image: str, *, admin_pass: str | None = None) -> dict[str, Any]:
    """``server show``'s fields (compute API microversion 2.100, as the real client negotiates).
    """
    fields: dict[str, Any] = {
        "OS-DCF:diskConfig": server.disk_config,
        "OS-EXT-AZ:availability_zone": server.availability_zone,
        "OS-EXT-SRV-ATTR:host": server.host or None,
        "OS-EXT-SRV-ATTR:hostname": server.hostname,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": hypervisor_hostname(server),
        "OS-EXT-SRV-ATTR:instance_name": server.instance_name,
        "OS-EXT-SRV-ATTR:kernel_id": server.kernel_id,
        "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
        "OS-EXT-SRV-ATTR:ramdisk_id": server.ramdisk_id,
        "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
        "OS-EXT-SRV-ATTR:root_device_name": server.root_device_name,
        "OS-EXT-SRV-ATTR:user_data": server.user_data,
        "OS-EXT-STS:power_state": PowerStateColumn(server.power_state),
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:vm_state": server.vm_state,
        "OS-SRV-USG:launched_at": usage_time(server.launched_at),
        "OS-SRV-USG:terminated_at": usage_time(server.terminated_at),
        "accessIPv4": server.access_ipv4,
        "accessIPv6": server.access_ipv6,
        "addresses": AddressesColumn(server.addresses),
        "config_drive": "True" if server.config_drive else "",
        "created": server.created_at,
        "description": server.description,
        "flavor": DictColumn(sdk_flavor(server.flavor)),
        "hostId": server.host_id,
        "host_status": server.host_status,
        "id": server.id,
        "image": image,
        "key_name": server.key_name,
        "locked": server.is_locked,
        "locked_reason": server.locked_reason,
        "name": server.name,
        "pinned_availability_zone": server.pinned_availability_zone,
        "progress": server.progress,
        "project_id": server.project_id,
        "properties": DictColumn(dict(server.metadata)),
        "scheduler_hints": DictListColumn(server.scheduler_hints),
        "security_groups": ListDictColumn([{"name": n} for n in server.security_group_names]),
        # Printed as Nova sent it (a list, or null), without a formatter, as the real client.
        "server_groups": server.server_groups,
        "status": server.status,
        "tags": ListColumn(list(server.tags)),
        "trusted_image_certificates": server.trusted_image_certificates,
        "updated": server.updated_at,
        "user_id": server.user_id,
        "volumes_attached": ListDictColumn(list(server.attached_volumes)),
    }
    if server.fault is not None:
        fields["fault"] = DictColumn(dict(server.fault))
    if admin_pass is not None:
        fields["adminPass"] = admin_pass
    if not server.security_group_names:
        fields.pop("security_groups")
    return fields


def progress_printer(stream: Any = None) -> Any:
    """``--wait`` progress, only for a person watching a terminal (never into a pipe)."""
    stream = stream or sys.stderr

    def show(progress: int) -> None:
        if stream.isatty():
            stream.write(f"\rProgress: {progress}")
            if progress >= 100:
                stream.write("\n")
            stream.flush()

    return show
