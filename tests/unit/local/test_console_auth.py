"""The console proxy's admission rules (nova-consoleauth's), the URLs that carry tokens, and
the pieces of the proxy that need no guest: where a token is read from, the origin check,
the token kept out of the log. Real guests and a browser: tests/vm/test_console_vm.py."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from ostack_cli.backend.local import console_auth
from ostack_cli.backend.local.console_auth import GuestConsole, Refused, Target, admit
from ostack_cli.backend.models.console import ConsoleAuthToken

GUEST_A = "6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11"
NOW = 1_800_000_000.0


def record(console_type: str = "novnc", port: int | None = 5900, *, instance: str = GUEST_A,
           expires: float = NOW + 600) -> ConsoleAuthToken:
    return ConsoleAuthToken(id="h", instance_uuid=instance, console_type=console_type,
                            port=port, access_url_base="http://127.0.0.1:6080/vnc_lite.html",
                            expires=int(expires))


def running(vnc: int = 5900, spice: int = 5901) -> GuestConsole:
    return GuestConsole(running=True, ports={"vnc": vnc, "spice": spice})


def test_a_good_token_reaches_its_guests_display() -> None:
    assert admit(record(), running(), NOW) == Target(GUEST_A, "novnc", 5900)
    assert admit(record("spice-html5", 5901), running(), NOW) == Target(
        GUEST_A, "spice-html5", 5901)
    assert admit(record("serial", None), running(), NOW) == Target(GUEST_A, "serial", None)


def test_it_may_be_used_again_until_it_expires() -> None:
    token = record()
    assert admit(token, running(), NOW) == admit(token, running(), NOW + 599)


@pytest.mark.parametrize(("token", "guest", "reason"), [
    # A token nobody made (or one of another store: not in this one).
    (None, running(), "no such token"),
    # Nova's rule: good while expires > now; ten minutes after it was made it is not.
    (record(expires=NOW), running(), "expired"),
    (record(expires=NOW - 1), running(), "expired"),
    # Its guest was deleted.
    (record(), None, "is gone"),
    # Its guest is stopped: its display has no port.
    (record(), GuestConsole(running=False, ports={"vnc": -1}), "no longer has that vnc"),
    # Its guest was restarted and listens elsewhere now; the token's port is another
    # guest's display: the token must never reach that one.
    (record(port=5900), running(vnc=5903), "no longer has that vnc"),
    # A guest defined before guests had displays.
    (record(), GuestConsole(running=True, ports={}), "no longer has that vnc"),
    (record("serial", None), GuestConsole(running=False), "is not running"),
    (record("xvpvnc"), running(), "not served here"),
])
def test_refused(token: ConsoleAuthToken | None, guest: GuestConsole | None,
                 reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        admit(token, guest, NOW)


def test_another_guests_token_never_reaches_this_one() -> None:
    """Guest A's token names A and A's port. When B holds that port now (A stopped, B
    restarted onto it), the proxy looks at A, not at the port: refused."""
    a_stopped = GuestConsole(running=False, ports={"vnc": -1})
    with pytest.raises(Refused):
        admit(record(port=5900, instance=GUEST_A), a_stopped, NOW)


def test_tokens_are_uuids_kept_as_their_sha256() -> None:
    token, stored = console_auth.make_token(
        instance_uuid=GUEST_A, console_type="novnc", port=5900,
        access_url_base="http://127.0.0.1:6080/vnc_lite.html", now=NOW, created_at="x")
    assert len(token) == 36 and token.count("-") == 4
    assert stored.id == hashlib.sha256(token.encode()).hexdigest() == console_auth.token_hash(
        token)
    assert token not in repr(stored)
    assert stored.expires == NOW + 600  # Nova's token_ttl


def test_urls_have_novas_form() -> None:
    base = console_auth.url_base("novnc", "127.0.0.1", 6080)
    assert base == "http://127.0.0.1:6080/vnc_lite.html"
    assert console_auth.access_url("novnc", base, "t-1") == (
        "http://127.0.0.1:6080/vnc_lite.html?path=%3Ftoken%3Dt-1")
    spice = console_auth.url_base("spice-html5", "192.0.2.1", 6081)
    assert console_auth.access_url("spice-html5", spice, "t-2") == (
        "http://192.0.2.1:6081/spice_auto.html?token=t-2")
    serial = console_auth.url_base("serial", "127.0.0.1", 6080)
    assert console_auth.access_url("serial", serial, "t-3") == "ws://127.0.0.1:6080/?token=t-3"
    # What noVNC does with it: the websocket's path is the path parameter.
    novnc = urlparse(console_auth.access_url("novnc", base, "t-1"))
    assert parse_qs(novnc.query)["path"] == ["?token=t-1"]


@pytest.mark.parametrize(("path", "cookie", "token"), [
    ("/?token=abc", None, "abc"),
    ("/websockify", "token=def", "def"),  # the SPICE client's cookie
    ("/websockify", "other=1; token=ghi", "ghi"),
    ("/?token=abc", "token=def", "abc"),  # the query first, as Nova
    ("/websockify", "bad cookie \x00; token=jkl", "jkl"),
    ("/", None, ""),
])
def test_where_a_connection_carries_its_token(path: str, cookie: str | None,
                                              token: str) -> None:
    assert console_auth.token_from(path, cookie) == token


@pytest.mark.parametrize(("origin", "host", "base", "allowed"), [
    (None, "127.0.0.1:6080", "http://127.0.0.1:6080/vnc_lite.html", True),  # not a browser
    ("http://127.0.0.1:6080", "127.0.0.1:6080", "http://127.0.0.1:6080/vnc_lite.html", True),
    ("http://evil.example", "127.0.0.1:6080", "http://127.0.0.1:6080/vnc_lite.html", False),
    ("https://127.0.0.1:6080", "127.0.0.1:6080", "http://127.0.0.1:6080/vnc_lite.html", False),
    ("http://127.0.0.1:6080", "127.0.0.1:6080", "ws://127.0.0.1:6080/", True),
    ("null", "127.0.0.1:6080", "http://127.0.0.1:6080/vnc_lite.html", False),
])
def test_the_origin_check_is_novas(origin: str | None, host: str, base: str,
                                   allowed: bool) -> None:
    assert console_auth.origin_allowed(origin, host, base) is allowed


def test_display_ports_are_read_from_the_live_definition() -> None:
    xml = """<domain><devices>
      <graphics type='vnc' port='5907' autoport='yes' listen='127.0.0.1'/>
      <graphics type='spice' port='-1' autoport='yes' listen='127.0.0.1'/>
    </devices></domain>"""
    assert console_auth.display_ports(xml) == {"vnc": 5907, "spice": -1}
    assert console_auth.display_ports("<domain><devices/></domain>") == {}


def test_the_proxy_never_logs_a_token(caplog: pytest.LogCaptureFixture) -> None:
    from ostack_cli.backend.local.console_proxy import ConsoleRequestHandler

    handler = ConsoleRequestHandler.__new__(ConsoleRequestHandler)
    handler.client_address = ("127.0.0.1", 4000)
    with caplog.at_level(logging.INFO, logger="ostack.console-proxy"):
        handler.log_message("%s: Path: '%s'", "127.0.0.1", "/?token=secret-1&x=1")
        handler.log_message('"%s" %s %s', "GET /vnc_lite.html?path=%3Ftoken%3Dsecret-2 "
                            "HTTP/1.1", "200", "-")  # http.server's request line
    assert "secret" not in caplog.text
    assert "token=***" in caplog.text and "token%3D***" in caplog.text


def test_the_proxy_serves_novnc_then_spice_pages(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from ostack_cli.backend.local import console_proxy

    novnc, spice = tmp_path / "novnc", tmp_path / "spice"
    for root, name in ((novnc, "vnc_lite.html"), (spice, "spice_auto.html")):
        root.mkdir()
        (root / name).write_text("x")
    monkeypatch.setattr(console_proxy, "WEB_ROOTS", (novnc, spice))
    handler = console_proxy.ConsoleRequestHandler.__new__(console_proxy.ConsoleRequestHandler)
    assert handler.translate_path("/vnc_lite.html?path=x") == str(novnc / "vnc_lite.html")
    assert handler.translate_path("/spice_auto.html") == str(spice / "spice_auto.html")
    assert handler.translate_path("/../../etc/passwd") == str(novnc / "etc" / "passwd")


def test_the_proxy_takes_the_first_free_port() -> None:
    from ostack_cli.backend.local.console_proxy import listen

    first = listen("127.0.0.1", "0")
    try:
        taken = first.getsockname()[1]
        second = listen("127.0.0.1", f"{taken}-{taken + 50}")
        try:
            assert taken < second.getsockname()[1] <= taken + 50
        finally:
            second.close()
        with pytest.raises(SystemExit, match="no free port"):
            listen("127.0.0.1", str(taken))
    finally:
        first.close()


def test_a_proxy_started_again_takes_its_previous_port_if_free() -> None:
    from ostack_cli.backend.local.console_proxy import listen

    first = listen("127.0.0.1", "0")
    taken = first.getsockname()[1]
    first.close()
    span = f"{taken - 20}-{taken + 20}"
    again = listen("127.0.0.1", span, previous=taken)
    try:
        assert again.getsockname()[1] == taken
        # Taken by another meanwhile, or outside the range: the first free one instead.
        other = listen("127.0.0.1", span, previous=taken)
        try:
            assert other.getsockname()[1] != taken
        finally:
            other.close()
        outside = listen("127.0.0.1", f"{taken + 1}-{taken + 20}", previous=taken)
        try:
            assert outside.getsockname()[1] != taken
        finally:
            outside.close()
    finally:
        again.close()
