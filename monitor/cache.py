"""The shared cache on redis, that turns an unreachable redis into cache misses.

Every gunicorn worker shares one cache (the API throttle and the list counts hold across
workers). The cache only makes pages faster: when redis is down or slow, a read is a miss, a
write is dropped, the failure is logged once per outage, and the page is served from the
database. After a failure the cache stays off for RETRY_SECONDS, so each request does not wait
for a connection timeout while redis is away.
"""

import functools
import logging
import time
import types

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
_STATES = {}


class _Down(Exception):
    pass


def _fallback(default_from=None, default=None):
    """Run the redis call; on a redis error return the default (the key's `default`, or a value)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                self._check()
                result = method(self, *args, **kwargs)
            except (RedisError, OSError, _Down) as exc:
                self._failed(exc)
                if default_from is not None:
                    return kwargs.get(default_from, args[1] if len(args) > 1 else default)
                return default() if callable(default) else default
            self._ok()
            return result

        return wrapper

    return decorate


class _ReusedClient(RedisCacheClient):
    """Django's client makes a new redis.Redis object (and its table of reply callbacks) for every
    command; one per connection pool serves them all (redis.Redis is safe to share). Under many
    readers that was a tenth of an API answer's cost, which makes five cache calls."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """django's RedisCache whose failures are misses (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
        # Django makes one cache object per thread; the outage is the process's, shared by all.
        self._state = _STATES.setdefault(repr(self._servers), types.SimpleNamespace(outage=False, down_until=0.0))

    def _check(self):
        if self._state.outage and time.monotonic() < self._state.down_until:
            raise _Down

    def _failed(self, exc):
        if isinstance(exc, _Down):
            return
        if not self._state.outage:  # once per outage, not once per request
            log.warning("Cache unavailable (%s); pages are served without it until it is back.", exc)
        self._state.outage = True
        self._state.down_until = time.monotonic() + RETRY_SECONDS

    def _ok(self):
        if self._state.outage:
            self._state.outage = False
            log.warning("Cache available again.")

    @_fallback(default_from="default")
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_fallback(default=False)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_fallback()
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_fallback(default=False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_fallback(default=False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_fallback(default=dict)
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_fallback(default=False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_fallback(default=list)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_fallback()
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_fallback(default=False)
    def clear(self):
        return super().clear()

    # A text value replaced only by one whose number is at least its own, in one step on the server:
    # two writers publishing out of order leave the newer (commitments.dataversion).
    _NEWER = (
        "local held = redis.call('GET', KEYS[1]) "
        "local number = held and tonumber(string.match(held, '^%d+')) "
        "if number and number > tonumber(ARGV[1]) then return 0 end "
        "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1"
    )

    @_fallback()
    def get_text(self, key):
        """The text under `key` (set by `set_text_if_newer`), or None (also when redis is away)."""
        value = self._cache.get_client(key).get(self.make_and_validate_key(key))
        return None if value is None else value.decode()

    @_fallback(default=False)
    def set_text_if_newer(self, key, number, text, seconds):
        """Store `text` ("<number>:...") unless the stored text's number is greater; True if stored."""
        client = self._cache.get_client(key, write=True)
        return bool(client.eval(self._NEWER, 1, self.make_and_validate_key(key), number, text, int(seconds * 1000)))

    def incr(self, key, delta=1, version=None):
        # A missing key is a ValueError as in every backend; an unreachable redis counts as missing.
        try:
            self._check()
            value = super().incr(key, delta, version)
        except (RedisError, OSError, _Down) as exc:
            self._failed(exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc
        self._ok()
        return value
