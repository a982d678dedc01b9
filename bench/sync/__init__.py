"""Sync benchmark: Jiefen's ``POST /api/v1/sync`` over loopback HTTP against baselines (bench/README.md)."""
