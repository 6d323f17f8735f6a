"""The one interface every command calls; backends implement it, commands never see which."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.api.compute import FlavorAPI
from ostack_cli.backend.api.identity import IdentityAPI


class Backend(FlavorAPI, IdentityAPI, Protocol):
    """Typed models in, typed models out; errors are ``ostack_cli.errors`` exceptions."""

    def close(self) -> None: ...
