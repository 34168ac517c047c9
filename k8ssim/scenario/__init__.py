"""The scenario file: schema (pydantic v2), loader with located errors, overrides (``--set``)."""
