"""Seismo: real-time anomaly detection for distributed systems, built on Redis."""

__version__ = "0.1.0"
