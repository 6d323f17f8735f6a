# The README documents these targets; .ci/run calls `make test`.
.PHONY: setup demo demo-dashboard test lint unit bench completions cloud-index clean-host

VENV := .venv
PY := $(VENV)/bin/python

setup:
	bash tools/setup.sh

demo: setup
	bash tools/demo.sh

demo-dashboard: setup
	bash tools/demo.sh --dashboard

lint: setup
	$(VENV)/bin/ruff check ostack_cli tests benchmarks tools
	$(VENV)/bin/mypy

test: setup
	bash tools/test.sh  # runs lint too, once the cloud tier has started

unit: setup
	$(VENV)/bin/pytest -p no:cacheprovider -m "not slow" tests

bench: setup
	$(PY) benchmarks/run.py

completions: setup
	$(PY) -m ostack_cli.completion.generate

# Which cloud backend part serves each name (after adding a part or a method to one).
cloud-index: setup
	$(PY) -m ostack_cli.backend.cloud.part_index_generate

# What stores deleted without a purge left on the host (root; opens no store, so it never
# makes /var/lib/ostack): one line per tag removed.
clean-host:
	$(PY) -m ostack_cli.backend.local.reconcile orphans
