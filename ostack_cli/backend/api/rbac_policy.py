"""Neutron's RBAC policies (``rbac-policies``)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.rbac_policy import RbacPolicy, RbacPolicySpec


class RbacPolicyAPI(Protocol):
    def rbac_policies(
        self,
        *,
        object_type: str | None = None,
        action: str | None = None,
        target_project_id: str | None = None,
    ) -> list[RbacPolicy]:
        """The policies the project owns or is the target of (an admin's: all)."""
        ...

    def find_rbac_policy(self, policy_id: str) -> RbacPolicy:
        """By ID only."""
        ...

    def create_rbac_policy(self, spec: RbacPolicySpec) -> RbacPolicy: ...

    def update_rbac_policy(self, policy: RbacPolicy, *, target_project_id: str) -> RbacPolicy: ...

    def delete_rbac_policy(self, policy: RbacPolicy) -> None: ...
