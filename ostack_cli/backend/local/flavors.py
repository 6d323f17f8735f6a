"""Flavors in the local store, with Nova's rules."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import nova_forbidden, require_nova_admin
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
from ostack_cli.errors import BadRequest, CommandError, Conflict
from ostack_cli.lazy import lazy_import
from ostack_cli.state.store import UniqueViolation

if TYPE_CHECKING:
    from ostack_cli.backend.local import nova_rules
else:  # its server models are not flavor list's to load
    nova_rules = lazy_import("ostack_cli.backend.local.nova_rules")

LOG = logging.getLogger("ostack")
# Nova's flavor ID (parameter_types.flavor_id, its pattern as its 400 quotes it).
FLAVOR_ID_RE = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")

# Nova's classic defaults (id, name, RAM MB, disk GB, vCPUs).
DEFAULT_FLAVORS = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 20, 1),
    ("3", "m1.medium", 4096, 40, 2),
    ("4", "m1.large", 8192, 80, 4),
    ("5", "m1.xlarge", 16384, 160, 8),
)


def default_flavors() -> list[Flavor]:
    now = utcnow()
    return [
        Flavor(id=fid, name=name, ram=ram, disk=disk, vcpus=vcpus, created_at=now)
        for fid, name, ram, disk, vcpus in DEFAULT_FLAVORS
    ]


class Flavors:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find_all(
        self,
        *,
        is_public: bool | None = True,
        min_disk: int | None = None,
        min_ram: int | None = None,
    ) -> list[Flavor]:
        result = []
        for flavor in self.store.list(Flavor):
            if not self._visible(flavor):
                continue
            if is_public is not None and flavor.is_public != is_public:
                continue
            if min_disk is not None and flavor.disk < min_disk:
                continue
            if min_ram is not None and flavor.ram < min_ram:
                continue
            result.append(flavor)
        # Nova lists flavors by flavorid.
        return sorted(result, key=lambda f: (len(f.id), f.id) if f.id.isdigit() else (99, f.id))

    def find(self, name_or_id: str) -> Flavor:
        return self.context.find(Flavor, name_or_id, visible=self._visible)

    def _visible(self, flavor: Flavor) -> bool:
        # Nova shows a project the public flavors and the private ones it was given.
        return (self.context.is_admin or flavor.is_public
                or self.context.project_id in flavor.access_project_ids)

    def create(self, spec: FlavorSpec) -> Flavor:
        require_nova_admin(self.context, "os_compute_api:os-flavor-manage:create")
        _check_flavor_spec(spec)
        flavor = Flavor(
            id=spec.id or new_id(),
            name=spec.name,
            ram=spec.ram,
            disk=spec.disk,
            ephemeral=spec.ephemeral,
            swap=spec.swap,
            vcpus=spec.vcpus,
            rxtx_factor=spec.rxtx_factor,
            is_public=spec.is_public,
            description=spec.description,
            extra_specs=dict(spec.extra_specs),
            access_project_ids=[] if spec.is_public else list(spec.project_ids),
            created_at=utcnow(),
        )
        with self.store.transaction():
            if self.store.get(Flavor, flavor.id) is not None:
                raise Conflict(f"Flavor with ID {flavor.id} already exists.")
            try:
                self.store.insert(flavor)
            except UniqueViolation:
                raise Conflict(f"Flavor with name {spec.name} already exists.") from None
        return flavor

    def delete(self, flavor: Flavor) -> None:
        require_nova_admin(self.context, "os_compute_api:os-flavor-manage:delete")
        with self.store.transaction():
            self.store.delete(Flavor, flavor.id)

    def update(
        self,
        flavor: Flavor,
        *,
        set_specs: dict[str, str] | None = None,
        unset_specs: list[str] | None = None,
        description: str | None = None,
        add_projects: list[str] | None = None,
        remove_projects: list[str] | None = None,
        **_: Any,
    ) -> Flavor:
        if not self.context.is_admin:
            _refuse_update(set_specs, unset_specs, description, add_projects, remove_projects)
        with self.store.transaction():
            current = self.store.get(Flavor, flavor.id) or flavor
            specs = dict(current.extra_specs)
            specs.update(set_specs or {})
            # openstacksdk's delete_flavor_extra_specs_property ignores a missing key (the
            # API's DELETE answers its 404 before it gets here).
            for key in unset_specs or []:
                specs.pop(key, None)
            projects = list(current.access_project_ids)
            if (add_projects or remove_projects) and current.is_public:
                raise Conflict("Can not add access to a public flavor.")
            for project in add_projects or []:
                if project in projects:
                    raise Conflict(
                        f"Flavor access already exists for flavor {current.id} and project "
                        f"{project} combination."
                    )
                projects.append(project)
            for project in remove_projects or []:
                if project not in projects:
                    raise BadRequest(
                        f"Flavor access not found for {current.id} / {project} combination."
                    )
                projects.remove(project)
            updated = current.replace(
                extra_specs=specs,
                access_project_ids=projects,
                description=current.description if description is None else description,
            )
            self.store.update(updated)
        return updated


def _refuse_update(
    set_specs: dict[str, str] | None,
    unset_specs: list[str] | None,
    description: str | None,
    add_projects: list[str] | None,
    remove_projects: list[str] | None,
) -> None:
    """Nova's policy refusing each change a member asked for, reported as the real client
    reports them: the description at once, the others one line each, then one failure."""
    if description:
        raise nova_forbidden("os_compute_api:os-flavor-manage:update")
    steps = [("Failed to unset flavor property: %s", "os-flavor-extra-specs:delete")
             for _ in unset_specs or []]
    if set_specs:
        steps.append(("Failed to set flavor properties: %s", "os-flavor-extra-specs:create"))
    steps += [("Failed to set flavor access to project: %s",
               "os-flavor-access:add_tenant_access") for _ in add_projects or []]
    steps += [("Failed to remove flavor access from project: %s",
               "os-flavor-access:remove_tenant_access") for _ in remove_projects or []]
    for message, rule in steps:
        LOG.error(message, nova_forbidden(f"os_compute_api:{rule}"))
    if steps:
        raise CommandError("Command Failed: One or more of the operations failed")


def _check_flavor_spec(spec: FlavorSpec) -> None:
    # Nova's API schema limits, with its messages.
    nova_rules.check_name(spec.name)
    for field, value, minimum in (
        ("ram", spec.ram, 1),
        ("vcpus", spec.vcpus, 1),
        ("disk", spec.disk, 0),
        ("OS-FLV-EXT-DATA:ephemeral", spec.ephemeral, 0),
        ("swap", spec.swap, 0),
    ):
        if value < minimum:
            raise BadRequest(
                f"Invalid input for field/attribute {field}. Value: {value}. "
                f"{value} is less than the minimum of {minimum}"
            )
        if value > 2**31 - 1:
            raise BadRequest(
                f"Invalid input for field/attribute {field}. Value: {value}. "
                f"{value} is greater than the maximum of {2**31 - 1}"
            )
    if spec.rxtx_factor <= 0:
        raise BadRequest(
            f"Invalid input for field/attribute rxtx_factor. Value: {spec.rxtx_factor}."
        )
    if spec.id is not None and len(spec.id) > 255:
        raise BadRequest(f"Invalid input for field/attribute id. Value: {spec.id}. "
                         f"{spec.id!r} is too long")
    if spec.id is not None and not FLAVOR_ID_RE.match(spec.id):
        raise BadRequest(f"Invalid input for field/attribute id. Value: {spec.id}. "
                         f"{spec.id!r} does not match {FLAVOR_ID_RE.pattern!r}")
