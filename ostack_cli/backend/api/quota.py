"""Quotas (Nova and Neutron), per project."""

from __future__ import annotations

from typing import Protocol


class QuotaAPI(Protocol):
    def quota_limits(self, project_id: str, *, defaults: bool = False) -> dict[str, int]:
        """Limits by the real client's resource names (``instances``, ``floating-ips``...)."""
        ...

    def quota_usage(self, project_id: str) -> dict[str, int]: ...

    def set_quotas(self, project_id: str, limits: dict[str, int]) -> None: ...
