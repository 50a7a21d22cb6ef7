"""Seismo's detect package."""
