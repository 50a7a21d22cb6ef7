"""The robust scaler's smallest spread: detection logic over the fingerprint's feature table.

A feature that never moved in training must not make a one-request change look infinite, so
every spread has a floor: the feature kind's (``seismo.fingerprint.features``), at least a
share of the normal value, and for a share of requests at least one request's worth.
"""

from __future__ import annotations

from seismo.fingerprint.features import feature_kind

RELATIVE_FLOOR = 0.05
"""A spread is never below 5 % of the normal value: small relative wobbles are not news."""


def scale_floor(name: str, normal: float, requests: float = 0.0) -> float:
    """The smallest spread the robust scaler accepts for ``name`` around ``normal``.

    A share of requests (an error rate) moves by ``1 / requests`` with a single request, so
    with ``requests`` per window (the training median) one event is never more than one
    spread: a quiet service's first two errors are not an incident, a 40 % error rate is.
    """
    kind = feature_kind(name)
    floor = max(kind.floor, RELATIVE_FLOOR * abs(normal))
    if kind.unit == "%" and requests > 0:
        floor = max(floor, 1.0 / requests)
    return floor
