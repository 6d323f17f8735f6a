"""openstacksdk's CloudRegion with its auth cache hooks served by ostack's private files.

openstacksdk already has the hooks an auth cache needs, for its keyring cache: the region
loads cached auth when it is made (``load_auth_from_cache``), the Connection hands the auth
back when it closes (``set_auth_cache``), and ``clear_auth_cache`` forgets it. This region
keeps the state in ``auth_cache``'s files instead (never a keyring), and with it the version
documents the command discovered, so that a warm command makes no token request and no
version discovery request: only the calls it exists for.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from keystoneauth1 import discover
from keystoneauth1.identity import base as identity_base
from openstack.config import cloud_region

from ostack_cli.backend.cloud import auth_cache

LOG = logging.getLogger("ostack.cloud.auth_cache")


def auth_identity(region: cloud_region.CloudRegion) -> dict[str, Any]:
    """Everything that decides which token the cloud issues and where it is used.

    Nothing that matters is left out: every auth value (secrets too: the file name is a keyed
    hash), the plugin, region, interface and TLS settings.
    """
    plugin = region.get_auth()
    return {
        "plugin": f"{type(plugin).__module__}.{type(plugin).__qualname__}",
        "plugin_cache_id": plugin.get_cache_id() if plugin is not None else None,
        "auth_type": region.config.get("auth_type"),
        "auth": dict(region.auth or {}),
        "identity_api_version": region.config.get("identity_api_version"),
        "region_name": region.region_name,
        "interface": region.config.get("interface"),
        "tls": list(region.get_requests_verify_args()),
    }


def _restored_discovery(url: str, version_data: Any) -> discover.Discover:
    """A keystoneauth Discover object for ``url`` from version data read earlier, without the
    request its constructor would make."""
    found = discover.Discover.__new__(discover.Discover)
    found._url = url
    found._data = version_data
    return found


class CachedAuthRegion(cloud_region.CloudRegion):
    """A CloudRegion that reuses the auth state and discovery of earlier commands."""

    _cache: auth_cache.AuthCache | None = None
    _loaded: auth_cache.CachedAuth | None = None
    _loaded_token: str | None = None

    def _cacheable_plugin(self) -> identity_base.BaseIdentityPlugin | None:
        """The auth plugin if its state can be kept (keystoneauth's identity plugins with a
        cache id; not e.g. ``admin_token`` or ``none``)."""
        plugin = self.get_auth()
        if isinstance(plugin, identity_base.BaseIdentityPlugin) and plugin.get_cache_id():
            return plugin
        return None

    def load_auth_from_cache(self) -> None:
        # CloudRegion.__init__ calls this before ostack has decided whether to cache:
        # use_auth_cache() loads instead.
        return

    def use_auth_cache(self) -> None:
        """Reuse the cached auth of this config, if there is a usable one, and keep this
        command's auth for the next one."""
        plugin = self._cacheable_plugin()
        if plugin is None:
            return
        try:
            cache = auth_cache.AuthCache(auth_identity(self))
            loaded = cache.load()
        except OSError as exc:
            LOG.debug("Auth cache unavailable (%s): authenticating", exc.strerror or type(exc))
            return
        self._cache = cache
        if loaded is None:
            return
        try:
            plugin.set_auth_state(loaded.auth_state)
        except (ValueError, KeyError, TypeError):
            LOG.debug("Ignoring an auth cache file that keystoneauth cannot read")
            cache.forget()
            return
        self._loaded = loaded
        self._loaded_token = plugin.auth_ref.auth_token if plugin.auth_ref else None
        if loaded.discovery:
            self._discovery_cache = {
                url: _restored_discovery(url, data) for url, data in loaded.discovery.items()
            }
        LOG.debug("Reusing the cached token of this cloud and user (expires %s)",
                  loaded.expires_at.isoformat())

    def _discovered(self) -> dict[str, Any]:
        caches: list[dict[str, discover.Discover]] = []
        if self._keystone_session is not None:
            caches.append(self._keystone_session._discovery_cache)
        plugin = self.get_auth()
        if plugin is not None:
            caches.append(plugin._discovery_cache)
        return {url: found._data for cache in caches for url, found in cache.items()
                if isinstance(getattr(found, "_data", None), list)}

    def set_auth_cache(self) -> None:
        """Keep this command's auth and discovery (the Connection calls this on close)."""
        cache, plugin = self._cache, self._cacheable_plugin()
        if cache is None or plugin is None:
            return
        access = plugin.auth_ref
        loaded = self._loaded
        try:
            if access is None or access.expires is None:
                if loaded is not None:
                    cache.forget()  # its token was refused and no new one came
                return
            discovery = self._discovered()
            same_token = loaded is not None and access.auth_token == self._loaded_token
            if same_token and loaded is not None and discovery.keys() <= loaded.discovery.keys():
                return  # nothing new to keep
            # The session's discovery cache holds the restored documents too: ``discovery``
            # has them, and they keep their age.
            if loaded is not None and loaded.discovery:
                discovered_at = loaded.discovered_at
            else:
                discovered_at = time.time()
            state = plugin.get_auth_state()
            if state is None:
                return
            cache.save(auth_cache.CachedAuth(
                auth_state=state,
                expires_at=access.expires.astimezone(datetime.UTC),
                discovery=discovery,
                discovered_at=discovered_at,
            ))
        except OSError as exc:
            LOG.debug("Auth cache not written (%s)", exc.strerror or type(exc))

    def clear_auth_cache(self) -> None:
        """Forget this cloud and user's cached auth, in memory and on disk, whether or not
        caching is on now (a token kept while it was on must still go)."""
        plugin = self.get_auth()
        if plugin is not None:
            plugin.invalidate()
        self._loaded = self._loaded_token = None
        if self._cacheable_plugin() is None:
            return
        try:
            auth_cache.forget(auth_identity(self))
        except OSError as exc:
            LOG.debug("Auth cache not cleared (%s)", exc.strerror or type(exc))


__all__ = ["CachedAuthRegion", "auth_identity"]
