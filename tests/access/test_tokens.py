"""Keys as values: made fresh, hashed, read from a request's headers or query, durations."""

from __future__ import annotations

import pytest

from seismo.access import tokens


def test_each_key_is_new_long_and_stored_by_a_digest_that_is_not_the_key() -> None:
    made = {tokens.new_token() for _ in range(100)}
    assert len(made) == 100
    token = made.pop()
    assert token.startswith("seismo_") and len(token) >= 40
    assert tokens.digest(token) != token and len(tokens.digest(token)) == 64
    _, record = tokens.new_key(None, "read", 1, None)
    assert record.name == record.id == record.digest[: tokens.ID_LENGTH]


@pytest.mark.parametrize(
    ("headers", "query", "found"),
    [
        ({"authorization": "Bearer abc"}, {}, "abc"),
        ({"authorization": "bearer  abc "}, {}, "abc"),
        ({"x-api-key": "xyz"}, {}, "xyz"),
        ({"authorization": "Basic dXNlcg=="}, {}, None),
        ({}, {"api_key": "from-query"}, "from-query"),
        ({}, {}, None),
    ],
)
def test_a_key_is_read_from_bearer_x_api_key_or_the_query(
    headers: dict[str, str], query: dict[str, str], found: str | None
) -> None:
    assert tokens.credentials(headers, query) == found


def test_durations_are_read_and_nonsense_refused() -> None:
    assert tokens.duration_ms("90d") == 90 * 86_400_000
    assert tokens.duration_ms("12h") == 12 * 3_600_000
    for bad in ("", "0d", "1y", "d", "-3h"):
        with pytest.raises(ValueError, match="duration"):
            tokens.duration_ms(bad)


def test_an_expiry_is_the_moment_the_key_stops() -> None:
    _, record = tokens.new_key("k", "ingest", 0, expires_ms=1000)
    assert not record.expired(999) and record.expired(1000)
    _, forever = tokens.new_key("k", "ingest", 0, None)
    assert not forever.expired(10**15)
