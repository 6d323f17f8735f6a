"""``ostack dashboard``: the real Horizon, in a venv of its own, over ``ostack api``
(docs/dashboard.md). Nothing here is imported by the CLI's start-up."""
