"""An OTLP/HTTP body (protobuf or JSON, plain or gzip) into its protobuf message.

OTLP's JSON encoding differs from protobuf's canonical JSON in one place: trace and span
ids are hex, not base64. They are turned into base64 before parsing so a span sent as JSON
and its parent sent as protobuf carry the same id.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any, TypeVar, cast

import msgspec
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from seismo.ingest.normalize import FieldError

M = TypeVar("M", bound=Message)
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
ID_FIELDS = ("traceId", "spanId", "parentSpanId")


class UnsupportedMedia(Exception):
    """A content type or encoding OTLP/HTTP does not define (answered 415)."""


def media_type(content_type: str) -> str:
    """``PROTOBUF`` or ``JSON`` from a Content-Type header, else ``UnsupportedMedia``."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in (PROTOBUF, JSON):
        raise UnsupportedMedia(f"content-type must be {PROTOBUF} or {JSON}, not {kind!r}")
    return kind


def inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its ``Content-Encoding`` (gzip or none), at most ``limit`` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise UnsupportedMedia(f"content-encoding must be gzip or none, not {encoding!r}")
    inflater = zlib.decompressobj(wbits=31)
    try:
        plain = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise FieldError("body", f"body is not valid gzip: {exc}") from None
    if len(plain) > limit:
        raise FieldError("body", "body is larger than SEISMO_MAX_BODY_BYTES once inflated")
    return plain


def parse(body: bytes, kind: str, message: type[M]) -> M:
    """``message`` decoded from ``body``; a ``FieldError`` naming what is wrong."""
    name = message.DESCRIPTOR.name
    if kind == PROTOBUF:
        try:
            return cast(M, message.FromString(body))
        except DecodeError as exc:
            raise FieldError("body", f"body is not a protobuf {name}: {exc}") from None
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise FieldError("body", f"body is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise FieldError("body", f"body must be a JSON object ({name})")
    try:
        parsed = json_format.ParseDict(_ids_as_base64(raw), message(), ignore_unknown_fields=True)
        return cast(M, parsed)
    except json_format.ParseError as exc:
        raise FieldError("body", f"body is not an OTLP JSON {name}: {exc}") from None


def _ids_as_base64(value: Any) -> Any:
    if isinstance(value, list):
        return [_ids_as_base64(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: _id(v, k) if k in ID_FIELDS else _ids_as_base64(v) for k, v in value.items()}


def _id(value: Any, field: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return base64.b64encode(bytes.fromhex(value)).decode()
    except ValueError:
        raise FieldError("body", f"{field} must be a hex string, not {value!r}") from None
