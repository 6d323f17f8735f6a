"""Flavors through Nova (openstacksdk's compute proxy), call for call as the real client."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.compute.v2 import flavor as sdk_flavor

from ostack_cli.backend.cloud.base import LOG, CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
from ostack_cli.errors import CommandError

PARTIAL_FAILURE = "Command Failed: One or more of the operations failed"


def flavor_from_sdk(
    flavor: sdk_flavor.Flavor, access_project_ids: list[str] | None = None
) -> Flavor:
    """ostack's model of an SDK flavor; values keep the types openstacksdk gives them."""
    return Flavor(
        id=flavor.id,
        name=flavor.name,
        ram=flavor.ram,
        disk=flavor.disk,
        ephemeral=flavor.ephemeral,
        swap=flavor.swap,
        vcpus=flavor.vcpus,
        rxtx_factor=flavor.rxtx_factor,
        is_public=flavor.is_public,
        is_disabled=flavor.is_disabled,
        description=flavor.description,
        extra_specs=dict(flavor.extra_specs or {}),
        access_project_ids=list(access_project_ids or []),
    )


@translate_errors
class CloudFlavors(CloudBase):
    def flavors(
        self,
        *,
        is_public: bool | None = True,
        min_disk: int | None = None,
        min_ram: int | None = None,
    ) -> list[Flavor]:
        query: dict[str, Any] = {"is_public": is_public}
        if min_disk:
            query["min_disk"] = min_disk
        if min_ram:
            query["min_ram"] = min_ram
        found = [flavor_from_sdk(f) for f in self.conn.compute.flavors(**query)]
        if is_public is not False and not min_disk and not min_ram:
            self._cache_list("flavor", found)
        return found

    def find_flavor(self, name_or_id: str) -> Flavor:
        compute = self.conn.compute
        flavor = compute.find_flavor(name_or_id, ignore_missing=False, get_extra_specs=True)
        access = None
        if not flavor.is_public:
            try:
                access = [str(a["tenant_id"]) for a in compute.get_flavor_access(flavor.id)]
            except Exception as exc:
                # The real client shows the flavor anyway.
                LOG.error(
                    "Failed to get access projects list for flavor '%s': %s", name_or_id, exc
                )
        return flavor_from_sdk(flavor, access)

    def create_flavor(self, spec: FlavorSpec) -> Flavor:
        compute = self.conn.compute
        args: dict[str, Any] = {
            "name": spec.name,
            "ram": spec.ram,
            "vcpus": spec.vcpus,
            "disk": spec.disk,
            "id": spec.id,
            "ephemeral": spec.ephemeral,
            "swap": spec.swap,
            "is_public": spec.is_public,
        }
        if spec.rxtx_factor != 1.0:
            if sdk_utils.supports_microversion(compute, "2.102"):
                raise CommandError(
                    "The --rxtx-factor parameter is only supported until API microversion 2.101"
                )
            args["rxtx_factor"] = spec.rxtx_factor
        if spec.description:
            if not sdk_utils.supports_microversion(compute, "2.55"):
                raise CommandError(
                    "The --description parameter requires server support for API "
                    "microversion 2.55"
                )
            args["description"] = spec.description
        flavor = compute.create_flavor(**args)
        for project_id in spec.project_ids:
            try:
                compute.flavor_add_tenant_access(flavor.id, project_id)
            except Exception as exc:
                LOG.error("Failed to add project %s access to flavor: %s", project_id, exc)
        if spec.extra_specs:
            try:
                flavor = compute.create_flavor_extra_specs(flavor, dict(spec.extra_specs))
            except Exception as exc:
                LOG.error("Failed to set flavor properties: %s", exc)
        return flavor_from_sdk(flavor, list(spec.project_ids))

    def delete_flavor(self, flavor: Flavor) -> None:
        self.conn.compute.delete_flavor(flavor.id)

    def update_flavor(
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
        compute = self.conn.compute
        if description:
            if not sdk_utils.supports_microversion(compute, "2.55"):
                raise CommandError(
                    "The --description parameter requires server support for API "
                    "microversion 2.55"
                )
            compute.update_flavor(flavor=flavor.id, description=description)
        # Like the real client: try every requested change, log each failure, fail at the end.
        steps: list[tuple[str, Any]] = []
        steps += [
            ("Failed to unset flavor property: %s",
             lambda key=key: compute.delete_flavor_extra_specs_property(flavor.id, key))
            for key in unset_specs or []
        ]
        if set_specs:
            steps.append(("Failed to set flavor properties: %s",
                          lambda: compute.create_flavor_extra_specs(flavor.id, dict(set_specs))))
        steps += [
            ("Failed to set flavor access to project: %s",
             lambda p=p: compute.flavor_add_tenant_access(flavor.id, p))
            for p in add_projects or []
        ]
        steps += [
            ("Failed to remove flavor access from project: %s",
             lambda p=p: compute.flavor_remove_tenant_access(flavor.id, p))
            for p in remove_projects or []
        ]
        failed = 0
        for message, step in steps:
            try:
                step()
            except Exception as exc:
                LOG.error(message, exc)
                failed += 1
        if failed:
            raise CommandError(PARTIAL_FAILURE)
        specs = {k: v for k, v in flavor.extra_specs.items() if k not in (unset_specs or [])}
        specs.update(set_specs or {})
        projects = [p for p in flavor.access_project_ids if p not in (remove_projects or [])]
        projects += [p for p in add_projects or [] if p not in projects]
        return flavor.replace(
            extra_specs=specs,
            access_project_ids=projects,
            description=flavor.description if description is None else description,
        )
