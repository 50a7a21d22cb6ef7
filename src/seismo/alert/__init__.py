"""Seismo's alert package."""
