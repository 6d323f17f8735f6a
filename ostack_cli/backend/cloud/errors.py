"""openstacksdk and keystoneauth exceptions, as ostack's errors with the real client's text.

The real client prints ``str(exc)`` of whatever openstacksdk or keystoneauth raised (cliff logs
it as one line, exit status 1), so the message is kept verbatim; only the class changes, so
that the command layer (``delete_each``, ...) handles cloud and local errors alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from ostack_cli import errors

T = TypeVar("T")

_BY_STATUS: dict[int, type[errors.OstackError]] = {
    400: errors.BadRequest,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    413: errors.QuotaExceeded,
}


_SDK_STATUS: dict[type[sdk.HttpException], int] = {
    sdk.BadRequestException: 400,
    sdk.ForbiddenException: 403,
    sdk.NotFoundException: 404,
    sdk.ConflictException: 409,
}


def _status_class(status: int | None, text: str) -> type[errors.OstackError]:
    # Nova says 403 and Neutron 409 when a quota is hit; the text tells.
    if "quota" in text.lower() and status in (403, 409, 413):
        return errors.QuotaExceeded
    return _BY_STATUS.get(status or 0, errors.OstackError)


def translate(exc: BaseException) -> errors.OstackError | None:
    """The ostack error for an SDK/keystoneauth exception, or None if it is neither."""
    if isinstance(exc, errors.OstackError):
        return exc
    text = str(exc)
    if isinstance(exc, sdk.DuplicateResource):
        return errors.DuplicateResource(text)
    if isinstance(exc, sdk.HttpException):
        # find_*() raises NotFoundException without a response: the class tells then.
        status = exc.status_code or _SDK_STATUS.get(type(exc))
        return _status_class(status, text)(text)
    if isinstance(exc, sdk.SDKException):
        return errors.OstackError(text)
    if isinstance(exc, ksa.ConnectionError):
        return errors.BackendUnavailable(text)
    if isinstance(exc, ksa.HttpError):
        return _status_class(exc.http_status, text)(text)
    if isinstance(exc, ksa.ClientException):
        return errors.OstackError(text)
    return None


@contextmanager
def sdk_errors() -> Iterator[None]:
    """Turn SDK/keystoneauth exceptions raised inside the block into ostack errors."""
    try:
        yield
    except Exception as exc:
        translated = translate(exc)
        if translated is None or translated is exc:
            raise
        raise translated from exc


def translated(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with sdk_errors():
            return method(*args, **kwargs)

    return wrapper


C = TypeVar("C", bound=type)


def translate_errors(cls: C) -> C:
    """Class decorator: every public method of ``cls`` raises only ostack errors."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and callable(value):
            setattr(cls, name, translated(value))
    return cls
