"""Build the backend an invocation asked for; heavy modules are imported only here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ostack_cli.config import LOCAL, select_backend

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend


def make_backend(options: Any) -> Backend:
    selection = select_backend(options)
    if selection.backend == LOCAL:
        from ostack_cli.backend.local import LocalBackend

        return LocalBackend.open(
            project_name=selection.project_name,
            username=selection.username,
            password=selection.password,
        )
    # openstacksdk and keystoneauth load only here, when a cloud is really used.
    from ostack_cli.backend.cloud import CloudBackend

    return CloudBackend.open(selection, options)
