"""Keystone's trusts through openstacksdk's identity proxy, as the real client calls it."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.trust import Trust, TrustSpec


def trust_from_sdk(trust: Any) -> Trust:
    return Trust(
        id=trust.id,
        trustor_user_id=trust.trustor_user_id or "",
        trustee_user_id=trust.trustee_user_id or "",
        project_id=trust.project_id,
        impersonation=bool(trust.is_impersonation),
        expires_at=trust.expires_at,
        remaining_uses=trust.remaining_uses,
        redelegated_trust_id=trust.redelegated_trust_id,
        redelegation_count=trust.redelegation_count,
        roles=list(trust.roles) if trust.roles is not None else None,
    )


@translate_errors
class CloudTrusts(CloudBase):
    @property
    def _trusts_proxy(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    def trusts(self, *, trustor_user_id: str | None = None,
               trustee_user_id: str | None = None) -> list[Trust]:
        return [trust_from_sdk(t) for t in self._trusts_proxy.trusts(
            trustor_user_id=trustor_user_id, trustee_user_id=trustee_user_id)]

    def find_trust(self, trust_id: str) -> Trust:
        return trust_from_sdk(self._trusts_proxy.find_trust(trust_id, ignore_missing=False))

    def create_trust(self, spec: TrustSpec) -> Trust:
        attrs: dict[str, Any] = {
            "trustor_user_id": spec.trustor_user_id, "trustee_user_id": spec.trustee_user_id,
            "project_id": spec.project_id, "roles": list(spec.roles),
            "impersonation": spec.impersonation}
        if spec.expires_at is not None:
            attrs["expires_at"] = spec.expires_at
        if spec.remaining_uses is not None:
            attrs["remaining_uses"] = spec.remaining_uses
        return trust_from_sdk(self._trusts_proxy.create_trust(**attrs))

    def delete_trust(self, trust: Trust) -> None:
        self._trusts_proxy.delete_trust(trust.id)
