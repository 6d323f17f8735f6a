"""Images in the local store and under the state directory, as Glance keeps them."""

from __future__ import annotations

from ostack_cli.backend.local.base import LocalBase


class LocalImages(LocalBase):
    pass
