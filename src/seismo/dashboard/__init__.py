"""Seismo's dashboard package."""
