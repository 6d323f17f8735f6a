"""The cloud tier: ostack and the real python-openstackclient side by side on a real OpenStack.

Which cloud:
- ``OSTACK_TEST_CLOUD=<name>`` (admin) and optionally ``OSTACK_TEST_CLOUD_MEMBER=<name>``,
  read from ``OS_CLIENT_CONFIG_FILE`` or the usual clouds.yaml search path;
- otherwise realstack (``../shared/realstack/up.sh`` beside the repository): started for the
  session if it is not running, and stopped at the end only if this session started it;
- otherwise every test here is skipped, saying why.

The real client is python-openstackclient 10.5.0 in its own venv
(``/var/cache/ostack/osc-venv``, installed on first use with realstack's pinned constraints;
realstack's own ``osc-venv`` is used when present).
"""

from __future__ import annotations

import dataclasses
import fcntl
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
REALSTACK = REPO.parent / "shared" / "realstack"
REALSTACK_BASE = Path(os.environ.get("REALSTACK_BASE", "/tmp/real-openstack"))
KEYSTONE = "http://127.0.0.1:5000/v3"
OSC_VERSION = "10.5.0"
OSC_VENV = Path("/var/cache/ostack/osc-venv")
OSTACK = Path(sys.executable).with_name("ostack")
UP_TIMEOUT = 20 * 60
# Verbs that change nothing: both clients may ask at once (each costs a process start and a
# token, 1-2 s). Anything else runs one after the other, the real client first, since the
# second may depend on what the first did (a create, then a duplicate's refusal).
READ_VERBS = frozenset({"list", "show", "contains"})
# How often the helpers below ask Nova (through ostack, about 0.4 s of CPU a question, so
# not more often: the other tiers run beside this one on two cores); the real client's --wait
# sleeps 5 s between polls, which made each boot and delete cost 6-8 s.
SERVER_POLL = 1.0
SERVER_TIMEOUT = 180.0


@dataclasses.dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclasses.dataclass(frozen=True)
class CloudTarget:
    config_file: Path | None
    admin: str
    member: str | None
    password: str | None  # the admin's, to check that it never shows


