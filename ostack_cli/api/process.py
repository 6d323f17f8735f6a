"""The ``ostack api serve`` process once the command has checked its options, bound the
socket and (with ``--detach``) written the pid file: ``server._exec_server`` replaces the CLI
with ``python -m ostack_cli.api.process api serve <socket fd> <options as JSON>``, the same
pid, so the server holds only what serving needs (issue 10: the command framework's
modules stay behind).
"""

from __future__ import annotations

import json
import socket
import sys


def main(argv: list[str]) -> int:
    from ostack_cli.api.server import options_from, run_server
    from ostack_cli.errors import OstackError

    _api, _serve, fd, settings = argv
    sock = socket.socket(fileno=int(fd))
    try:
        return run_server(options_from(json.loads(settings)), sock)
    except (OstackError, OSError) as exc:  # as the command reports them: one line, status 1
        sys.stderr.write(f"{exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
