"""Time options as the real client checks them (``iso8601.parse_date``) before sending them
on as typed."""

from __future__ import annotations

import re
from datetime import datetime

from ostack_cli.errors import CommandError

# iso8601's forms: a date, optionally a time (minutes, seconds, fraction) and a zone.
_ISO8601 = re.compile(
    r"\d{4}-?\d{2}(-?\d{2})?"
    r"([T ]\d{2}(:?\d{2}(:?\d{2}([.,]\d+)?)?)?)?"
    r"(Z|[+-]\d{2}(:?\d{2})?)?"
)


def checked_time(value: str | None, option: str) -> str | None:
    """``value`` unchanged if it is an ISO 8601 time; the real client's error if not."""
    if value is None:
        return None
    if not _ISO8601.fullmatch(value.strip()) or not _valid(value.strip()):
        raise CommandError(f"Invalid {option} value: {value}")
    return value


def _valid(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00").replace(",", "."))
    except ValueError:
        return bool(re.fullmatch(r"\d{4}-\d{2}", text))  # iso8601 takes a year and month
    return True
