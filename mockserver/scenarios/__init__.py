"""Scenarios: TOML files that script a world (settings, catalogue, a timeline of domain events, faults on
the wire), the shipped library of them, and the matrix that runs a client once per scenario."""
from .format import ScenarioError, from_body, library, names, read, schema, seconds, shipped

__all__ = ["ScenarioError", "from_body", "library", "names", "read", "schema", "seconds", "shipped"]
