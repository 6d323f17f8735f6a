"""Nova's times: the ``changes-since``/``changes-before`` filters and how its records print.

Nova compares the filters (``timeutils.parse_isotime``, then ``normalize_time``: naive UTC)
with records kept to the second. Here both sides are text that compares like the times: a
record's ``YYYY-MM-DDTHH:MM:SS`` against a filter in the same form, with a fraction only when
it has one (``...:25`` sorts before ``...:25.5``, as 25 s comes before 25.5 s).
"""

from __future__ import annotations

from datetime import UTC, datetime

from ostack_cli.errors import BadRequest

SECONDS = "%Y-%m-%dT%H:%M:%S"


def now() -> str:
    """A record's time: UTC, to the second (as Nova's database keeps it)."""
    return datetime.now(UTC).strftime(SECONDS)


def shown(stored: str | None) -> str | None:
    """How Nova prints a stored time in instance actions: ``2026-12-05T00:03:25.000000``."""
    return None if stored is None else f"{stored}.000000"


def normalize(value: str, what: str) -> str:
    """A filter time as stored times compare with it; Nova's 400 if it is no ISO 8601 time."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid filter field: {what}.") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    text = parsed.strftime(SECONDS)
    return f"{text}.{parsed.microsecond:06d}".rstrip("0") if parsed.microsecond else text


def check_order(since: str | None, before: str | None) -> None:
    """Nova: ``changes-before`` may not come before ``changes-since``."""
    if since is not None and before is not None and before < since:
        raise BadRequest(
            "The value of changes-since must be less than or equal to changes-before."
        )
