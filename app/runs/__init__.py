"""Learners running code: the /api/run endpoints, and the record of every run for the admin dashboard."""
