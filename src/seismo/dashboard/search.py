"""Full-text search over the alert history and the log events (RediSearch).

RediSearch indexes hashes, not streams, so an indexer copies each new ``anomalies`` entry
into an ``alert:<id>`` hash (kept 30 days; also how an alert is found by id) and, when the
server has RediSearch, each new log event into a ``log:<stream id>`` hash that expires after
an hour or once the capped log stream has dropped its event, whichever comes first. The
indexer remembers how far it got per stream (``search-cursors``), so any dashboard process
can catch up where another left off and copying twice is harmless. With several ingest
shards every shard's log stream is copied (its own cursor; ``Keys.log_doc`` names its copies
``log:s<i>:<stream id>``) into the one index under the installation's prefix.

Queries are built from the words of ``q`` only (anything else is dropped, so no input can
be a RediSearch syntax error), ANDed, with tag and time filters. Without RediSearch the
same filters run as a plain word match over the newest entries of the stream.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import redis

from seismo.dashboard.params import Filters
from seismo.dashboard.streams import Fields, alert_item, entries, log_item
from seismo.engine.keys import Keys

ALERT_TTL_S = 30 * 24 * 3600
LOG_TTL_S = 3600
CATCH_UP_BATCH = 1000
TRIM_BATCH = 5000
CATCH_UP_MAX = 20_000
"""Most entries one catch-up copies; the background task continues where it stopped."""

ALERT_SCHEMA = (
    "summary", "TEXT", "WEIGHT", "2", "explanation", "TEXT", "business_impact", "TEXT",
    "remediation", "TEXT", "target", "TAG", "services", "TAG", "severity", "TAG",
    "scope", "TAG", "time", "NUMERIC", "SORTABLE",
)  # fmt: skip
LOG_SCHEMA = (
    "message", "TEXT", "service", "TAG", "level", "TAG", "trace_id", "TAG",
    "time", "NUMERIC", "SORTABLE", "appended", "NUMERIC",
)  # fmt: skip
WORD = re.compile(r"\w+")


def words(text: str | None) -> list[str]:
    """The lowercase words of ``text``: what both search paths match on."""
    return [w.lower() for w in WORD.findall(text or "")]


def services_of(alert: Mapping[str, Any]) -> list[str]:
    """The services an alert concerns: its target (a metric's service part), its origin."""
    target = str(alert.get("target") or "")
    scope = alert.get("scope")
    found = []
    if scope == "service" and target:
        found.append(target)
    elif scope == "metric" and "." in target:
        found.append(target.split(".", 1)[0])
    origin = alert.get("origin") or alert.get("origin_service")
    if isinstance(origin, str) and origin:
        found.append(origin)
    return list(dict.fromkeys(found))


def alert_text(alert: Mapping[str, Any]) -> dict[str, str]:
    """The searchable text fields of an alert."""
    explanation = " ".join(
        str(item.get("feature", "")).replace("_", " ")
        for item in alert.get("explanation") or []
        if isinstance(item, dict)
    )
    remediation = alert.get("remediation") or []
    return {
        "summary": str(alert.get("summary") or ""),
        "explanation": explanation,
        "business_impact": str(alert.get("business_impact") or ""),
        "remediation": " ".join(str(r) for r in remediation)
        if isinstance(remediation, list)
        else "",
    }


def alert_document(alert: Mapping[str, Any]) -> dict[str, str]:
    """The ``alert:<id>`` hash: the alert JSON plus its indexed fields."""
    return {
        **alert_text(alert),
        "json": json.dumps(alert),
        "target": str(alert.get("target") or ""),
        "services": ",".join(services_of(alert)),
        "severity": str(alert.get("severity") or ""),
        "scope": str(alert.get("scope") or ""),
        "time": str(int(alert.get("time") or 0)),
    }


def log_document(item: Mapping[str, Any]) -> dict[str, str]:
    """The ``log:<stream id>`` hash of one log event (``appended``: its stream id's time)."""
    return {
        "appended": str(item["id"]).split("-")[0],
        "message": str(item.get("message") or ""),
        "service": str(item.get("service") or ""),
        "level": str(item.get("level") or "").lower(),
        "trace_id": str(item.get("trace_id") or ""),
        "time": str(item["timestamp"]),
        "json": json.dumps(item),
    }


def escape_tag(value: str) -> str:
    """A tag value with every character but letters and digits escaped for a RediSearch
    query (a lone ``_`` unescaped is a syntax error there)."""
    return re.sub(r"(\W|_)", r"\\\1", value)


def search_query(filters: Filters, tags: Mapping[str, str | None]) -> str:
    """The RediSearch query for ``filters``: words ANDed, tags, the time range."""
    parts = words(filters.q)
    parts += [f"@{name}:{{{escape_tag(value)}}}" for name, value in tags.items() if value]
    if filters.since is not None or filters.until is not None:
        low = "-inf" if filters.since is None else filters.since
        high = "+inf" if filters.until is None else filters.until
        parts.append(f"@time:[{low} {high}]")
    return " ".join(parts) or "*"


def in_range(moment: int, filters: Filters) -> bool:
    """True when ``moment`` (epoch ms) lies within the filters' [since, until]."""
    if filters.since is not None and moment < filters.since:
        return False
    return filters.until is None or moment <= filters.until


def has_words(text: str, filters: Filters) -> bool:
    """The fallback match: every word of ``q`` is a word of ``text``."""
    wanted = words(filters.q)
    if not wanted:
        return True
    present = set(words(text))
    return all(word in present for word in wanted)


def alert_matches(alert: Mapping[str, Any], filters: Filters) -> bool:
    """Whether an alert passes the filters (the path without RediSearch, and listings)."""
    if not in_range(int(alert.get("time") or 0), filters):
        return False
    if filters.severity and alert.get("severity") != filters.severity:
        return False
    if filters.service and filters.service not in services_of(alert):
        return False
    return has_words(" ".join(alert_text(alert).values()), filters)


def log_matches(item: Mapping[str, Any], filters: Filters) -> bool:
    """Whether a log event passes the filters (the path without RediSearch)."""
    if not in_range(int(item["timestamp"]), filters):
        return False
    if filters.service and item.get("service") != filters.service:
        return False
    if filters.level and str(item.get("level") or "").lower() != filters.level:
        return False
    return has_words(str(item.get("message") or ""), filters)


def search_ids(client: redis.Redis, index: str, query: str, limit: int) -> list[str]:
    """Document keys answering ``query``, newest first."""
    reply = client.execute_command(
        "FT.SEARCH", index, query, "NOCONTENT", "SORTBY", "time", "DESC", "LIMIT", 0, limit
    )
    if isinstance(reply, dict):
        return [str(row["id"]) for row in reply.get("results", [])]
    return [str(key) for key in reply[1:]]


def search_documents(
    client: redis.Redis, index: str, query: str, limit: int
) -> list[dict[str, Any]]:
    """The JSON stored in each document answering ``query``, newest first."""
    keys = search_ids(client, index, query, limit)
    if not keys:
        return []
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hget(key, "json")
    return [json.loads(raw) for raw in pipe.execute() if raw]


def ensure_index(client: redis.Redis, index: str, prefix: str, schema: Iterable[str]) -> None:
    """FT.CREATE the index unless it exists (another process may create it first)."""
    try:
        client.execute_command("FT.INFO", index)
        return
    except redis.ResponseError:
        pass
    try:
        client.execute_command(
            "FT.CREATE", index, "ON", "HASH", "PREFIX", 1, prefix, "STOPWORDS", 0,
            "SCHEMA", *schema,
        )  # fmt: skip
    except redis.ResponseError as exc:
        if "already exists" not in str(exc).lower():
            raise


class SearchIndexer:
    """Copies new alerts and log events into their searchable hashes."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        *,
        search: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.keys = keys
        self.search = search
        self.clock = clock
        self._lock = threading.Lock()

    def ensure_indices(self) -> None:
        """Create the alert and log indices when the server has RediSearch."""
        if self.search:
            ensure_index(
                self.client, self.keys.alert_index, self.keys.alert_doc_prefix, ALERT_SCHEMA
            )
            ensure_index(self.client, self.keys.log_index, self.keys.log_doc_prefix, LOG_SCHEMA)

    def catch_up_alerts(self) -> list[dict[str, Any]]:
        """Copy the alerts appended since the last call and return them."""
        with self._lock:
            return self._copy(self.keys.anomalies, self._alert_start(), self._write_alerts)

    def catch_up_logs(self) -> None:
        """Copy the log events appended since the last call (with RediSearch only): every
        shard's log stream, each with its own cursor, into the installation's one index."""
        if not self.search:
            return
        with self._lock:
            for shard in self.keys.all_shards:
                write = partial(self._write_logs, shard)
                self._copy(shard.log_stream, self._log_start(shard), write)
                self._trim_logs(shard)

    def _trim_logs(self, shard: Keys) -> None:
        """Delete the copies of log events the capped stream has already dropped, so the
        copies never outgrow the stream (the hour-long expiry alone would not bound them)."""
        oldest = entries(self.client.xrange(shard.log_stream, count=1))
        cutoff = _stream_id(oldest[0][0])[0] if oldest else None
        if cutoff is None:
            return
        query = f"@appended:[-inf ({cutoff}]"
        mine = self.keys.log_docs_of(shard)
        found = search_ids(self.client, self.keys.log_index, query, TRIM_BATCH)
        stale = [key for key in found if key.startswith(mine)]
        if stale:
            self.client.delete(*stale)

    def _cursor(self, stream: str) -> str | None:
        value = self.client.hget(self.keys.search_cursors, stream)
        return None if value is None else str(value)

    def _alert_start(self) -> str:
        cursor = self._cursor(self.keys.anomalies)
        return "-" if cursor is None else "(" + cursor

    def _log_start(self, shard: Keys) -> str:
        oldest = f"{int((self.clock() - LOG_TTL_S) * 1000)}-0"
        cursor = self._cursor(shard.log_stream)
        if cursor is None or _stream_id(cursor) < _stream_id(oldest):
            return oldest
        return "(" + cursor

    def _copy(
        self,
        stream: str,
        start: str,
        write: Callable[[redis.client.Pipeline, list[tuple[str, Fields]]], list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        copied: list[dict[str, Any]] = []
        total = 0
        while total < CATCH_UP_MAX:
            batch = entries(self.client.xrange(stream, min=start, max="+", count=CATCH_UP_BATCH))
            if not batch:
                break
            pipe = self.client.pipeline(transaction=False)
            copied += write(pipe, batch)
            pipe.hset(self.keys.search_cursors, stream, batch[-1][0])
            pipe.execute()
            total += len(batch)
            start = "(" + batch[-1][0]
        return copied

    def _write_alerts(
        self, pipe: redis.client.Pipeline, batch: list[tuple[str, Fields]]
    ) -> list[dict[str, Any]]:
        alerts = [a for a in (alert_item(fields) for _, fields in batch) if a is not None]
        for alert in alerts:
            key = self.keys.alert_doc_prefix + str(alert["id"])
            _hset(pipe, key, alert_document(alert))
            pipe.expire(key, ALERT_TTL_S)
        return alerts

    def _write_logs(
        self, shard: Keys, pipe: redis.client.Pipeline, batch: list[tuple[str, Fields]]
    ) -> list[dict[str, Any]]:
        for entry_id, fields in batch:
            key = self.keys.log_doc(shard, entry_id)
            _hset(pipe, key, log_document(log_item(entry_id, fields)))
            pipe.expire(key, LOG_TTL_S)
        return []


def _hset(pipe: redis.client.Pipeline, key: str, document: dict[str, str]) -> None:
    mapping: dict[Any, Any] = document
    pipe.hset(key, mapping=mapping)


def _stream_id(text: str) -> tuple[int, int]:
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)
