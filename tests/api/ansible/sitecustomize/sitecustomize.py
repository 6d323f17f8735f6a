"""Loaded by the Python that runs the openstack.cloud modules (PYTHONPATH set by
tests/api/ansible_run.py). The collection reads ``openstack.version`` as an attribute of the
package after ``import openstack``; the openstacksdk in this venv loads its submodules
lazily, so the attribute is missing until something imports it. Importing it here is all
the shim does: it changes nothing the API under test sees."""

import importlib

importlib.import_module("openstack.version")
