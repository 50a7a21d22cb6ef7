"""Seismo's demo package."""
