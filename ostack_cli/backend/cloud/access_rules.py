"""Keystone's access rules through openstacksdk's identity proxy, for the user the connection
authenticated as (the real client's ``auth.get_user_id``)."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.application_credential import AccessRule
from ostack_cli.errors import CommandError


def access_rule_from_sdk(rule: Any) -> AccessRule:
    return AccessRule(id=rule.id, user_id=rule.user_id or "", service=rule.service,
                      path=rule.path, method=rule.method)


@translate_errors
class CloudAccessRules(CloudBase):
    @property
    def _access_rules_proxy(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    @property
    def _access_rule_owner_id(self) -> str:
        user_id = self.conn.current_user_id
        if user_id is None:
            raise CommandError("invalid authentication info")
        return str(user_id)

    def access_rules(self) -> list[AccessRule]:
        return [access_rule_from_sdk(r) for r in self._access_rules_proxy.access_rules(
            user=self._access_rule_owner_id)]

    def get_access_rule(self, rule_id: str) -> AccessRule:
        return access_rule_from_sdk(self._access_rules_proxy.get_access_rule(
            self._access_rule_owner_id, rule_id))

    def delete_access_rule(self, rule: AccessRule) -> None:
        self._access_rules_proxy.delete_access_rule(self._access_rule_owner_id, rule.id)
