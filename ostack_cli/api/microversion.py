"""Nova's microversions: which one a request asks for, and the headers that answer it.

As nova/api/openstack/wsgi.py and api_version_request.py do: ``OpenStack-API-Version:
compute 2.60`` (several services may share the header, comma-separated) or the legacy
``X-OpenStack-Nova-API-Version: 2.60``; none means the minimum, ``latest`` the maximum. The
range is the one ``versions show`` declares (``backend/local/discovery.py``: 2.1 to
``COMPUTE_MAX_MICROVERSION``). A malformed version is a 400, one out of range a 406, in
Nova's words; every response of the versioned API names the version it was served at and
``Vary``s on both headers.
"""

from __future__ import annotations

import dataclasses
import re

from ostack_cli.api.faults import ApiFault
from ostack_cli.backend.local.discovery import COMPUTE_MAX_MICROVERSION, COMPUTE_MIN_MICROVERSION

HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
SERVICE = "compute"
_VERSION = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


@dataclasses.dataclass(frozen=True, order=True)
class Microversion:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Microversion:
        match = _VERSION.match(text)
        if match is None:
            raise ApiFault(400, f"API Version String {text} is of invalid format. Must be of "
                                "format MajorNum.MinorNum.")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def at_least(self, text: str) -> bool:
        """``req.state["microversion"].at_least("2.47")``: a field or behaviour that
        starts at that version."""
        return self >= Microversion.parse(text)


MINIMUM = Microversion.parse(COMPUTE_MIN_MICROVERSION)
MAXIMUM = Microversion.parse(COMPUTE_MAX_MICROVERSION)


def requested(headers: dict[str, str]) -> str | None:
    """The version text a request names for compute (lower-case header names)."""
    combined = headers.get(HEADER.lower())
    if combined:
        for part in combined.split(","):
            words = part.split()
            if len(words) == 2 and words[0].lower() == SERVICE:
                return words[1]
    return headers.get(LEGACY_HEADER.lower())


def negotiate(text: str | None) -> Microversion:
    if text is None or text == "":
        return MINIMUM
    if text.strip().lower() == "latest":
        return MAXIMUM
    version = Microversion.parse(text.strip())
    if not MINIMUM <= version <= MAXIMUM:
        raise ApiFault(406, f"Version {text.strip()} is not supported by the API. Minimum is "
                            f"{MINIMUM} and maximum is {MAXIMUM}.")
    return version


def response_headers(version_text: str) -> list[tuple[str, str]]:
    """The headers of a versioned response (``Vary`` twice, as Nova sends it)."""
    return [(HEADER, f"{SERVICE} {version_text}"), (LEGACY_HEADER, version_text),
            ("Vary", HEADER), ("Vary", LEGACY_HEADER)]
