"""Images (Glance)."""

from __future__ import annotations

from typing import Protocol


class ImageAPI(Protocol):
    pass
