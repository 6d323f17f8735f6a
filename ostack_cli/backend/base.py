"""The one interface every command calls; backends implement it, commands never see which."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.api.compute import FlavorAPI
from ostack_cli.backend.api.identity import IdentityAPI
from ostack_cli.backend.api.image import ImageAPI
from ostack_cli.backend.api.keypair import KeypairAPI
from ostack_cli.backend.api.network import NetworkAPI
from ostack_cli.backend.api.quota import QuotaAPI
from ostack_cli.backend.api.security_group import SecurityGroupAPI
from ostack_cli.backend.api.server import ServerAPI


class Backend(
    FlavorAPI,
    IdentityAPI,
    ImageAPI,
    KeypairAPI,
    NetworkAPI,
    QuotaAPI,
    SecurityGroupAPI,
    ServerAPI,
    Protocol,
):
    """Typed models in, typed models out; errors are ``ostack_cli.errors`` exceptions."""

    def sync_host(self) -> list[str]:
        """Re-create the local host's side of the store's resources (local backend only);
        returns what the host could not follow, one line each."""
        ...

    def close(self) -> None: ...
