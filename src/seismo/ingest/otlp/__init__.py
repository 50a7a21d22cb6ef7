"""OpenTelemetry OTLP/HTTP ingest (SPEC section 9): ``POST /v1/metrics`` and ``/v1/traces``.

Teams that already run OpenTelemetry point their exporter at the collector instead of
writing Seismo calls: HTTP server metrics and server spans become Seismo request events
under the resource's ``service.name``, other numeric metrics business (custom) metrics.
"""
