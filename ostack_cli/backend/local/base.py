"""What every part of the local backend shares: the store, the acting project, look-ups."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ostack_cli.backend.models import ResourceT
from ostack_cli.errors import duplicate, not_found
from ostack_cli.state.store import Store


class LocalBase:
    """State shared by the local backend's parts (each part is a mixin on this)."""

    store: Store
    state_dir: Path
    project_id: str
    user_id: str

    def _find(
        self,
        model: type[ResourceT],
        name_or_id: str,
        *,
        visible: Callable[[ResourceT], bool] | None = None,
        match_name: Callable[[ResourceT, str], bool] | None = None,
    ) -> ResourceT:
        """openstacksdk's ``find``: the ID first, then an exact, unique name."""
        by_id = self.store.get(model, name_or_id)
        if by_id is not None and (visible is None or visible(by_id)):
            return by_id
        if match_name is None:
            candidates: Iterable[ResourceT] = self.store.list(model, name=name_or_id)
        else:
            candidates = (r for r in self.store.list(model) if match_name(r, name_or_id))
        matches = [r for r in candidates if visible is None or visible(r)]
        if not matches:
            raise not_found(model.RESOURCE_NAME, name_or_id)
        if len(matches) > 1:
            raise duplicate(model.RESOURCE_NAME, name_or_id)
        return matches[0]

    def _owned(self, resource: object) -> bool:
        return getattr(resource, "project_id", None) == self.project_id
