"""The ``ostack dashboard serve`` process: the real Horizon, from its own venv, under gunicorn.

- It needs ``ostack api serve``: Horizon is only a client of Keystone, Nova, Neutron and
  Glance. The API's address is the ``auth_url`` of the ``ostack`` entry that ``ostack
  bootstrap`` wrote into clouds.yaml (``--api`` names another); an API that does not answer
  fails the command in one line.
- Loopback only (``127.0.0.1:8080`` by default). The socket is bound by this command, before
  anything slow and before ``--detach`` forks, as ``ostack api serve`` does (a port in use
  fails the command itself); gunicorn inherits it (``fd://``).
- One gunicorn process with threads: Horizon's sessions live in its local-memory cache, which
  several processes would not share.
- ``--detach``: the pid file ``<state dir>/dashboard.pid`` and the log
  ``<state dir>/dashboard.log``; the daemon becomes gunicorn (same pid), whose SIGTERM is
  graceful. ``ostack dashboard stop`` reads the pid file.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from ostack_cli.dashboard.settings import WSGI_MODULE, DashboardLayout, write_files
from ostack_cli.dashboard.venv import HorizonVenv, constraints_digest, locked, run_step
from ostack_cli.errors import CommandError

DEFAULT_BIND = "127.0.0.1:8080"
PID_FILE = "dashboard.pid"
LOG_FILE = "dashboard.log"
NAME = "ostack dashboard"
# gunicorn's --name: what `ostack dashboard stop` recognises in the process's command line.
PROCESS_NAME = "ostack-dashboard"
MARKS = (PROCESS_NAME.encode(),)
GRACEFUL_SECONDS = 30
# Horizon's pages wait on the API: generous under load.
REQUEST_TIMEOUT_SECONDS = 300
THREADS = 8
STATIC_MARKER = ".ostack-static"
VENV_ENV = "OSTACK_DASHBOARD_VENV"


@dataclasses.dataclass(frozen=True)
class DashboardOptions:
    state_dir: Path
    bind: str = DEFAULT_BIND
    api: str | None = None  # Keystone's URL; default: clouds.yaml's "ostack" entry
    detach: bool = False


def layout_for(state_dir: Path) -> DashboardLayout:
    """``<state dir>/dashboard``; the venv there unless ``$OSTACK_DASHBOARD_VENV`` names one
    (tests share one venv between their private stores)."""
    root = state_dir / "dashboard"
    explicit = os.environ.get(VENV_ENV)
    return DashboardLayout(root=root, venv=Path(explicit) if explicit else root / "venv")


def keystone_url(explicit: str | None) -> str:
    """``--api`` (an address or a URL), else the ``ostack`` cloud's ``auth_url``."""
    if explicit:
        url = explicit if "://" in explicit else f"http://{explicit}"
        return url.rstrip("/") + ("" if url.rstrip("/").endswith("/v3") else "/v3")
    from ostack_cli.backend.local.api_access import DEFAULT_AUTH_URL, clouds_yaml_path

    try:
        import yaml

        data = yaml.safe_load(clouds_yaml_path().read_text()) or {}
        url = data["clouds"]["ostack"]["auth"]["auth_url"]
    except (OSError, KeyError, TypeError, ValueError):
        return DEFAULT_AUTH_URL
    return str(url).rstrip("/")


def check_api(url: str) -> None:
    hint = "start it with 'ostack api serve --detach' (or name its address with --api)."
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            version = json.loads(answer.read()).get("version", {})
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise CommandError(f"ostack api is not answering at {url} ({reason}):", hint) from None
    if not str(version.get("id", "")).startswith("v3"):
        raise CommandError(f"No Keystone v3 answers at {url}:", hint)


def serve(options: DashboardOptions) -> int:
    from ostack_cli.api.server import bind_socket, daemonize, parse_bind, running_pid

    host, port = parse_bind(options.bind)
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise CommandError(f"Invalid --bind {options.bind!r}: the dashboard listens on "
                           "loopback addresses only.")
    url = keystone_url(options.api)
    check_api(url)
    pid_file = options.state_dir / PID_FILE
    if options.detach:
        other = running_pid(pid_file, MARKS)
        if other is not None:
            raise CommandError(f"{NAME} is already running (pid {other}, {pid_file}).")
    sock = bind_socket(host, port)
    layout = layout_for(options.state_dir)
    write_files(layout, url, host)
    venv = HorizonVenv(layout.venv)
    venv.ensure()
    env = _server_env(layout)
    _ensure_static(venv, layout, env)
    command = [str(venv.gunicorn), "--bind", f"fd://{sock.fileno()}",
               "--workers", "1", "--worker-class", "gthread", "--threads", str(THREADS),
               "--timeout", str(REQUEST_TIMEOUT_SECONDS),
               "--graceful-timeout", str(GRACEFUL_SECONDS),
               "--pythonpath", str(layout.python_path), "--chdir", str(layout.root),
               "--name", PROCESS_NAME, "--access-logfile", "-", "--error-logfile", "-",
               # gunicorn's control socket is one per user (~/.gunicorn): not ours to take.
               "--no-control-socket",
               f"{WSGI_MODULE}:application"]
    if options.detach:
        if daemonize(pid_file, NAME):
            sock.close()
            sys.stderr.write(f"{NAME}: serving http://{options.bind} (pid file {pid_file})\n")
            return 0
        _log_to(options.state_dir / LOG_FILE)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, env)
    raise AssertionError("unreachable")  # pragma: no cover


def stop(state_dir: Path) -> None:
    from ostack_cli.api.server import stop as stop_server

    stop_server(state_dir / PID_FILE, timeout=GRACEFUL_SECONDS + 10, name=NAME, marks=MARKS)


def _server_env(layout: DashboardLayout) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OS_", "PYTHON", "VIRTUAL_ENV", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "openstack_dashboard.settings"
    env["PYTHONPATH"] = str(layout.python_path)
    # Django's and Horizon's deprecation notices say nothing to a user of the dashboard.
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning,ignore::PendingDeprecationWarning"
    return env


def _ensure_static(venv: HorizonVenv, layout: DashboardLayout, env: dict[str, str]) -> None:
    """collectstatic and compress (Horizon's offline compression), once per venv."""
    marker = layout.static / STATIC_MARKER
    if _static_current(marker):
        return
    with locked(venv.root.with_name("venv.lock")):
        if _static_current(marker):
            return
        sys.stderr.write(f"{NAME}: collecting and compressing Horizon's static files (once)\n")
        admin = [str(venv.python), "-m", "django"]
        run_step([*admin, "collectstatic", "--noinput", "--clear", "-v0"],
                 "collect Horizon's static files", env)
        run_step([*admin, "compress", "--force", "-v0"], "compress Horizon's static files",
                 env)
        marker.write_text(constraints_digest() + "\n")


def _static_current(marker: Path) -> bool:
    try:
        return marker.read_text().strip() == constraints_digest()
    except OSError:
        return False


def _log_to(log_file: Path) -> None:
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
