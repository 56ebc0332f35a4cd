"""Views in Redis, for serving. One Lua script call per batch.

Keys (every key of a projection shares the hash tag `{<prefix>:<projection>}`):
  <prefix>:{<prefix>:P}:active            the build readers use, e.g. "v1.2"
  <prefix>:{<prefix>:P}:builds            hash build -> sequence number
  <prefix>:{<prefix>:P}:<build>:cp        the build's checkpoint (last applied notification id)
  <prefix>:{<prefix>:P}:<build>:meta      hash: failure, heartbeat, caught_up_at, ...
  <prefix>:{<prefix>:P}:<build>:v:<key>   the view's hashes
  <prefix>:{<prefix>:P}:feed              stream of change messages, entry id "<nid>-0"
  <prefix>:{<prefix>:P}:feed:last         the feed's high-water mark (version-independent)

The script checks the checkpoint first and only then writes (Redis never rolls back
a script's earlier writes), so a repeated or overlapping batch writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import orjson
import redis
from eventsourcing.persistence import Tracking
from linkledger.infrastructure.view_store import Build, Changes, ViewStore, ViewStoreError, Writes

# Seconds a connection attempt may take before its cause is reported.
REDIS_CONNECT_TIMEOUT = 4.0

APPLY_BATCH = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if cur ~= tonumber(ARGV[1]) then return {0, cur} end
local prefix = ARGV[3]
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  local key = prefix .. ARGV[i]
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  local j = 0
  while j < n do
    local m = math.min(n - j, 2000)
    redis.call('HSET', key, unpack(ARGV, i + 2 * j, i + 2 * (j + m) - 1))
    j = j + m
  end
  i = i + 2 * n
end
local ndel = tonumber(ARGV[i]); i = i + 1
for _ = 1, ndel do
  local key = prefix .. ARGV[i]
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  local j = 0
  while j < n do
    local m = math.min(n - j, 4000)
    redis.call('HDEL', key, unpack(ARGV, i + j, i + j + m - 1))
    j = j + m
  end
  i = i + n
end
local nmsg = tonumber(ARGV[i]); i = i + 1
if nmsg > 0 then
  local last = tonumber(redis.call('GET', KEYS[3]) or '0')
  local top = last
  for _ = 1, nmsg do
    local nid = tonumber(ARGV[i])
    if nid > last then
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], ARGV[i] .. '-0', 'm', ARGV[i + 1])
      top = nid
    end
    i = i + 2
  end
  if top > last then redis.call('SET', KEYS[3], top) end
end
redis.call('SET', KEYS[1], ARGV[2])
return {1, tonumber(ARGV[2])}
"""


def parse_redis_url(url: str) -> tuple[str, str]:
    """redis://host:port/db[?prefix=NAME] -> (connection url, key prefix)."""
    parsed = urlparse(url)
    prefix = parse_qs(parsed.query).get("prefix", ["ll"])[0]
    return parsed._replace(query="").geturl(), prefix


