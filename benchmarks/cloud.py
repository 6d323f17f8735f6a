"""Read commands against a real cloud: ostack's cloud backend beside the real client.

Both programs talk to the same cloud, realstack (``../shared/realstack``, clouds.yaml in
``$REALSTACK_BASE``, default /tmp/real-openstack), cloud ``realstack`` (admin). Each read
command is timed three ways, in turns:

- the real client (python-openstackclient 10.5, which authenticates from scratch every time);
- ostack's first command: no cached token (the auth cache directory is removed right before
  each run, by ``sh -c 'rm -rf ...; exec ostack ...'``), so it authenticates, discovers and
  writes the cache as a first command does;
- ostack's second command: the cache left by the run before, seconds earlier (one turn of
  all programs takes well under a minute), as when a user types one command after another.

``server show`` shows a server this area creates first (``--nic none``, flavor m1.tiny,
image tiny) and deletes at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import yaml

from benchmarks import realclient
from benchmarks.common import (
    AreaResult,
    Cell,
    CommandFailed,
    Measurement,
    Program,
    Row,
    Settings,
    Target,
    check,
    child_env,
    measure,
)

DESCRIPTION = "read commands on a real cloud (realstack): ostack's cloud backend, first and " \
              "second command, beside the real client"

CLOUD = "realstack"
REALSTACK_BASE = Path(os.environ.get("REALSTACK_BASE", "/tmp/real-openstack"))
FIRST_TARGET = 0.5  # a first command: at most this fraction of the real client's wall time
SECOND_TARGET = 0.25  # a second command within a minute of the first
READ_COMMANDS: dict[str, tuple[str, ...]] = {
    "server list": ("server", "list"),
    "flavor list": ("flavor", "list"),
    "network list": ("network", "list"),
    "server show": ("server", "show"),  # + the benchmark server's ID
}
FIRST = "first command (no cached token)"
SECOND = "second command (cached token)"
REQUEST = re.compile(r"^REQ: curl -g -i -X (\w+) \"?([^\s\"]+)")


def run(settings: Settings) -> AreaResult:
    area = settings.area_dir("cloud")
    result = AreaResult(notes=[f"cloud: {CLOUD} ({REALSTACK_BASE / 'clouds.yaml'})"])
    reason = cloud_unavailable()
    if reason:
        result.rows += [Row(f"{name}, {when}", f"n/a ({reason})", f"n/a ({reason})")
                        for name in READ_COMMANDS for when in (FIRST, SECOND)]
        result.targets += [Target(first_description(), None, reason),
                           Target(second_description(), None, reason)]
        return result
    config = private_clouds_yaml(area)
    real = _real_client(settings)
    result.notes.append(real.label)
    ostack = str(settings.ostack)
    cold_home, warm_home = area / "ostack-cold", area / "ostack-warm"
    cold_env = child_env(area / "home-cold", settings, OSTACK_HOME=str(cold_home),
                         OS_CLIENT_CONFIG_FILE=str(config))
    warm_env = child_env(area / "home-warm", settings, OSTACK_HOME=str(warm_home),
                         OS_CLIENT_CONFIG_FILE=str(config))
    real_env = child_env(area / "home-real", settings, OS_CLIENT_CONFIG_FILE=str(config))
    server_id: str | None = None
    try:
        server_id, why_not = create_server(ostack, warm_env)
        commands: dict[str, tuple[str, ...]] = {}
        for name, words in READ_COMMANDS.items():
            if name == "server show":
                if server_id is None:
                    continue
                words = (*words, server_id)
            commands[name] = words
        programs: dict[str, Program] = {}
        for name, words in commands.items():
            base = ["--os-cloud", CLOUD, *words]
            programs[f"cold {name}"] = (first_command([ostack, *base], cold_home / "auth"),
                                        cold_env)
            programs[f"warm {name}"] = ([ostack, *base], warm_env)
            if real.program is not None:
                programs[f"real {name}"] = ([str(real.program), *base], real_env)
        cells = measure(programs, runs=settings.runs, warmups=settings.warmups, cwd=area)
        no_real = f"n/a ({real.reason})"
        for name in READ_COMMANDS:
            if name not in commands:
                note = f"n/a (no server to show: {why_not})"
                result.rows += [Row(f"{name}, {FIRST}", note, note),
                                Row(f"{name}, {SECOND}", note, note)]
                continue
            real_cell = cells.get(f"real {name}", no_real)
            result.rows += [Row(f"{name}, {FIRST}", cells[f"cold {name}"], real_cell),
                            Row(f"{name}, {SECOND}", cells[f"warm {name}"], real_cell)]
        result.targets += [
            fraction_target(first_description(), FIRST_TARGET,
                            {n: (cells[f"cold {n}"], cells.get(f"real {n}", no_real))
                             for n in commands}),
            fraction_target(second_description(), SECOND_TARGET,
                            {n: (cells[f"warm {n}"], cells.get(f"real {n}", no_real))
                             for n in commands}),
        ]
        result.notes += request_notes(commands, ostack, warm_env, cold_home / "auth", cold_env,
                                      real, real_env)
    finally:
        if server_id:
            delete_server(ostack, warm_env, server_id)
        shutil.rmtree(cold_home / "auth", ignore_errors=True)
    return result


def first_description() -> str:
    return (f"every read command's first run (no cached token) at most {FIRST_TARGET:g}x the "
            "real client's wall time")


def second_description() -> str:
    return (f"every read command run again within a minute at most {SECOND_TARGET:g}x the "
            "real client's wall time")


def first_command(argv: Sequence[str], auth_dir: Path) -> list[str]:
    """``argv`` run as a first command: the auth cache removed right before it starts."""
    return ["/bin/sh", "-c", 'rm -rf -- "$0" && exec "$@"', str(auth_dir), *argv]


def fraction_target(description: str, limit: float,
                    pairs: dict[str, tuple[Cell, Cell]]) -> Target:
    """Passed when every command's median is at most ``limit`` times the real client's."""
    parts: list[str] = []
    passed: bool | None = True
    for name, (mine, theirs) in pairs.items():
        if not isinstance(mine, Measurement) or not isinstance(theirs, Measurement):
            missing = mine if not isinstance(mine, Measurement) else theirs
            parts.append(f"{name}: no measurement ({missing})")
            passed = None
            continue
        fraction = mine.median_ms / theirs.median_ms
        parts.append(f"{name} {mine.median_ms:.0f} / {theirs.median_ms:.0f} ms = "
                     f"{fraction:.2f}x")
        if fraction > limit and passed is not None:
            passed = False
    if not pairs:
        passed = None
    return Target(description, passed, "; ".join(parts) or "nothing measured")


def cloud_unavailable() -> str | None:
    """Why the cloud cannot be used, or None."""
    config = REALSTACK_BASE / "clouds.yaml"
    if not config.exists():
        return f"no realstack: {config} is missing (bash ../shared/realstack/up.sh)"
    try:
        data = yaml.safe_load(config.read_text()) or {}
        auth_url = data["clouds"][CLOUD]["auth"]["auth_url"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        return f"cannot read cloud {CLOUD} from {config}: {exc}"
    try:
        with urllib.request.urlopen(auth_url, timeout=5) as reply:
            if reply.status != 200:
                return f"Keystone at {auth_url} answered {reply.status}"
    except OSError as exc:
        return f"realstack is not running (Keystone at {auth_url}: {exc})"
    return None


def private_clouds_yaml(area: Path) -> Path:
    """A 0600 copy, so neither program warns about a readable file with a password."""
    target = area / "clouds.yaml"
    shutil.copyfile(REALSTACK_BASE / "clouds.yaml", target)
    target.chmod(0o600)
    return target


def _real_client(settings: Settings) -> realclient.RealClient:
    if not settings.real_client:
        return realclient.RealClient(None, "skipped with --no-real-client")
    return realclient.ensure(lambda message: print(f"bench: {message}", file=sys.stderr))


def create_server(ostack: str, env: dict[str, str]) -> tuple[str | None, str]:
    """A server for ``server show``: its ID, or None and why not."""
    name = f"ostack-bench-{secrets.token_hex(4)}"
    try:
        done = check([ostack, "--os-cloud", CLOUD, "server", "create", "--flavor", "m1.tiny",
                      "--image", "tiny", "--nic", "none", "--wait", "-f", "value", "-c", "id",
                      name], env)
    except CommandFailed as exc:
        # A server may exist even so (e.g. it went to ERROR): find it by its unique name.
        leftover = _find_server(ostack, env, name)
        if leftover:
            delete_server(ostack, env, leftover)
        return None, str(exc)
    return done.stdout.strip(), ""


def _find_server(ostack: str, env: dict[str, str], name: str) -> str | None:
    try:
        listed = check([ostack, "--os-cloud", CLOUD, "server", "list", "--name", f"^{name}$",
                        "-f", "value", "-c", "ID"], env)
    except CommandFailed:
        return None
    return listed.stdout.strip() or None


def delete_server(ostack: str, env: dict[str, str], server_id: str) -> None:
    try:
        check([ostack, "--os-cloud", CLOUD, "server", "delete", "--wait", server_id], env)
    except CommandFailed as exc:
        print(f"bench: could not delete the benchmark server {server_id}: {exc}",
              file=sys.stderr)


def requests_made(argv: Sequence[str], env: dict[str, str]) -> str:
    """The HTTP requests a command makes, from keystoneauth's --debug log (``GET :8774/v2.1
    ...``). keystoneauth never logs token requests: a first command's token request is
    counted from the cache it wrote (see request_notes)."""
    try:
        done = check([*argv[:1], "--debug", *argv[1:]], env)
    except CommandFailed as exc:
        return f"failed: {exc}"
    found = []
    for line in done.stderr.splitlines():
        match = REQUEST.match(line)
        if match:
            method, url = match.groups()
            parts = urllib.parse.urlsplit(url)
            found.append(f"{method} :{parts.port or ''}{parts.path or '/'}")
    return ", ".join(found) or "none logged"


def request_notes(commands: dict[str, tuple[str, ...]], ostack: str, warm_env: dict[str, str],
                  cold_auth: Path, cold_env: dict[str, str], real: realclient.RealClient,
                  real_env: dict[str, str]) -> list[str]:
    """Which requests each program makes for ``flavor list`` (token requests are not
    logged by keystoneauth: the first command and the real client each make one more)."""
    words = ["--os-cloud", CLOUD, *commands.get("flavor list", ("flavor", "list"))]
    shutil.rmtree(cold_auth, ignore_errors=True)
    notes = [
        "requests for `flavor list` (keystoneauth's --debug log; a token request, "
        "POST /v3/auth/tokens, is never logged: the real client and a first command make one)",
        f"  ostack, first command:  {requests_made([ostack, *words], cold_env)}",
        f"  ostack, second command: {requests_made([ostack, *words], warm_env)}",
    ]
    if real.program is not None:
        notes.append(f"  real client:            "
                     f"{requests_made([str(real.program), *words], real_env)}")
    return notes
