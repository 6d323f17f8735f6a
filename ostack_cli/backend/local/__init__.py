"""The local backend: the control plane of one host, state in SQLite."""

from __future__ import annotations

from pathlib import Path

from ostack_cli.backend.local.compute import default_flavors
from ostack_cli.backend.local.host import HostContext
from ostack_cli.backend.local.host_sync import LocalHostSync
from ostack_cli.backend.local.identity import LocalIdentity, default_projects
from ostack_cli.backend.local.server_actions import LocalServerActions
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.identity import Project
from ostack_cli.errors import NotFound
from ostack_cli.state.paths import state_dir as default_state_dir
from ostack_cli.state.store import Store

DEFAULT_PROJECT = "admin"
SEEDED_SETTING = "seeded"


class LocalBackend(LocalServerActions, LocalHostSync, LocalIdentity):
    """Every local mixin: servers bring flavors, images, keypairs, networking, security
    groups and quotas along (they use them all)."""

    def __init__(self, store: Store, state_dir: Path, project_id: str, user_id: str) -> None:
        self.store = store
        self.state_dir = state_dir
        self.project_id = project_id
        self.user_id = user_id
        self.host = HostContext(state_dir, store)

    @classmethod
    def open(
        cls, *, project_name: str | None = None, state_dir: Path | None = None
    ) -> LocalBackend:
        directory = state_dir or default_state_dir()
        store = Store(directory / "state.db")
        try:
            user_id = seed(store)
            project = _acting_project(store, project_name or DEFAULT_PROJECT)
        except BaseException:
            store.close()
            raise
        return cls(store, directory, project.id, user_id)


def seed(store: Store) -> str:
    """Put a fresh store's defaults in place, once; returns the local user's ID."""
    user_id = store.get_setting("user_id")
    if user_id is not None and store.get_setting(SEEDED_SETTING) is not None:
        return user_id
    with store.transaction():
        user_id = store.get_setting("user_id")
        if user_id is None:
            user_id = new_id().replace("-", "")
            store.set_setting("user_id", user_id)
        if store.get_setting(SEEDED_SETTING) is None:
            for project in default_projects():
                store.insert(project)
            for flavor in default_flavors():
                store.insert(flavor)
            store.set_setting(SEEDED_SETTING, "1")
    return user_id


def _acting_project(store: Store, name_or_id: str) -> Project:
    found = store.get(Project, name_or_id) or next(iter(store.list(Project, name=name_or_id)), None)
    if found is None:
        raise NotFound(
            f"No Project found for {name_or_id}",
            "Pick an existing project with --os-project-name (see 'ostack project list').",
        )
    return found


__all__ = ["Flavor", "LocalBackend"]
