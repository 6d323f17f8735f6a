"""The guests' consoles end to end: ``console url show``, the store's console proxy and the
guests' displays on real QEMU.

Headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by selenium) opens
the noVNC URL: the page says it is connected to the guest and its screen shows the login
prompt. A Python client (``console_client``) goes through the same proxy at the protocol
level: the RFB handshake reaches the display of the token's guest and no other, the serial
console URL reaches the guest's serial port, and a made-up, expired, stopped or deleted
guest's token, or a foreign page's Origin, is refused before anything reaches a guest. The
proxy is a host object: killed, ``host sync`` starts it again; the store's purge stops it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local.console_proxy_host import find_proxies
from tests.vm import console_client
from tests.vm.conftest import IMAGE_DIR, OSTACK, Host, _skip_reason

pytestmark = [pytest.mark.slow, pytest.mark.vm]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
NOVNC_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/vnc_lite\.html\?path=%3Ftoken%3D"
                       r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
REFUSED = "HTTP/1.1 403 Console token refused"


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    """A store of its own with two running guests, ``a`` and ``b``, at their login prompts.

    No network (``--nic none``): the consoles need none, and nothing can collide with the
    other tiers. Everything of the store's goes at the end, the console proxy included,
    even if a test failed."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ostack-vmtest-"))
    base.chmod(0o755)  # QEMU must reach the host files
    h = Host(base / "home")
    try:
        h.ok("image", "create", "--file", str(IMAGE_DIR / "ostack-test.qcow2"),
             "--disk-format", "qcow2", "cirros")
        for name in ("a", "b"):
            boot(h, name)
        for name in ("a", "b"):
            wait_console(h, name, "login:")
        yield h
    finally:
        servers = h.ids("server")
        if servers:
            h("server", "delete", "--wait", *servers)
        purged = h.reconcile("purge")
        left = h.inventory()
        proxies = find_proxies(host_dir(h))
        shutil.rmtree(base, ignore_errors=True)
        assert purged.returncode == 0, purged.stderr
        assert left == [], f"left on the host after purge: {left}"
        assert proxies == (), f"console proxies left running: {proxies}"


def host_dir(host: Host) -> Path:
    return host.home.with_name("home-host").resolve()


def boot(host: Host, name: str) -> dict[str, Any]:
    created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "none", "--wait", name, "-f", "json").json()
    assert created["status"] == "ACTIVE"
    return created