class RedisViewStore(ViewStore):
    kind = "redis"

    def __init__(self, url: str, *, feed_maxlen: int = 10_000_000) -> None:
        conn_url, self.prefix = parse_redis_url(url)
        self.url = url
        self.r = redis.Redis.from_url(
            conn_url,
            decode_responses=True,
            socket_timeout=30,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
            health_check_interval=10,
        )
        self.feed_maxlen = feed_maxlen
        self._apply = self.r.register_script(APPLY_BATCH)

    def close(self) -> None:
        self.r.close()

    def ping(self, timeout: float | None = None) -> None:
        """Raise if the server does not answer (within `timeout` seconds, once, if given)."""
        if timeout is None:
            self.r.ping()
            return
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        probe = redis.Redis.from_url(
            self.r.get_connection_kwargs().get("url") or parse_redis_url(self.url)[0],
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            probe.ping()
        finally:
            probe.close()

    # -------------------------------------------------------------------- keys
    def _p(self, projection: str) -> str:
        return f"{self.prefix}:{{{self.prefix}:{projection}}}"

    def _b(self, build: Build) -> str:
        return f"{self._p(build.projection)}:{build.build}"

    def feed_key(self, projection: str) -> str:
        return f"{self._p(projection)}:feed"

    # ----------------------------------------------------------------- builds
    def active(self, projection: str) -> str | None:
        return self.r.get(f"{self._p(projection)}:active")

    def builds(self, projection: str) -> list[str]:
        found = self.r.hgetall(f"{self._p(projection)}:builds")
        return [b for b, _ in sorted(found.items(), key=lambda kv: int(kv[1]))]

    def new_build(self, projection: str, version: int) -> Build:
        seq = self.r.incr(f"{self._p(projection)}:seq")
        build = Build(projection, f"v{version}.{seq}")
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(f"{self._p(projection)}:builds", build.build, seq)
        pipe.set(f"{self._b(build)}:cp", 0)
        pipe.execute()
        return build

    def activate(self, build: Build) -> None:
        self.r.set(f"{self._p(build.projection)}:active", build.build)

    def drop(self, build: Build) -> None:
        if self.active(build.projection) == build.build:
            raise ViewStoreError(f"{build} is the active build; activate another before dropping it")
        self.r.hdel(f"{self._p(build.projection)}:builds", build.build)
        self.r.delete(f"{self._b(build)}:cp", f"{self._b(build)}:meta")
        batch: list[str] = []
        for key in self.r.scan_iter(match=f"{self._b(build)}:v:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                self.r.unlink(*batch)
                batch = []
        if batch:
            self.r.unlink(*batch)

    # ---------------------------------------------------------------- reading
    def checkpoint(self, build: Build) -> int:
        return int(self.r.get(f"{self._b(build)}:cp") or 0)

    def hget(self, build: Build, key: str, field: str) -> str | None:
        return self.r.hget(f"{self._b(build)}:v:{key}", field)

    def hgetall(self, build: Build, key: str) -> dict[str, str]:
        return self.r.hgetall(f"{self._b(build)}:v:{key}")

    def keys(self, build: Build) -> Iterator[str]:
        cut = len(f"{self._b(build)}:v:")
        return (k[cut:] for k in self.r.scan_iter(match=f"{self._b(build)}:v:*", count=1000))

    # ---------------------------------------------------------------- writing
    def apply(self, build: Build, expected: int, tracking: Tracking, writes: Writes, changes: Changes) -> int:
        return self.apply_many([(build, expected, tracking, writes, changes)])[0]

    def apply_many(self, batches: list[tuple[Build, int, Tracking, Writes, Changes]]) -> list[int]:
        """One round trip: a pipeline of script calls, each atomic and guarded on its own."""
        pipe = self.r.pipeline(transaction=False)
        for batch in batches:
            keys, args = self._script_call(*batch)
            self._apply(keys=keys, args=args, client=pipe)
        return [int(cp) if ok else max(int(cp), 0) for ok, cp in pipe.execute()]

    def _script_call(
        self, build: Build, expected: int, tracking: Tracking, writes: Writes, changes: Changes
    ) -> tuple[list[str], list[Any]]:
        sets: dict[str, list[str]] = {}
        dels: dict[str, list[str]] = {}
        for (key, field), value in writes.items():
            if value is None:
                dels.setdefault(key, []).append(field)
            else:
                sets.setdefault(key, []).extend((field, value))
        args: list[Any] = [expected, tracking.notification_id, f"{self._b(build)}:v:", self.feed_maxlen, len(sets)]
        for key, fvs in sets.items():
            args += (key, len(fvs) // 2, *fvs)
        args.append(len(dels))
        for key, fs in dels.items():
            args += (key, len(fs), *fs)
        args.append(len(changes))
        for nid, msg in changes:
            args += (nid, msg)
        p = self._p(build.projection)
        return [f"{self._b(build)}:cp", f"{p}:feed", f"{p}:feed:last"], args

    # ------------------------------------------------------------ meta, feed
    def set_meta(self, build: Build, fields: dict[str, str]) -> None:
        self.r.hset(f"{self._b(build)}:meta", mapping=fields)

    def meta(self, build: Build) -> dict[str, str]:
        return self.r.hgetall(f"{self._b(build)}:meta")

    def feed_high_water(self, projection: str) -> int:
        return int(self.r.get(f"{self._p(projection)}:feed:last") or 0)

    def feed(self, projection: str, after: int = 0, count: int = 1000) -> list[tuple[int, dict[str, Any]]]:
        entries = self.r.xrange(self.feed_key(projection), min=f"({after}-0", count=count)
        return [(int(eid.split("-")[0]), orjson.loads(fields["m"])) for eid, fields in entries]
