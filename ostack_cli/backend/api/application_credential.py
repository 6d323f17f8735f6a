"""Keystone's application credentials (``/v3/users/{user_id}/application_credentials``)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.application_credential import (
    ApplicationCredential,
    ApplicationCredentialSpec,
)


class ApplicationCredentialAPI(Protocol):
    """Credentials belong to a user; the real client names the acting user (its token's)
    for everything but ``list --user``."""

    def application_credentials(self, *, user_id: str | None = None
                                ) -> list[ApplicationCredential]:
        """A user's credentials (None: the acting user's), without their secrets."""
        ...

    def find_application_credential(self, name_or_id: str) -> ApplicationCredential:
        """One of the acting user's credentials, by ID, then by name."""
        ...

    def create_application_credential(self, spec: ApplicationCredentialSpec
                                      ) -> ApplicationCredential:
        """For the acting user on the acting project; the answer carries the secret (the one
        given, or a generated one), the only time it is ever shown."""
        ...

    def delete_application_credential(self, credential: ApplicationCredential) -> None: ...
