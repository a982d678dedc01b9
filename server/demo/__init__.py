"""Demo data for `make run`: a year of fictitious cases filed through the real path (the demo county's
regions, organisations and accounts are seeded by ``server/registry/seed.py``)."""
