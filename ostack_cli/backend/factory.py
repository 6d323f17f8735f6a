"""Build the backend an invocation asked for; heavy modules are imported only here."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.base import Backend
from ostack_cli.config import LOCAL, select_backend
from ostack_cli.errors import BackendUnavailable


def make_backend(options: Any) -> Backend:
    selection = select_backend(options)
    if selection.backend == LOCAL:
        from ostack_cli.backend.local import LocalBackend

        return LocalBackend.open(project_name=selection.project_name)
    what = f"cloud '{selection.cloud_name}'" if selection.cloud_name else "OS_AUTH_URL"
    raise BackendUnavailable(
        f"The cloud backend ({what}) is not available in this version of ostack.",
        "Unset OS_CLOUD/OS_AUTH_URL (or drop --os-cloud) to use the local backend, or give the "
        "clouds.yaml entry 'ostack_backend: local'.",
    )
