"""Benchmarks: each prints a table with progress and can write JSON (``--json PATH``)."""
