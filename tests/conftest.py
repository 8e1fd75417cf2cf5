"""Shared pytest fixtures. Backend fixtures (SQLite file, PostgreSQL) live here."""
