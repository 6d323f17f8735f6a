"""Glance's interoperable image import on the local store: stage, then import.

Glance runs an import as a task after answering 202; here the import runs within the request
(there is no task daemon), so ``importing`` is never seen. An import claims the staged data
by renaming it to a name with its PID; one killed mid-way leaves the image ``uploading`` and
its claim behind, which the next import takes over once the claimer is gone (Glance busts a
stale import lock likewise; a live claim is its 409). What an import does and
refuses follows glance/api/v2/images.py ``import_image``, image_data.py ``stage`` and
glance/async_/flows/api_image_import.py:

- ``glance-direct``: the staged data (``<state dir>/image-staging/<id>``) is checked and
  moved into the store exactly as an upload is (``Images.publish``);
- ``web-download``: the command itself fetches the URI (after Glance's URI filtering, which
  every redirect must pass too) into the staging area, then the same.

A failed import (the data refused, the URI unreachable) leaves the image ``queued``, its
staged data removed and ``os_glance_failed_import`` naming the store, as Glance's reverted
flow does; the request itself succeeded (Glance's 202).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import urllib.parse
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ostack_cli.backend.local import image_files
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image, ImageImportRequest, ImageSpec
from ostack_cli.errors import BadRequest, Conflict, NotFound, OstackError
from ostack_cli.state.liveness import CLAIM_SLACK, started_at

if TYPE_CHECKING:
    from ostack_cli.backend.local.images import Images

LOG = logging.getLogger(__name__)

# What the local Glance enables (its ``enabled_import_methods``): one store and one region,
# so neither copy-image (to another store) nor glance-download (from another region).
IMPORT_METHODS = ("glance-direct", "web-download")
# The one store's ID, as Glance (multistore, one ``fs`` store) names it in
# os_glance_failed_import.
STORE_ID = "fs"
IMPORTING_KEY = "os_glance_importing_to_stores"
FAILED_KEY = "os_glance_failed_import"
# Glance's [import_filtering_opts] defaults; OSTACK_IMPORT_ALLOWED_PORTS (comma-separated)
# is its allowed_ports.
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_ALLOWED_PORTS = (80, 443)
FETCH_TIMEOUT = 60


class ImportFailed(OstackError):
    """The import could not bring the data in (Glance's failed task)."""


def allowed_ports() -> tuple[int, ...]:
    text = os.environ.get("OSTACK_IMPORT_ALLOWED_PORTS")
    if not text:
        return DEFAULT_ALLOWED_PORTS
    return tuple(int(p) for p in text.split(",") if p.strip().isdigit())


def uri_allowed(uri: str | None) -> bool:
    """Glance's ``validate_import_uri`` with its default filters (http/https, ports)."""
    if not uri:
        return False
    parsed = urllib.parse.urlparse(uri)
    try:
        port = parsed.port
    except ValueError:
        return False
    if parsed.scheme not in ALLOWED_SCHEMES or not parsed.hostname:
        return False
    return not (port and port not in allowed_ports())


class ImageImports:
    def __init__(self, context: ServiceContext, images: Images) -> None:
        self.context = context
        self.store = context.store
        self.images = images

    def methods(self) -> list[str]:
        return list(IMPORT_METHODS)

    # -- stage -------------------------------------------------------------------------------

    def stage(self, image: Image, data: IO[bytes]) -> Image:
        """Glance's ``PUT /v2/images/{id}/stage``: the data waits, the image is ``uploading``."""
        self._check_may_modify(image)
        _check_stageable(image)
        directory = image_files.staging_dir(self.context.state_dir)
        image_files.sweep_stale_uploads(directory)
        staged = image_files.stage(directory, data)
        try:
            with self.store.transaction():
                current = self._current(image)
                _check_stageable(current)
                image = current.replace(status="uploading", size=staged.size,
                                        updated_at=utcnow())
                self.store.update(image)
                image_files.publish(staged.path,
                                    image_files.staged_path(self.context.state_dir, image.id))
        finally:
            staged.path.unlink(missing_ok=True)
        return image

    # -- import ------------------------------------------------------------------------------

    def import_image(self, image: Image, request: ImageImportRequest) -> Image:
        """Glance's ``POST /v2/images/{id}/import``, run to its end."""
        method, uri = request.method, request.uri
        if method not in IMPORT_METHODS:
            raise BadRequest(f"Unknown import method name '{method}'.")
        _check_importable(image, method)
        self._check_may_modify(image)
        for store in request.stores or []:
            if store != STORE_ID:
                # glance_store's UnknownScheme, which Glance answers with 409.
                raise Conflict(f"Unknown scheme '{store}' found in URI")
        if method == "web-download" and not uri_allowed(uri):
            raise BadRequest(f"URI for web-download does not pass filtering: {uri}")
        from_status = image.status
        try:
            if method == "glance-direct":
                staged = self._claim_staged(image)
            else:
                assert uri is not None
                staged = _fetch(uri, image_files.staging_dir(self.context.state_dir))
        except ImportFailed as exc:
            return self._failed(image, from_status, exc)
        try:
            return self.images.publish(
                image, staged, from_status=from_status, transition="importing",
                properties={IMPORTING_KEY: "", FAILED_KEY: ""})
        except image_files.ImageRefused as exc:
            return self._failed(image, from_status, exc)

    def create(self, spec: ImageSpec, data: IO[bytes]) -> Image:
        """``create_image(use_import=True)`` as openstacksdk does it: create, stage, import
        with glance-direct; the image is deleted if staging or the import request fails."""
        image = self.images.create(spec)
        try:
            image = self.stage(image, data)
        except BaseException:
            current = self.store.get(Image, image.id)
            if current is not None:
                self.images.delete(current)
            raise
        with contextlib.suppress(BadRequest, Conflict, NotFound):
            # openstacksdk does not look at the import request's answer either.
            image = self.import_image(image, ImageImportRequest(method="glance-direct"))
        return image

    def _check_may_modify(self, image: Image) -> None:
        # Glance's modify_image, which stage and import check: the owner, or an admin.
        if not self.context.is_admin:
            self.images.check_owner(image, "modify_image")

    def _current(self, image: Image) -> Image:
        current = self.store.get(Image, image.id)
        if current is None:
            raise NotFound(f"No image found with ID {image.id}")
        return current

    def _claim_staged(self, image: Image) -> image_files.StagedData:
        """The staged data, renamed to this process's claim so one import owns it."""
        path = image_files.staged_path(self.context.state_dir, image.id)
        claimed = image_files.claim_path(self.context.state_dir, image.id, os.getpid(),
                                         int(time.time()))
        try:
            os.replace(path, claimed)
        except FileNotFoundError:
            self._take_over(image, claimed)
        try:
            return image_files.digest(claimed)
        except BaseException:
            claimed.unlink(missing_ok=True)
            raise

    def _take_over(self, image: Image, claimed: Path) -> None:
        """Nothing staged: another import holds the data (Glance's import lock, the 409), or
        a process killed mid-import left it behind, in its claim or already renamed into the
        store without its record committed. Glance busts a stale lock; here a dead claimer
        is certain, so its data becomes this import's."""
        busy = Conflict(f"New operation on image '{image.id}' is not permitted as prior "
                        "operation is still in progress")
        with self.store.transaction():  # waits out a publish that is committing
            if self._current(image).status != "uploading":
                raise busy
            for path, pid, claimed_at in image_files.claims(self.context.state_dir, image.id):
                if _claimer_alive(pid, claimed_at):
                    raise busy
                with contextlib.suppress(FileNotFoundError):
                    os.replace(path, claimed)
                    LOG.debug("Took over the import of image %s from process %d, gone",
                              image.id, pid)
                    return
            # Renamed into the store by a publish whose record never committed.
            with contextlib.suppress(FileNotFoundError):
                os.replace(image_files.image_path(self.context.state_dir, image.id), claimed)
                return
        raise ImportFailed("The staged data is gone: stage the image again")

    def _failed(self, image: Image, from_status: str, reason: Exception) -> Image:
        """Glance's reverted import: back to ``queued``, no data, the store marked failed."""
        # Glance keeps the reason in the import task's message; there is no task here.
        LOG.debug("The import of image %s failed: %s", image.id, reason)
        with self.store.transaction():
            current = self._current(image)
            if current.status != from_status:
                return current
            current = current.replace(
                status="queued", size=None, virtual_size=None, checksum=None,
                hash_algo=None, hash_value=None, updated_at=utcnow(),
                properties={**current.properties, IMPORTING_KEY: "", FAILED_KEY: STORE_ID})
            self.store.update(current)
        image_files.staged_path(self.context.state_dir, image.id).unlink(missing_ok=True)
        return current


def _claimer_alive(pid: int, claimed_at: int) -> bool:
    # Its PID alone is not enough: PIDs are reused, so the process must predate the claim.
    started = started_at(pid)
    return started is not None and started <= claimed_at + CLAIM_SLACK


def _check_stageable(image: Image) -> None:
    if image.status != "queued":
        raise Conflict(f"Image status transition from {image.status} to uploading is not "
                       "allowed")


def _check_importable(image: Image, method: str) -> None:
    """The refusals of Glance's ``import_image``, in its order."""
    if image.status == "active":
        raise Conflict("Image with status active cannot be target for import")
    if image.status != "queued" and method == "web-download":
        raise Conflict(f"Image needs to be in 'queued' state to use '{method}' method")
    if image.status != "uploading" and method == "glance-direct":
        raise Conflict("Image needs to be staged before 'glance-direct' method can be used")
    if not image.container_format:
        raise Conflict("'container_format' needs to be set before import")
    if not image.disk_format:
        raise Conflict("'disk_format' needs to be set before import")


def _fetch(uri: str, directory: Path) -> image_files.StagedData:
    """Glance's web-download: the URI's data into the staging area (hashed as it comes)."""
    import urllib.error
    import urllib.request

    class FilteredRedirects(urllib.request.HTTPRedirectHandler):
        # A redirect must pass the same filtering as the URI the user gave.
        def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                             msg: str, headers: Any, newurl: str
                             ) -> urllib.request.Request | None:
            if not uri_allowed(newurl):
                raise ImportFailed(f"URI for web-download does not pass filtering: {newurl}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    image_files.sweep_stale_uploads(directory)
    opener = urllib.request.build_opener(FilteredRedirects())
    try:
        with opener.open(uri, timeout=FETCH_TIMEOUT) as response:
            return image_files.stage(directory, response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ImportFailed(f"Could not download {uri}: {exc}") from None
