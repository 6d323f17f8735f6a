"""What every service of the local backend shares: the store, the acting project, the host."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ostack_cli.backend.local.host import HostContext
from ostack_cli.backend.models import ResourceT
from ostack_cli.errors import duplicate, not_found
from ostack_cli.state.store import Store


@dataclasses.dataclass(frozen=True)
class ServiceContext:
    store: Store
    state_dir: Path
    project_id: str  # the acting project: what it owns and sees is what commands show
    user_id: str
    host: HostContext
    # Whether the acting user holds the admin role (or one implying it) on the acting
    # project (backend/local/authn.py): the one property every policy check reads. Admins
    # pass the services' admin-only rules, and Neutron shows them every project's resources.
    is_admin: bool = False

    def find(
        self,
        model: type[ResourceT],
        name_or_id: str,
        *,
        visible: Callable[[ResourceT], bool] | None = None,
    ) -> ResourceT:
        """openstacksdk's ``find``: the ID first, then an exact, unique name."""
        by_id = self.store.get(model, name_or_id)
        if by_id is not None and (visible is None or visible(by_id)):
            return by_id
        matches = [
            r for r in self.store.list(model, name=name_or_id) if visible is None or visible(r)
        ]
        if not matches:
            raise not_found(model.RESOURCE_NAME, name_or_id)
        if len(matches) > 1:
            raise duplicate(model.RESOURCE_NAME, name_or_id)
        return matches[0]

    def close(self) -> None:
        self.host.close()
        self.store.close()
