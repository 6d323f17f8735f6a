"""What a cloud says about itself: its services' API versions and extensions, its limits and
availability zones, every project's quota set, and the configuration the client runs with."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.discovery import (
    ApiVersion,
    AvailabilityZone,
    ClientConfiguration,
    Extension,
    Limits,
    ProjectQuotaSet,
)


class DiscoveryAPI(Protocol):
    def api_versions(
        self,
        *,
        service_type: str | None = None,
        interface: str | None = "public",
        region_name: str | None = None,
    ) -> list[ApiVersion]:
        """Every version of every service in the catalog (keystoneauth's
        ``get_all_version_data``), in the catalog's order. ``service_type``: one service, by
        its catalog type or a known alias of it; ``interface`` None: every interface."""
        ...

    def extensions(self, service: str) -> list[Extension]:
        """The extensions one API lists: ``compute``, ``network`` or ``volume``. Fails (an
        ``OstackError``) when that API cannot list them."""
        ...

    def find_extension(self, name_or_alias: str) -> Extension:
        """A Network API extension by alias, else by name (openstacksdk's ``find``:
        ``No Extension found for x``)."""
        ...

    def service_limits(self, project_id: str | None, *, reserved: bool = False) -> Limits:
        """The absolute and rate limits of compute, and of block storage where the cloud has
        it, for a project (None: the acting one)."""
        ...

    def find_project_id(self, name_or_id: str, *, domain: str | None = None) -> str:
        """A project's ID as the real client's ``find_project_id_sdk`` finds it for
        ``limits show``: the name or ID itself when the user may not look projects up; an
        empty ``CommandError`` when there is no such project (or domain)."""
        ...

    def availability_zones(self, service: str, *, details: bool = False) -> list[AvailabilityZone]:
        """The zones of ``compute``, ``network``, ``volume`` or ``share``. Compute zones come
        with their hosts when ``details`` is asked for and allowed. Fails (an ``OstackError``)
        when the service cannot list zones."""
        ...

    def project_quota_sets(self, service: str) -> list[ProjectQuotaSet]:
        """Each project's quota set of ``compute``, ``network`` or ``volume`` with that
        service's defaults (projects the service does not know are skipped, with a
        warning)."""
        ...

    def client_configuration(self) -> ClientConfiguration:
        """The configuration this invocation runs with."""
        ...