def _keystone_answers() -> bool:
    try:
        with urllib.request.urlopen(KEYSTONE, timeout=3) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def _run_script(script: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    # Run as the brief says: ``bash ../shared/realstack/up.sh`` from the repository root.
    return subprocess.run(["bash", os.path.relpath(script, REPO)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def _private_copy(source: Path, directory: Path) -> Path:
    """clouds.yaml with mode 600, so the permission warning does not fire in comparisons."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "clouds.yaml"
    shutil.copyfile(source, target)
    target.chmod(0o600)
    return target


def _admin_password(config_file: Path | None, cloud: str) -> str | None:
    if config_file is None or not config_file.exists():
        return None
    data = yaml.safe_load(config_file.read_text()) or {}
    password = ((data.get("clouds") or {}).get(cloud) or {}).get("auth", {}).get("password")
    return str(password) if password else None


@pytest.fixture(scope="session")
def cloud_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudTarget]:
    named = os.environ.get("OSTACK_TEST_CLOUD")
    if named:
        explicit = os.environ.get("OS_CLIENT_CONFIG_FILE")
        config_file = Path(explicit) if explicit else None
        yield CloudTarget(config_file, named, os.environ.get("OSTACK_TEST_CLOUD_MEMBER"),
                          _admin_password(config_file, named))
        return
    up, down = REALSTACK / "up.sh", REALSTACK / "down.sh"
    if not up.exists():
        pytest.skip(
            "cloud tier skipped: no cloud named (set OSTACK_TEST_CLOUD, and "
            f"OS_CLIENT_CONFIG_FILE) and no realstack at {REALSTACK}"
        )
    if os.geteuid() != 0:
        pytest.skip("cloud tier skipped: realstack needs root, and OSTACK_TEST_CLOUD is unset")
    was_running = _keystone_answers()
    # up.sh is idempotent: on a running stack it only checks every service (about 1 s).
    try:
        done = _run_script(up, UP_TIMEOUT)
    except subprocess.TimeoutExpired:
        if not was_running:
            _run_script(down, 300)
        pytest.skip(f"cloud tier skipped: realstack's up.sh took more than {UP_TIMEOUT} s")
    started = not was_running
    try:
        if done.returncode != 0:
            pytest.skip(f"cloud tier skipped: realstack's up.sh failed: {_tail(done.stdout)}")
        source = REALSTACK_BASE / "clouds.yaml"
        config_file = _private_copy(source, tmp_path_factory.mktemp("clouds"))
        yield CloudTarget(config_file, "realstack", "realstack-demo",
                          _admin_password(config_file, "realstack"))
    finally:
        if started:
            _run_script(down, 300)


def _osc_candidates() -> list[Path]:
    return [OSC_VENV / "bin" / "openstack", REALSTACK_BASE / "osc-venv" / "bin" / "openstack"]


def _install_osc() -> tuple[Path | None, str]:
    python = shutil.which("python3") or sys.executable
    install = [str(OSC_VENV / "bin" / "pip"), "install", "-q"]
    constraints = REALSTACK / "constraints-osc.txt"
    if constraints.exists():
        install += ["-c", str(constraints)]
    for step in ([python, "-m", "venv", str(OSC_VENV)],
                 [*install, f"python-openstackclient=={OSC_VERSION}"]):
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{' '.join(step[:3])}: {exc}"
        if done.returncode != 0:
            return None, f"{' '.join(step[:3])}: {_tail(done.stderr or done.stdout)}"
    binary = OSC_VENV / "bin" / "openstack"
    return (binary, "") if binary.exists() else (None, "no openstack after install")


def _answers_version(candidate: Path) -> bool:
    # A venv another process is still installing (realstack's up.sh, the other test stream)
    # may already hold the script; only a client that runs counts.
    if not candidate.exists():
        return False
    try:
        done = subprocess.run([str(candidate), "--version"], capture_output=True, text=True,
                              timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def find_real_client() -> tuple[Path | None, str]:
    """The real client, installed once even when two test streams ask for it at once."""
    OSC_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(OSC_VENV.parent / "osc-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for candidate in _osc_candidates():
            if _answers_version(candidate):
                return candidate, ""
        return _install_osc()


@pytest.fixture(scope="session")
def real_client_path() -> Path:
    binary, why = find_real_client()
    if binary is None:
        pytest.skip(f"python-openstackclient {OSC_VERSION} unavailable: {why}")
    return binary


class SideBySide:
    """Runs the real client and ostack with the same arguments against the same cloud."""

    def __init__(self, target: CloudTarget, real: Path | None, home: Path) -> None:
        self.target = target
        self.real = real
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        if target.config_file is not None:
            self.env["OS_CLIENT_CONFIG_FILE"] = str(target.config_file)
        self.env["OSTACK_HOME"] = str(home)
        # ostack's completion cache (fed by list commands) stays with the session.
        self.env["XDG_CACHE_HOME"] = str(home / "cache")
        self.env["CLIFF_MAX_TERM_WIDTH"] = "0"
        self.env.pop("OSTACK_TEST_CLOUD", None)

    def _run(self, program: Path, args: Sequence[str], cloud: str | None) -> Run:
        argv = [str(program)]
        if cloud is not None:
            argv += ["--os-cloud", cloud]
        argv += list(args)
        done = subprocess.run(argv, capture_output=True, text=True, env=self.env,
                              timeout=300, check=False)
        return Run(tuple(args), done.returncode, done.stdout, done.stderr)

    def ostack(self, *args: str, cloud: str | None = "") -> Run:
        return self._run(OSTACK, args, self.target.admin if cloud == "" else cloud)

    def openstack(self, *args: str, cloud: str | None = "") -> Run:
        if self.real is None:
            pytest.skip("the real client is not available")
        return self._run(self.real, args, self.target.admin if cloud == "" else cloud)

    def both(self, *args: str, cloud: str | None = "") -> tuple[Run, Run]:
        return run_both(lambda: self.openstack(*args, cloud=cloud),
                        lambda: self.ostack(*args, cloud=cloud), at_once=reads_only(args))

    def member(self) -> str:
        if self.target.member is None:
            pytest.skip("no member cloud (OSTACK_TEST_CLOUD_MEMBER) to test as")
        return self.target.member


def run_both(real: Callable[[], Run], mine: Callable[[], Run], *, at_once: bool
             ) -> tuple[Run, Run]:
    """The real client's run and ostack's: at the same time, or the real client's first."""
    if not at_once:
        return real(), mine()
    with ThreadPoolExecutor(max_workers=2) as pool:
        theirs, ours = pool.submit(real), pool.submit(mine)
        return theirs.result(), ours.result()


def reads_only(args: Sequence[str]) -> bool:
    """Whether a command line's verb (among its words before the first option) only reads."""
    words = itertools.takewhile(lambda arg: not arg.startswith("-"), args)
    return any(word in READ_VERBS for word in words)


def server_status(clients: SideBySide, server: str, cloud: str | None = "") -> str | None:
    """A server's status, or None once Nova no longer has it."""
    shown = clients.ostack("server", "show", server, "-f", "value", "-c", "status", cloud=cloud)
    if shown.rc != 0:
        assert shown.err.startswith("No Server found for "), shown.err
        return None
    return shown.out.strip()


def wait_for_server(clients: SideBySide, server: str, statuses: Sequence[str | None],
                    cloud: str | None = "") -> str | None:
    """Poll (every SERVER_POLL s) until the server's status is one of ``statuses`` (None:
    gone); the status reached."""
    deadline = time.monotonic() + SERVER_TIMEOUT
    while True:
        status = server_status(clients, server, cloud)
        if status in statuses:
            return status
        assert time.monotonic() < deadline, f"{server} is {status}, never {statuses}"
        time.sleep(SERVER_POLL)


def delete_servers(clients: SideBySide, servers: Sequence[tuple[str, str | None]]) -> None:
    """Delete (server ID, cloud) pairs with ostack, all at once, then wait until each is gone:
    later tests list servers and must not see one half deleted."""
    for server, cloud in servers:
        clients.ostack("server", "delete", server, cloud=cloud)
    for server, cloud in servers:
        wait_for_server(clients, server, (None,), cloud)


@pytest.fixture(scope="session")
def clients(cloud_target: CloudTarget, tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> SideBySide:
    real = request.getfixturevalue("real_client_path")
    return SideBySide(cloud_target, real, tmp_path_factory.mktemp("ostack-home"))


@pytest.fixture(scope="session")
def ostack_only(cloud_target: CloudTarget,
                tmp_path_factory: pytest.TempPathFactory) -> SideBySide:
    """ostack against the cloud, without needing the real client."""
    return SideBySide(cloud_target, None, tmp_path_factory.mktemp("ostack-home"))


REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise_error(text: str) -> str:
    """Error lines without what differs between two identical requests, and without ostack's
    warning about a readable clouds.yaml (a cloud named by OSTACK_TEST_CLOUD may have one)."""
    lines = [line for line in text.splitlines(keepends=True)
             if not (line.startswith("Warning: ") and " holds secrets (" in line)]
    return REQUEST_ID.sub("req-<id>", "".join(lines))


def same_shape(real: Any, mine: Any, volatile: frozenset[str], path: str = "") -> None:
    """Equal, except ``volatile`` keys: present on both sides, with values of the same type."""
    assert type(mine) is type(real), f"{path}: {mine!r} vs {real!r}"
    if isinstance(real, dict):
        assert sorted(mine) == sorted(real), f"{path}: keys {sorted(mine)} vs {sorted(real)}"
        for key, value in real.items():
            if key in volatile:
                assert type(mine[key]) is type(value), f"{path}.{key}: type differs"
            else:
                same_shape(value, mine[key], volatile, f"{path}.{key}")
    elif isinstance(real, list):
        assert len(mine) == len(real), f"{path}: {len(mine)} items vs {len(real)}"
        for i, (a, b) in enumerate(zip(real, mine, strict=True)):
            same_shape(a, b, volatile, f"{path}[{i}]")
    else:
        assert mine == real, f"{path}: {mine!r} vs {real!r}"


def _by_id(data: Any) -> Any:
    """A list of records in ID order: Neutron does not promise an order for some lists."""
    if isinstance(data, list) and all(isinstance(d, dict) for d in data):
        return sorted(data, key=lambda d: str(d.get("ID", d.get("id", ""))))
    if isinstance(data, dict):
        return {k: _by_id(v) for k, v in data.items()}
    return data


def assert_same(real: Run, mine: Run, *, volatile: Sequence[str] = (),
                unordered: bool = False) -> None:
    """Same exit status; same JSON (or text) on stdout; same error line on stderr.

    ``unordered``: lists of records may come in any order (compared in ID order).
    """
    assert mine.rc == real.rc, f"rc {mine.rc} vs {real.rc}: {mine.err} / {real.err}"
    if real.rc != 0:
        assert normalise_error(mine.err) == normalise_error(real.err)
        return
    if real.out.lstrip().startswith(("{", "[")):
        theirs, ours = real.json(), mine.json()
        if unordered:
            theirs, ours = _by_id(theirs), _by_id(ours)
        same_shape(theirs, ours, frozenset(volatile))
    else:
        assert mine.out == real.out
