"""Seismo's ingest package."""
