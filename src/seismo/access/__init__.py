"""Who may call Seismo's web apps: API keys with scopes, rate limits, the audit log.

``scopes`` (which scope a route needs) and ``tokens`` (making, hashing and reading keys) are
pure; ``store``, ``limits`` and ``audit`` are the thin Redis parts; ``gate`` is the ASGI
middleware both the collector and the dashboard put in front of their routes.
"""
