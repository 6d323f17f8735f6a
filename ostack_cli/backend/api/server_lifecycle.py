"""The server actions that touch a guest's disk: shelve, rescue, rebuild, resize, snapshots
and backups (Nova)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ostack_cli.backend.models.image import Image
    from ostack_cli.backend.models.server import Server


class Unset:
    """An optional request field that was not given (where None means "clear it")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


@dataclasses.dataclass(frozen=True, kw_only=True)
class RebuildSpec:
    """What ``server rebuild`` asks for; ``set_*`` say whether the request names a field
    that None would clear (``--no-key-name``, ``--no-user-data``, ...)."""

    image_id: str
    name: str | None = None
    password: str | None = None
    metadata: dict[str, str] | None = None
    description: str | None = None
    preserve_ephemeral: bool | None = None
    set_key_name: bool = False
    key_name: str | None = None
    set_user_data: bool = False
    user_data: bytes | None = None
    set_trusted_image_certificates: bool = False
    trusted_image_certificates: list[str] | None = None
    hostname: str | None = None


class ServerLifecycleAPI(Protocol):
    def shelve_server(self, server: Server) -> None: ...

    def shelve_offload_server(self, server: Server) -> None: ...

    def unshelve_server(
        self, server: Server, *, availability_zone: str | Unset | None = UNSET,
        host: str | None = None,
    ) -> None:
        """``availability_zone`` None unpins the server from its zone."""
        ...

    def rescue_server(
        self, server: Server, *, image_id: str | None = None, password: str | None = None
    ) -> None: ...

    def unrescue_server(self, server: Server) -> None: ...

    def rebuild_server(self, server: Server, spec: RebuildSpec) -> Server:
        """The server as Nova's rebuild answer shows it, ``admin_pass`` included."""
        ...

    def resize_server(self, server: Server, flavor_id: str) -> None: ...

    def confirm_server_resize(self, server: Server) -> None: ...

    def revert_server_resize(self, server: Server) -> None: ...

    def create_server_image(
        self, server: Server, name: str, properties: dict[str, str] | None = None
    ) -> Image:
        """Nova's createImage; the new image (queued on a cloud until its data is in)."""
        ...

    def backup_server(self, server: Server, name: str, backup_type: str,
                      rotation: int) -> None: ...

    def wait_for_image(
        self, image_id: str, *, callback: Callable[[int], None] | None = None
    ) -> Image:
        """Poll until the image is active (or failed: ``killed``/``deleted``...)."""
        ...
