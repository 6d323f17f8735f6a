"""Keypairs through Nova (openstacksdk's compute proxy), as the real client calls them."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack import utils as sdk_utils
from openstack.compute.v2 import keypair as sdk_keypair

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.keypair import KEYPAIR_TYPE_SSH, Keypair
from ostack_cli.errors import CommandError


def keypair_from_sdk(keypair: sdk_keypair.Keypair) -> Keypair:
    return Keypair(
        id=keypair.name,
        name=keypair.name,
        user_id=keypair.user_id,
        public_key=keypair.public_key,
        fingerprint=keypair.fingerprint,
        type=keypair.type,
        created_at=keypair.created_at,
    )


@translate_errors
class CloudKeypairs(CloudBase):
    def _user_query(self, user: str | None, option: str = "--user") -> dict[str, Any]:
        if not user:
            return {}
        if not sdk_utils.supports_microversion(self.conn.compute, "2.10"):
            raise CommandError(
                f"--os-compute-api-version 2.10 or greater is required to support the "
                f"{option} option"
            )
        return {"user_id": self._user_id(user)}

    def _user_id(self, name_or_id: str) -> str:
        """The real client's user look-up: a forbidden look-up passes the value through."""
        identity = sdk_utils.ensure_service_version(self.conn.identity, "3")
        try:
            return str(identity.find_user(name_or_id, ignore_missing=False).id)
        except sdk_exceptions.ForbiddenException:
            return name_or_id

    def keypairs(self, *, user: str | None = None, marker: str | None = None) -> list[Keypair]:
        query = self._user_query(user)
        if marker:
            if not sdk_utils.supports_microversion(self.conn.compute, "2.35"):
                raise CommandError(
                    "--os-compute-api-version 2.35 or greater is required to support the "
                    "--marker option"
                )
            query["marker"] = marker
        found = [keypair_from_sdk(k) for k in self.conn.compute.keypairs(**query)]
        if not query:
            self._cache_list("keypair", found)
        return found

    def find_keypair(self, name: str, *, user: str | None = None) -> Keypair:
        query = self._user_query(user)
        return keypair_from_sdk(
            self.conn.compute.find_keypair(name, ignore_missing=False, **query)
        )

    def create_keypair(
        self,
        name: str,
        public_key: str,
        *,
        key_type: str = KEYPAIR_TYPE_SSH,
        user: str | None = None,
    ) -> Keypair:
        compute = self.conn.compute
        attrs: dict[str, Any] = {"name": name, "public_key": public_key}
        if key_type != KEYPAIR_TYPE_SSH:
            if not sdk_utils.supports_microversion(compute, "2.2"):
                raise CommandError(
                    "--os-compute-api-version 2.2 or greater is required to support the "
                    "--type option"
                )
            attrs["key_type"] = key_type
        attrs.update(self._user_query(user))
        return keypair_from_sdk(compute.create_keypair(**attrs))

    def delete_keypair(self, name: str, *, user: str | None = None) -> None:
        query = self._user_query(user)
        self.conn.compute.delete_keypair(name, ignore_missing=False, **query)
