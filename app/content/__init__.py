"""Markdown lessons on disk -> validated Lesson objects (pure: no database, no HTTP)."""
