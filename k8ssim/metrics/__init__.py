"""Metrics: the recorder that turns what happened into tidy tables (and, later, metrics-server)."""
