"""A guest's disk, config drive and libvirt definition, built from the server's records."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli.backend.local import guest_volumes
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guests import GIB, InstanceFiles, cached_base, create_overlay
from ostack_cli.backend.local.image_files import qemu_format
from ostack_cli.backend.local.images import Images
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.keypair import Keypair
from ostack_cli.backend.models.network import Network, Port
from ostack_cli.backend.models.server import Server
from ostack_cli.lazy import lazy_import

if TYPE_CHECKING:
    from ostack_cli.backend.local import configdrive, domain_xml
    from ostack_cli.metadata import records as metadata_records
else:
    configdrive = lazy_import("ostack_cli.backend.local.configdrive")
    metadata_records = lazy_import("ostack_cli.metadata.records")
    domain_xml = lazy_import("ostack_cli.backend.local.domain_xml")


class GuestBuilder:
    def __init__(
        self, context: ServiceContext, *, images: Images, records: ServerRecords
    ) -> None:
        self.store = context.store
        self.host = context.host
        self.images = images
        self.records = records

    def prepare(
        self,
        server: Server,
        flavor: Flavor,
        image: Image,
        files: InstanceFiles,
        public_keys: dict[str, str],
        user_data: bytes | None,
        virt_type: str,
    ) -> str:
        """The guest's disk and config drive written; returns its libvirt definition. A
        guest booting from a volume has no disk of its own (the volume is its first)."""
        if guest_volumes.root_volume(self.store, self.host.host_dir, server.id) is None:
            self.build_disk(image, files.disk, flavor.disk)
        if server.config_drive:
            self.build_config_drive(server, files.config_drive, public_keys, user_data)
        return self.definition(server, image, files, virt_type)

    def boot_image(self, server: Server) -> Image:
        """The image the guest boots with: its own, or (deleted since, or a server booted
        from a volume, which has none) what its system_metadata remembers of it."""
        found = self.store.get(Image, server.image_id) if server.image_id else None
        if found is not None:
            return found
        from ostack_cli.backend.local import nova_rules

        meta = nova_rules.image_from_system_metadata(server.system_metadata)
        return Image(id=server.image_id, name="", status="deleted",
                     disk_format=meta.get("disk_format") or "raw",
                     container_format=meta.get("container_format"),
                     properties={k: str(v) for k, v in meta["properties"].items()
                                 if k in ("kernel_id", "ramdisk_id", "os_command_line")})

    def build_disk(self, image: Image, path: Path, disk_gb: int) -> None:
        """A qcow2 overlay at ``path`` on the image's cached copy, ``disk_gb`` big (the
        image's own size when 0)."""
        base = cached_base(self.host.host_dir, image.id, self.images.file(image))
        create_overlay(base, image.disk_format or "raw", path, disk_gb * GIB or None)

    def build_config_drive(self, server: Server, path: Path, public_keys: dict[str, str],
                           user_data: bytes | None) -> None:
        drive = configdrive.build_config_drive(self._config_drive_spec(
            server, public_keys, user_data))
        configdrive.write_iso(drive, path)

    def public_keys(self, server: Server) -> dict[str, str]:
        """The server's keypair as its config drive carries it (none if it is gone)."""
        if not server.key_name:
            return {}
        found = self.store.list(Keypair, name=server.key_name)
        mine = [k for k in found if k.user_id == server.user_id] or found
        return {mine[0].name: mine[0].public_key} if mine else {}

    def definition(self, server: Server, image: Image, files: InstanceFiles,
                   virt_type: str) -> str:
        """The guest's definition, from the flavor as embedded at boot (Nova's rule)."""
        return domain_xml.render_domain(self._spec(server, image, files, virt_type))

    def rescue_definition(self, server: Server, image: Image, rescue_image: Image,
                          files: InstanceFiles, virt_type: str) -> str:
        """A rescued guest, as Nova's libvirt driver lays it out: it boots from the rescue
        disk (and the rescue image's kernel), its own disk second, the rescue config drive."""
        own = self._spec(server, image, files, virt_type)
        kernel, initrd = self._boot_files(rescue_image)
        drive = files.rescue_config_drive
        spec = dataclasses.replace(
            own,
            disk_serial=None,
            disk_path=str(files.rescue_disk),
            backing_path=str(self.host.host_dir / "_base" / rescue_image.id),
            backing_format=qemu_format(rescue_image.disk_format or "raw"),
            extra_disks=(domain_xml.DiskSpec(
                path=own.disk_path, target="vdb", backing_path=own.backing_path,
                backing_format=own.backing_format),),
            config_drive_path=str(drive) if drive.exists() else None,
            kernel=str(kernel) if kernel else None,
            initrd=str(initrd) if initrd else None,
            cmdline=rescue_image.properties.get("os_command_line", "console=ttyS0")
            if kernel else None,
        )
        return domain_xml.render_domain(spec)

    def _spec(self, server: Server, image: Image, files: InstanceFiles,
              virt_type: str) -> domain_xml.DomainSpec:
        kernel, initrd = self._boot_files(image)
        flavor = server.flavor
        # An unshelved disk sits on the shelve snapshot's cached copy, not on the image's.
        backing_id = server.disk_image_id or image.id
        backing_format = server.disk_image_format or image.disk_format or "raw"
        root = guest_volumes.root_volume(self.store, self.host.host_dir, server.id)
        return domain_xml.DomainSpec(
            name=server.instance_name,
            uuid=server.id,
            vcpus=int(flavor["vcpus"]),
            memory_mib=int(flavor["ram"]),
            # A guest booted from a volume has it as its first disk, standing alone.
            disk_path=root.path if root else str(files.disk),
            backing_path=None if root else str(self.host.host_dir / "_base" / backing_id),
            backing_format=qemu_format(backing_format),
            disk_serial=root.volume_id if root else None,
            extra_disks=guest_volumes.volume_disks(self.store, self.host.host_dir, server.id),
            console_log_path=str(files.console_log),
            metadata=domain_xml.InstanceMetadata(
                server_id=server.id, project_id=server.project_id, name=server.name,
                flavor_name=str(flavor["original_name"]), image_id=image.id,
                created=server.created_at,
            ),
            virt_type="kvm" if virt_type == "kvm" else "qemu",
            nics=tuple(self._nic_spec(port) for port in self.records.ports_of(server)),
            graphics=self.host.displays(virt_type),
            config_drive_path=str(files.config_drive) if files.config_drive.exists() else None,
            kernel=str(kernel) if kernel else None,
            initrd=str(initrd) if initrd else None,
            cmdline=image.properties.get("os_command_line", "console=ttyS0") if kernel else None,
        )

    def _boot_files(self, image: Image) -> tuple[Path | None, Path | None]:
        """Kernel and ramdisk for a direct boot, when the image names them (as cirros' do)."""
        paths: list[Path | None] = []
        for prop in ("kernel_id", "ramdisk_id"):
            ref = image.properties.get(prop)
            if not ref:
                paths.append(None)
                continue
            part = self.images.find(ref)
            paths.append(cached_base(self.host.host_dir, part.id, self.images.file(part)))
        return paths[0], paths[1]

    def nic_spec(self, port: Port) -> domain_xml.NicSpec:
        """The guest's NIC for ``port``, as its definition has it (for a hot plug)."""
        return self._nic_spec(port)

    def _nic_spec(self, port: Port) -> domain_xml.NicSpec:
        network = self.store.get(Network, port.network_id)
        return domain_xml.NicSpec(
            mac=port.mac_address,
            bridge=self.host.names.bridge(port.network_id),
            tap_name=self.host.names.tap(port.id),
            mtu=network.mtu if network else None,
        )

    def _config_drive_spec(
        self,
        server: Server,
        public_keys: dict[str, str],
        user_data: bytes | None,
    ) -> configdrive.ConfigDriveSpec:
        # What the metadata service tells the guest too: one reading of the records.
        return metadata_records.instance_metadata(self.store, server, public_keys=public_keys,
                                                  user_data=user_data)
