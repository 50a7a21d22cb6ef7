"""Agents that bring data in from what services already emit (SPEC section 9).

``seismo agent scrape`` reads Prometheus ``/metrics`` targets and ``seismo agent tail``
follows access logs; both turn what they read into Seismo events and send them to the
collector's ``/api/batch``, so nothing in the services has to change.
"""
