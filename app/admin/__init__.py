"""The admin dashboard: who learns what, which questions trip people up, and how the runner is doing."""
