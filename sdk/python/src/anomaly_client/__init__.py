"""The seed's client name: ``from anomaly_client import AnomalyClient`` keeps working.

Scripts written for the seed system switch to Seismo without edits: ``AnomalyClient`` is
``SeismoClient``, whose ``send_metric(dict)`` and ``send_business_metric(name, value,
range)`` take the seed's arguments unchanged.
"""

from seismo_client import AsyncSeismoClient, SeismoClient

AnomalyClient = SeismoClient
AsyncAnomalyClient = AsyncSeismoClient

__all__ = ["AnomalyClient", "AsyncAnomalyClient"]