def wait_console(host: Host, server: str, text: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    log = ""
    while time.monotonic() < deadline:
        log = host.ok("console", "log", "show", server).out
        if text in log:
            return
        time.sleep(1)
    raise AssertionError(f"{text!r} never appeared on the console of {server}:\n{log}")


def console_url(host: Host, server: str, *flags: str, ttl: int | None = None) -> str:
    """``console url show``'s URL; ``ttl``: its token's lifetime in seconds."""
    env = {**host.env, **({"OSTACK_CONSOLE_TOKEN_TTL": str(ttl)} if ttl is not None else {})}
    done = subprocess.run([OSTACK, "console", "url", "show", *flags, server, "-f", "value",
                           "-c", "url"], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def domain(host: Host, server: str) -> str:
    return host.ok("server", "show", server, "-f", "value", "-c",
                   "OS-EXT-SRV-ATTR:instance_name").out.strip()


def vnc_port(host: Host, server: str) -> int:
    done = subprocess.run(["virsh", "-c", "qemu:///system", "vncdisplay", domain(host, server)],
                          capture_output=True, text=True, check=True)
    return 5900 + int(done.stdout.strip().rsplit(":", 1)[-1])


def assert_refused(url: str, **kwargs: str) -> None:
    with pytest.raises(console_client.Refused) as refused:
        console_client.vnc_desktop_name(url, **kwargs)
    assert refused.value.status == REFUSED


def proxy_port(url: str) -> str:
    match = NOVNC_URL.fullmatch(url)
    assert match, url
    return match[1]


def made_up(url: str) -> str:
    return re.sub(r"token%3D[0-9a-f-]+", f"token%3D{uuid.uuid4()}", url)


# -- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("no chromium and chromium-driver (make setup installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1024,768"):
        options.add_argument(argument)
    # The driver Debian ships, never one selenium-manager would download.
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def page_status(browser: Any, url: str, timeout: float = 60) -> str:
    """noVNC's status line once it has settled: connected, or the connection closed."""
    from selenium.webdriver.common.by import By

    browser.get(url)
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = browser.find_element(By.ID, "status").text
        if text not in ("", "Loading", "Connecting"):
            return str(text)
        time.sleep(0.2)
    return str(text)


# The canvas noVNC draws the guest's screen on: its size and how many pixels are not black.
CANVAS_PIXELS = """
const canvas = document.querySelector('#screen canvas');
if (!canvas || !canvas.width) return [0, 0, 0];
const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let lit = 0;
for (let i = 0; i < data.length; i += 4) { if (data[i] | data[i + 1] | data[i + 2]) lit++; }
return [canvas.width, canvas.height, lit];
"""


def test_the_browser_connects_and_shows_the_login_prompt(
    host: Host, browser: Any, tmp_path: Path
) -> None:
    url = console_url(host, "a")
    assert NOVNC_URL.fullmatch(url), url
    assert page_status(browser, url) == f"Connected to QEMU ({domain(host, 'a')})"
    # The guest's text console (tty1's getty) drawn on the page: not a blank screen.
    deadline = time.monotonic() + 30
    width = height = lit = 0
    while time.monotonic() < deadline:
        width, height, lit = browser.execute_script(CANVAS_PIXELS)
        if lit > 2000:
            break
        time.sleep(0.5)
    assert width >= 640 and height >= 400, (width, height)
    assert lit > 2000, f"the console looks blank: {lit} lit pixels of {width}x{height}"
    screenshot = tmp_path / "console.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000  # a page with text on it, not a blank one


def test_the_browser_is_refused_a_made_up_expired_or_deleted_guests_token(
    host: Host, browser: Any
) -> None:
    expired = console_url(host, "b", ttl=1)
    good = console_url(host, "b")
    time.sleep(2)
    for url in (made_up(good), expired):
        assert page_status(browser, url) == "Something went wrong, connection is closed", url
    # The page itself is served with any token: only the websocket is checked.
    assert page_status(browser, good) == f"Connected to QEMU ({domain(host, 'b')})"


def test_the_spice_page_connects_where_qemu_has_spice(host: Host, browser: Any) -> None:
    done = subprocess.run([OSTACK, "console", "url", "show", "--spice", "a", "-f", "json"],
                          capture_output=True, text=True, env=host.env, timeout=120,
                          check=False)
    if done.returncode != 0:
        assert done.stderr.strip() == "Unavailable console type spice-html5."
        pytest.skip("this host's QEMU has no SPICE: Nova's refusal checked instead")
    import json

    answer = json.loads(done.stdout)
    assert (answer["protocol"], answer["type"]) == ("spice", "spice-html5")
    url = answer["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/spice_auto\.html\?token=[0-9a-f-]{36}", url)
    # spice-html5 sets the token as a cookie and opens ws://<proxy>/websockify with it; its
    # messages (hidden) say whether the websocket opened.
    messages = "return document.getElementById('message-div').textContent"
    browser.get(url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Connected to ws://" not in browser.execute_script(
            messages):
        time.sleep(0.3)
    assert "Connected to ws://" in browser.execute_script(messages)
    browser.delete_all_cookies()  # the next page must not carry this token
    browser.get(re.sub(r"token=[0-9a-f-]+", f"token={uuid.uuid4()}", url))
    time.sleep(3)
    assert "Connected to ws://" not in browser.execute_script(messages)
    browser.delete_all_cookies()


# -- the protocol -------------------------------------------------------------------------


def test_a_token_reaches_its_own_guests_display_and_nothing_else(host: Host) -> None:
    url_a, url_b = console_url(host, "a"), console_url(host, "b")
    assert console_client.vnc_desktop_name(url_a) == f"QEMU ({domain(host, 'a')})"
    assert console_client.vnc_desktop_name(url_b) == f"QEMU ({domain(host, 'b')})"
    # A token stays good until it expires (noVNC reconnects with it), as Nova's does.
    assert console_client.vnc_desktop_name(url_a) == f"QEMU ({domain(host, 'a')})"
    # A browser on another site may not use it (Nova's Origin check); one on the proxy's may.
    port = proxy_port(url_a)
    assert_refused(url_a, origin=f"http://attacker.example:{port}")
    assert console_client.vnc_desktop_name(url_a, origin=f"http://127.0.0.1:{port}")
    # Made up, or expired.
    assert_refused(made_up(url_a))
    expired = console_url(host, "a", ttl=1)
    time.sleep(2)
    assert_refused(expired)
    # The displays listen on loopback only, and the proxy is the only way in from elsewhere.
    for server in ("a", "b"):
        xml = subprocess.run(["virsh", "-c", "qemu:///system", "dumpxml",
                              domain(host, server)],
                             capture_output=True, text=True, check=True).stdout
        assert re.search(r"<graphics type='vnc' port='\d+' autoport='yes' "
                         r"listen='127\.0\.0\.1'>", xml), xml


def test_the_serial_console_url_reaches_the_guests_serial_port(host: Host) -> None:
    url = console_url(host, "b", "--serial")
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/\?token=[0-9a-f-]{36}", url), url
    seen = console_client.serial_until(url, b"login:")
    assert b"ostack-test login:" in seen
    with pytest.raises(console_client.Refused) as refused:
        console_client.serial_until(re.sub(r"token=[0-9a-f-]+", f"token={uuid.uuid4()}", url),
                                    b"login:")
    assert refused.value.status == REFUSED


def test_host_sync_restores_a_killed_proxy_and_its_tokens_stay_good(host: Host) -> None:
    url = console_url(host, "a")
    (proxy,) = find_proxies(host_dir(host))
    pid_file, port_file = host.home / "console-proxy.pid", host.home / "console-proxy.port"
    assert int(pid_file.read_text()) == proxy.pid
    assert proxy_port(url) == port_file.read_text().strip()
    os.kill(proxy.pid, signal.SIGKILL)  # no clean-up: its pid and port files stay behind
    deadline = time.monotonic() + 10
    while find_proxies(host_dir(host)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "process console-proxy" not in host.inventory()
    host.ok("host", "sync")
    assert "process console-proxy" in host.inventory()
    # Found again as the same proxy whoever looks (the ``ostack`` script, ``python -m``):
    # nothing would restart it and drop its connections.
    plan = host.reconcile("plan")
    assert plan.returncode == 0 and "console proxy" not in plan.stdout, plan.stdout
    (restarted,) = find_proxies(host_dir(host))
    assert restarted.pid != proxy.pid
    # It listens once it has started: the next URL waits for it, and the token of before,
    # kept in the store, is still good (the same first free port).
    again = console_url(host, "a")
    assert proxy_port(again) == proxy_port(url)
    assert int(pid_file.read_text()) == restarted.pid
    assert console_client.vnc_desktop_name(url) == f"QEMU ({domain(host, 'a')})"


def test_a_stopped_or_deleted_guests_token_never_reaches_another_guest(host: Host) -> None:
    """Nova's validate_console_port: a token names a guest and the port its display had; a
    guest that now holds that port is another guest, and is never reached."""
    boot(host, "c")
    url = console_url(host, "c")
    port = vnc_port(host, "c")
    assert console_client.vnc_desktop_name(url) == f"QEMU ({domain(host, 'c')})"
    host.ok("server", "stop", "c")
    assert_refused(url)  # stopped: no display
    host.ok("server", "delete", "--wait", "c")
    boot(host, "d")  # most often on the port c had (the first free)
    reused = vnc_port(host, "d") == port
    assert_refused(url)
    assert console_client.vnc_desktop_name(console_url(host, "d")) == (
        f"QEMU ({domain(host, 'd')})")
    host.ok("server", "delete", "--wait", "d")
    if not reused:
        pytest.skip("another guest took c's port first: only the deleted guest's token "
                    "was checked")
