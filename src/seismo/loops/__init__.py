"""The long-running roles' loops: thin glue between Redis and the pure layers below.

``aggregator`` closes windows inside Redis on time; ``detector`` reads each fingerprint,
scores it with ``seismo.detect`` and turns findings into alerts with ``seismo.alert``. They
sit above both, so the pure layers never import Redis-reading code.
"""
