"""Nova servers, their states, quotas and hypervisors."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models import Resource

# Quotas live in quota.py (commands that check them need no server model); their names
# are still importable from here.
from ostack_cli.backend.models.quota import COMPUTE_QUOTA_ATTRS as COMPUTE_QUOTA_ATTRS
from ostack_cli.backend.models.quota import COMPUTE_QUOTAS as COMPUTE_QUOTAS
from ostack_cli.backend.models.quota import NETWORK_QUOTA_ATTRS as NETWORK_QUOTA_ATTRS
from ostack_cli.backend.models.quota import NETWORK_QUOTAS as NETWORK_QUOTAS
from ostack_cli.backend.models.quota import QUOTA_DEFAULTS as QUOTA_DEFAULTS
from ostack_cli.backend.models.quota import VOLUME_QUOTA_ATTRS as VOLUME_QUOTA_ATTRS
from ostack_cli.backend.models.quota import VOLUME_QUOTAS as VOLUME_QUOTAS
from ostack_cli.backend.models.quota import VOLUME_TYPE_QUOTAS as VOLUME_TYPE_QUOTAS
from ostack_cli.backend.models.quota import Quota as Quota
from ostack_cli.backend.models.quota import VolumeQuotas as VolumeQuotas
from ostack_cli.backend.models.quota import volume_type_quota as volume_type_quota

if TYPE_CHECKING:  # only a spec's annotation: listing servers needs no volume models
    from ostack_cli.backend.models.volume import BlockDevice

# nova/compute/power_state.py
NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED = 0, 1, 3, 4, 6, 7

# nova/api/openstack/common.py _STATE_MAP: (vm_state, task_state) -> API status.
_REBUILD: dict[str | None, str] = {
    "rebuilding": "REBUILD", "rebuild_block_device_mapping": "REBUILD",
    "rebuild_spawning": "REBUILD",
}
_RESIZE: dict[str | None, str] = {
    "resize_prep": "RESIZE", "resize_migrating": "RESIZE", "resize_migrated": "RESIZE",
    "resize_finish": "RESIZE",
}
_STATUS_BY_TASK: dict[str, dict[str | None, str]] = {
    "active": {
        None: "ACTIVE",
        "rebooting": "REBOOT",
        "reboot_pending": "REBOOT",
        "reboot_started": "REBOOT",
        "rebooting_hard": "HARD_REBOOT",
        "reboot_pending_hard": "HARD_REBOOT",
        "reboot_started_hard": "HARD_REBOOT",
        "updating_password": "PASSWORD",
        "migrating": "MIGRATING",
        **_REBUILD,
        **_RESIZE,
    },
    "building": {None: "BUILD"},
    "stopped": {None: "SHUTOFF", **_RESIZE, **_REBUILD},
    "resized": {None: "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    "paused": {None: "PAUSED", "migrating": "MIGRATING"},
    "suspended": {None: "SUSPENDED"},
    "rescued": {None: "RESCUE"},
    "error": {None: "ERROR", **_REBUILD},
    "deleted": {None: "DELETED"},
    "soft-delete": {None: "SOFT_DELETED"},
    "shelved": {None: "SHELVED"},
    "shelved_offloaded": {None: "SHELVED_OFFLOADED"},
}


def api_status(vm_state: str, task_state: str | None) -> str:
    by_task = _STATUS_BY_TASK.get(vm_state)
    if by_task is None:
        return "UNKNOWN"
    return by_task.get(task_state, by_task[None])


def usage_time(value: str | None) -> str | None:
    """Nova's ``OS-SRV-USG`` times (``launched_at``, ``terminated_at``): ``str()`` of a naive
    datetime, microseconds shown, as the API sends and the real client prints them."""
    if not value:
        return None
    text = value.rstrip("Z")
    return text if "." in text else text + ".000000"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Server(Resource):
    KIND = "server"
    RESOURCE_NAME = "Server"

    project_id: str
    user_id: str
    flavor_id: str
    # Nova embeds the flavor as it was at boot (microversion 2.47+): later flavor changes
    # or deletion do not change a running server.
    flavor: dict[str, Any] = dataclasses.field(default_factory=dict)
    image_id: str = ""
    vm_state: str = "building"
    task_state: str | None = "scheduling"
    power_state: int = NOSTATE
    key_name: str | None = None
    hostname: str = ""
    description: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    security_group_names: list[str] = dataclasses.field(default_factory=list)
    port_ids: list[str] = dataclasses.field(default_factory=list)
    # Ports Nova made for the server (deleted with it); ports passed with --port are kept.
    created_port_ids: list[str] = dataclasses.field(default_factory=list)
    user_data: str | None = None
    config_drive: bool = True
    instance_name: str = ""
    host: str = ""
    host_id: str = ""  # Nova's hostId: a hash of the project and the host
    host_status: str | None = None
    launch_index: int = 0
    reservation_id: str = ""
    fault: dict[str, Any] | None = None
    # The process working on a task, so a task whose worker died can be told and settled.
    worker_pid: int | None = None
    # Images the guest boots from besides its own (a direct boot's kernel and ramdisk, the
    # image an unshelved disk was made from, a rescue image), whose cached base files must
    # outlive the images themselves (local backend only).
    boot_image_ids: list[str] = dataclasses.field(default_factory=list)
    # Nova's system_metadata: the boot image's properties (``image_*``), who booted it, and
    # what shelve and resize remember (``shelved_image_id``, ``old_vm_state``). Never shown.
    system_metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    # A resize's flavors (embedded form plus ``id``) until it is confirmed or reverted.
    old_flavor: dict[str, Any] | None = None
    new_flavor: dict[str, Any] | None = None
    # Local backend only: the image whose cached copy backs the disk when it is not
    # ``image_id``'s (an unshelved disk is made from the shelve snapshot, which Nova then
    # deletes), with its disk format; and the image a rescued guest boots from.
    disk_image_id: str | None = None
    disk_image_format: str | None = None
    rescue_image_id: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""
    launched_at: str | None = None
    terminated_at: str | None = None
    # Only in the answer to a create (Nova returns it once; nobody stores it).
    admin_pass: str | None = None
    # Filled on read from the ports and floating IPs, never trusted from the store.
    addresses: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)
    # What Nova shows of a server that the local backend has one value for: the defaults are
    # the local backend's; a cloud's come from Nova as it sent them (None: not shown).
    disk_config: str | None = "MANUAL"
    availability_zone: str | None = "nova"
    # None: the host's own name (the local backend's one hypervisor is its host).
    hypervisor_hostname: str | None = None
    kernel_id: str | None = ""
    ramdisk_id: str | None = ""
    root_device_name: str | None = "/dev/vda"
    access_ipv4: str | None = ""
    access_ipv6: str | None = ""
    is_locked: bool | None = False
    locked_reason: str | None = None
    # Nova's instance.locked_by: "owner" (locked from the server's project) or "admin"; an
    # owner cannot unlock what an admin locked (local backend only, never shown).
    locked_by: str | None = None
    progress: int | None = 0
    pinned_availability_zone: str | None = None
    scheduler_hints: dict[str, Any] | None = dataclasses.field(default_factory=dict)
    # None when Nova leaves them out (its list view, which a look-up by name reads).
    server_groups: list[str] | None = dataclasses.field(default_factory=list)
    trusted_image_certificates: list[str] | None = None
    attached_volumes: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def status(self) -> str:
        return api_status(self.vm_state, self.task_state)


@dataclasses.dataclass(frozen=True, kw_only=True)
class NicRequest:
    """One ``--nic``/``--network``/``--port`` of ``server create``."""

    network: str | None = None
    port: str | None = None
    fixed_ip: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerSpec:
    """What ``server create`` asks for; names are resolved by the backend."""

    name: str
    flavor: str
    image: str
    nics: list[NicRequest] | None = None  # None: Nova's default ("auto" at 2.37+)
    no_network: bool = False
    security_groups: list[str] = dataclasses.field(default_factory=list)
    key_name: str | None = None
    user_data: bytes | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    hostname: str | None = None
    description: str | None = None
    # True, None (not asked for) or a string the real client passes on as it is (Nova's
    # schema takes its boolean spellings and refuses the rest).
    config_drive: bool | str | None = None
    min_count: int = 1
    max_count: int = 1
    tags: list[str] = dataclasses.field(default_factory=list)
    password: str | None = None
    # ``--hint key=value`` (and ``--server-group``): one value as a string, several as a list,
    # as the real client sends them.
    scheduler_hints: dict[str, str | list[str]] = dataclasses.field(default_factory=dict)
    # Block device mappings (``--volume``, ``--snapshot``, ``--boot-from-volume``,
    # ``--block-device``...), as the real client sends them; ``image`` is "" when the server
    # boots from a volume.
    block_devices: list[BlockDevice] = dataclasses.field(default_factory=list)
    # ``--availability-zone``: a zone, or Nova's ``zone:host[:node]`` and ``zone::node``.
    availability_zone: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Hypervisor:
    id: str
    name: str
    hypervisor_type: str
    virt_type: str
    state: str
    status: str
    host_ip: str
    vcpus: int
    vcpus_used: int
    memory_mb: int
    memory_mb_used: int
    local_gb: int
    local_gb_used: int
    running_vms: int
    hypervisor_version: int
    uptime: str = ""
    cpu_info: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The nova-compute service behind it (Nova's ``service`` of a hypervisor).
    service_id: str = ""
    service_host: str = ""
    disabled_reason: str | None = None
