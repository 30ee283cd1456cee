"""Persistence: SQLAlchemy models, the async engine and session factory."""
