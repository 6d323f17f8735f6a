"""Keystone's trusts (``/v3/OS-TRUST/trusts``)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.trust import Trust, TrustSpec


class TrustAPI(Protocol):
    def trusts(self, *, trustor_user_id: str | None = None,
               trustee_user_id: str | None = None) -> list[Trust]:
        """Trusts by trustor, else by trustee, else all of them (an admin's list)."""
        ...

    def find_trust(self, trust_id: str) -> Trust:
        """One trust by ID (``No Trust found for x`` otherwise), with its roles."""
        ...

    def create_trust(self, spec: TrustSpec) -> Trust: ...

    def delete_trust(self, trust: Trust) -> None: ...
