"""``ostack api serve``: the OpenStack REST APIs of the local backend (docs/api.md).

- ``server.py``: the process (uvicorn, TLS, signals, ``--detach``, the pid file, the log);
- ``app.py``: falcon's router, the request pipeline (token, body, handler, converge, errors);
- ``http.py``: what handlers see (``ApiRequest``, ``Reply``, ``Service.route``);
- ``faults.py``: every service's error bodies and the mapping of ostack's exceptions;
- ``schema.py``: body validation with jsonschema's messages; ``pagination.py``: limit/marker
  and each service's links; ``microversion.py``: Nova's negotiation;
- ``fernet_keys.py``, ``tokens.py``, ``principal.py``, ``password_cache.py``: Keystone's
  tokens; ``catalog.py``: the catalog and where each service is mounted;
- one module per service (``keystone.py``, ``nova.py``, ``neutron.py``, ``glance.py``: the
  service, its versions and errors), and its routes by resource: ``nova_*.py``,
  ``neutron_*.py``, ``glance_images.py`` (``app.ROUTE_MODULES``; ``routing.py`` imports a
  service's on its first request);
- ``process.py``: the server process the command becomes (``server._exec_server``);
  ``memory.py``: its heap policy (one malloc arena, freed memory handed back).

Nothing here is imported unless ``ostack api`` runs.
"""
