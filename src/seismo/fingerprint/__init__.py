"""Seismo's fingerprint package."""
