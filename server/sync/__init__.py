"""Sync core: hybrid logical clock, wire ops, field schema and the pure merge (see INTERNALS.md)."""
