"""Keystone application credentials through openstacksdk's identity proxy, for the user the
connection authenticated as (the real client's ``auth.get_user_id``)."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.application_credential import (
    ApplicationCredential,
    ApplicationCredentialSpec,
)
from ostack_cli.errors import CommandError


def application_credential_from_sdk(credential: Any) -> ApplicationCredential:
    return ApplicationCredential(
        id=credential.id,
        name=credential.name,
        user_id=credential.user_id or "",
        project_id=credential.project_id,
        description=credential.description,
        expires_at=credential.expires_at,
        unrestricted=credential.unrestricted,
        roles=list(credential.roles or []),
        access_rules=credential.access_rules,
        secret=credential.secret,
    )


@translate_errors
class CloudApplicationCredentials(CloudBase):
    @property
    def _credentials_proxy(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    @property
    def _credential_owner_id(self) -> str:
        # The session's own user, as the real client's ``auth.get_user_id`` reads it.
        user_id = self.conn.current_user_id
        if user_id is None:
            raise CommandError("failed to retrieve auth info for current session")
        return str(user_id)

    def application_credentials(self, *, user_id: str | None = None
                                ) -> list[ApplicationCredential]:
        user = user_id or self._credential_owner_id
        found = [application_credential_from_sdk(c)
                 for c in self._credentials_proxy.application_credentials(user=user)]
        if user_id is None:
            # What show and delete can find: the acting user's own.
            self._cache_list("application_credential", found)
        return found

    def find_application_credential(self, name_or_id: str) -> ApplicationCredential:
        found = self._credentials_proxy.find_application_credential(
            self._credential_owner_id, name_or_id, ignore_missing=False)
        return application_credential_from_sdk(found)

    def create_application_credential(self, spec: ApplicationCredentialSpec
                                      ) -> ApplicationCredential:
        created = self._credentials_proxy.create_application_credential(
            self._credential_owner_id, spec.name, roles=list(spec.roles),
            expires_at=spec.expires_at, description=spec.description, secret=spec.secret,
            unrestricted=spec.unrestricted, access_rules=spec.access_rules)
        return application_credential_from_sdk(created)

    def delete_application_credential(self, credential: ApplicationCredential) -> None:
        self._credentials_proxy.delete_application_credential(self._credential_owner_id,
                                                               credential.id)
