"""Scenario files: the schema with provenance, the YAML loader with ``extends``, the checks, observations."""
