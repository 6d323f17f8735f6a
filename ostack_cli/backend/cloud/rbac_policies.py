"""Neutron's RBAC policies through openstacksdk's network proxy, as the real client calls
it (``target_tenant`` is the SDK's name for the target project)."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network import NeutronBase
from ostack_cli.backend.cloud.network_map import present
from ostack_cli.backend.models.rbac_policy import RbacPolicy, RbacPolicySpec


def rbac_policy_from_sdk(res: Any) -> RbacPolicy:
    return RbacPolicy(id=res.id, project_id=res.project_id, object_type=res.object_type,
                      object_id=res.object_id, action=res.action,
                      target_project_id=res.target_project_id)


@translate_errors
class CloudRbacPolicies(NeutronBase):
    def rbac_policies(
        self,
        *,
        object_type: str | None = None,
        action: str | None = None,
        target_project_id: str | None = None,
    ) -> list[RbacPolicy]:
        query = present(object_type=object_type, action=action,
                        target_project_id=target_project_id)
        return [rbac_policy_from_sdk(p) for p in self.conn.network.rbac_policies(**query)]

    def find_rbac_policy(self, policy_id: str) -> RbacPolicy:
        return rbac_policy_from_sdk(
            self.conn.network.find_rbac_policy(policy_id, ignore_missing=False))

    def create_rbac_policy(self, spec: RbacPolicySpec) -> RbacPolicy:
        attrs = present(object_type=spec.object_type, object_id=spec.object_id,
                        action=spec.action, target_tenant=spec.target_project_id,
                        project_id=spec.project_id)
        return rbac_policy_from_sdk(self.conn.network.create_rbac_policy(**attrs))

    def update_rbac_policy(self, policy: RbacPolicy, *, target_project_id: str) -> RbacPolicy:
        return rbac_policy_from_sdk(self.conn.network.update_rbac_policy(
            policy.id, target_tenant=target_project_id))

    def delete_rbac_policy(self, policy: RbacPolicy) -> None:
        self.conn.network.delete_rbac_policy(policy.id)
