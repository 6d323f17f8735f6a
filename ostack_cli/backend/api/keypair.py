"""Keypairs (Nova)."""

from __future__ import annotations

from typing import Protocol


class KeypairAPI(Protocol):
    pass
