"""``python -m ostack_cli.completion``: the helper the completion scripts run on TAB."""

import sys

from ostack_cli.completion.values import main

sys.exit(main())
