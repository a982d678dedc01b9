"""PWA budgets (app shell size, lazy chunks, slow-3G first load, offline start): see run.py."""
