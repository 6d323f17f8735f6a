"""Images in the local store and under the state directory, as Glance keeps them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ostack_cli.backend.local import glance_input, image_files
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.image import (
    Image,
    ImageChanges,
    ImageSpec,
    sdk_upload_properties,
)
from ostack_cli.backend.models.image_member import ImageMember, member_record_id
from ostack_cli.backend.models.network import BootstrapItem
from ostack_cli.errors import Conflict, Forbidden, NotFound

DEACTIVATED_DOWNLOAD = (
    "The requested image has been deactivated. Image data download is forbidden."
)
DEFAULT_IMAGE_DIR = "/var/cache/ostack/images"  # where tools/guest-image puts its build
IMAGE_NAME = "cirros"


def guest_image_dir() -> Path:
    return Path(os.environ.get("OSTACK_IMAGE_DIR", DEFAULT_IMAGE_DIR))


class Images:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading -------------------------------------------------------------------------

    def find_all(
        self,
        *,
        visibility: str | None = None,
        name: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        owner: str | None = None,
        is_hidden: bool = False,
        member_status: str | None = None,
    ) -> list[Image]:
        result = []
        for image in self.store.list(Image):
            if not self._listed(image, visibility, member_status or "accepted"):
                continue
            if image.is_hidden != is_hidden:
                continue
            if name is not None and image.name != name:
                continue
            if status is not None and image.status != status:
                continue
            if owner is not None and image.project_id != owner:
                continue
            if tags and not set(tags) <= set(image.tags):
                continue
            result.append(image)
        # Glance's default order: newest first, ID breaking ties.
        return sorted(result, key=lambda i: (i.created_at, i.id), reverse=True)

    def find(self, name_or_id: str) -> Image:
        by_id = self.store.get(Image, name_or_id)
        if by_id is not None and self._image_visible(by_id):
            return by_id
        # By name, openstacksdk searches Glance's default list, which leaves out the shared
        # images the project has not accepted and other projects' community images (they
        # are shown by ID only).
        return self.context.find(Image, name_or_id, visible=self._named)

    def _named(self, image: Image) -> bool:
        return self._listed(image, None, "accepted")

    def file(self, image: Image) -> Path:
        """Where the image's bytes are (what a guest's disk is built from)."""
        return image_files.image_path(self.context.state_dir, image.id)

    def data(self, image: Image, chunk_size: int = image_files.CHUNK) -> Iterator[bytes]:
        current = self.store.get(Image, image.id) or image
        if current.status == "deactivated":
            raise Forbidden(DEACTIVATED_DOWNLOAD)
        if current.status != "active":
            # Glance answers 204 No Content: there is nothing to download yet.
            return iter(())
        path = self.file(current)
        if not path.is_file():
            raise NotFound(
                f"The data of image {current.id} is missing from {path}.",
                "Delete the image and upload it again.",
            )
        return image_files.read_chunks(path, max(chunk_size, 1), current.hash_value)

    def check_owner(self, image: Image, action: str) -> None:
        # Glance's default policy: the owning project or an admin changes an image.
        if image.project_id != self.context.project_id and not self.context.is_admin:
            raise Forbidden(f"You are not authorized to complete {action} action.")

    def _membership(self, image: Image) -> ImageMember | None:
        """The acting project's membership of another project's shared image."""
        if image.visibility != "shared" or image.project_id == self.context.project_id:
            return None
        return self.store.get(ImageMember, member_record_id(image.id, self.context.project_id))

    def _image_visible(self, image: Image) -> bool:
        # Glance's is_image_visible: an admin sees every image, a member a shared image
        # whatever its answer.
        own = image.project_id == self.context.project_id or self.context.is_admin
        return (own or image.visibility in ("public", "community")
                or self._membership(image) is not None)

    def _listed(self, image: Image, visibility: str | None, member_status: str) -> bool:
        """Glance's ``_select_images_query``: public and community images, the project's
        own, and shared ones it is a member of with ``member_status`` ("all": any answer);
        then the visibility asked for. An admin's query has no such bounds."""
        own = image.project_id == self.context.project_id
        member = self._membership(image)
        as_member = member is not None and member_status in ("all", member.status)
        if not (own or as_member or self.context.is_admin
                or image.visibility in ("public", "community")):
            return False
        if visibility is None:
            # Glance's default list leaves out other projects' community images.
            return own or image.visibility != "community"
        return visibility == "all" or image.visibility == visibility

    # -- writing -------------------------------------------------------------------------

    def create(self, spec: ImageSpec, data: IO[bytes] | None = None) -> Image:
        """Glance's create + upload in one step; the upload is checked before anything is kept.

        ``data`` None makes a ``queued`` image without data, as Glance does.
        """
        glance_input.check_spec(spec)
        properties = glance_input.normalise_properties(spec.properties)
        # openstacksdk sets its keys after the caller's: a --property of the same name keeps
        # its place but takes the SDK's value.
        properties = {**properties, **sdk_upload_properties(spec.name)}
        glance_input.check_properties(properties)
        if spec.visibility == "public" and not self.context.is_admin:
            # Glance's default policy: only an admin publishes an image.
            raise Forbidden("403 Forbidden: You are not authorized to complete publicize_image "
                            "action.")
        image_id = spec.id or new_id()
        if self.store.get(Image, image_id) is not None:
            raise glance_input.duplicate_id(image_id)
        now = utcnow()
        image = Image(
            id=image_id,
            name=spec.name,
            project_id=spec.project_id or self.context.project_id,
            status="queued",
            visibility=spec.visibility or "shared",
            is_protected=bool(spec.is_protected),
            disk_format=spec.disk_format,
            container_format=spec.container_format,
            min_disk=spec.min_disk or 0,
            min_ram=spec.min_ram or 0,
            tags=glance_input.unique(spec.tags),
            properties=properties,
            created_at=now,
            updated_at=now,
        )
        if data is None:
            with self.store.transaction():
                if self.store.get(Image, image.id) is not None:
                    raise glance_input.duplicate_id(image.id)
                self.store.insert(image)
            return image
        return self._upload(image, data)

    def upload(self, image: Image, data: IO[bytes]) -> Image:
        """Glance's ``PUT /v2/images/{id}/file``: data for a ``queued`` image, read in
        chunks and checked before the image becomes ``active``."""
        self.check_owner(image, "upload_image")
        if image.status != "queued":
            raise Conflict(f"Image status transition from {image.status} to saving is not "
                           "allowed")
        return self._upload(image, data, existing=True)

    def _upload(self, image: Image, data: IO[bytes], *, existing: bool = False) -> Image:
        directory = image_files.images_dir(self.context.state_dir)
        image_files.sweep_stale_uploads(directory)
        staged = image_files.stage(directory, data)
        return self.publish(image, staged, from_status="queued" if existing else None)

    def publish(
        self,
        image: Image,
        staged: image_files.StagedData,
        *,
        from_status: str | None,
        transition: str = "saving",
        properties: dict[str, str] | None = None,
    ) -> Image:
        """Check data written to a private file and make it the image's: ``active``.

        The one path for uploads and imports. ``from_status`` None inserts a new record;
        otherwise the record must still be in that status (another upload or import may
        have won the race: Glance's 409). The file is removed whatever fails.
        """
        final = image_files.image_path(self.context.state_dir, image.id)
        published = False
        try:
            image_files.images_dir(self.context.state_dir)
            virtual_size = image_files.inspect(staged.path, image.disk_format or "raw")
            uploaded = {"status": "active", "size": staged.size, "virtual_size": virtual_size,
                        "checksum": staged.checksum, "hash_algo": image_files.HASH_ALGO,
                        "hash_value": staged.hash_value, "updated_at": utcnow()}
            image = image.replace(**uploaded)
            with self.store.transaction():
                current = self.store.get(Image, image.id)
                if from_status is not None:
                    if current is None:
                        raise NotFound(f"No image found with ID {image.id}")
                    if current.status != from_status:
                        raise Conflict(f"Image status transition from {current.status} to "
                                       f"{transition} is not allowed")
                    image = current.replace(
                        **uploaded, properties={**current.properties, **(properties or {})})
                    self.store.update(image)
                else:
                    if current is not None:
                        raise glance_input.duplicate_id(image.id)
                    self.store.insert(image)
                image_files.publish(staged.path, final)
                published = True
        except BaseException:
            staged.path.unlink(missing_ok=True)
            if published:
                # The rename happened but the record did not commit.
                final.unlink(missing_ok=True)
            raise
        return image

    def update(self, image: Image, changes: ImageChanges) -> Image:
        glance_input.check_changes(changes)
        set_properties = glance_input.normalise_properties(changes.set_properties)
        with self.store.transaction():
            current = self.store.get(Image, image.id)
            if current is None:
                raise NotFound(f"No image found with ID {image.id}")
            self.check_owner(current, "modify_image")
            if (changes.visibility == "public" and current.visibility != "public"
                    and not self.context.is_admin):
                # Glance refuses the PATCH with a bare 403 (no detail in its answer).
                raise Forbidden("Forbidden")
            updated = glance_input.apply_changes(current, changes, set_properties)
            if updated == current:
                return current
            updated = updated.replace(updated_at=utcnow())
            self.store.update(updated)
        return updated

    def delete(self, image: Image) -> None:
        with self.store.transaction():
            current = self.store.get(Image, image.id)
            if current is None:
                raise NotFound(f"No image found with ID {image.id}")
            self.check_owner(current, "delete_image")
            if current.is_protected:
                raise Forbidden(f"Image {current.id} is protected and cannot be deleted.")
            self.store.delete(Image, current.id)
            # Its memberships go with it, as Glance's image_destroy deletes its members.
            for member in self.store.list(ImageMember):
                if member.image_id == current.id:
                    self.store.delete(ImageMember, member.id)
        # After the commit: a crash here leaves an orphan file, never a record without data.
        self.file(current).unlink(missing_ok=True)
        image_files.staged_path(self.context.state_dir, current.id).unlink(missing_ok=True)
        for claim, _, _ in image_files.claims(self.context.state_dir, current.id):
            claim.unlink(missing_ok=True)

    # -- the project's test image ------------------------------------------------------

    def register_test_image(self) -> list[BootstrapItem]:
        """Register ``cirros`` from the built test image, once; nothing if it is not built.

        As cirros' own images come: a disk plus a kernel and a ramdisk (Glance's aki/ari), so
        guests boot the kernel directly (about three times faster under TCG than through the
        disk's bootloader).
        """
        directory = guest_image_dir()
        disk = directory / "ostack-test.qcow2"
        if not disk.exists():
            return []
        existing = self.find_all(name=IMAGE_NAME)
        if existing:
            return [BootstrapItem(resource="Image", name=IMAGE_NAME, id=existing[0].id,
                                  created=False)]
        parts = []
        for suffix, fmt, name in (("vmlinux", "aki", f"{IMAGE_NAME}-kernel"),
                                  ("initrd", "ari", f"{IMAGE_NAME}-ramdisk")):
            with open(directory / f"ostack-test.{suffix}", "rb") as data:
                parts.append(self.create(
                    ImageSpec(name=name, disk_format=fmt, container_format=fmt,
                              visibility="public"), data))
        with open(disk, "rb") as data:
            image = self.create(ImageSpec(
                name=IMAGE_NAME, disk_format="qcow2", container_format="bare",
                visibility="public",
                properties={"kernel_id": parts[0].id, "ramdisk_id": parts[1].id,
                            "os_command_line": "console=ttyS0"},
            ), data)
        return [BootstrapItem(resource="Image", name=i.name, id=i.id, created=True)
                for i in (*parts, image)]
