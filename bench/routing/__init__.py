"""Routing benchmarks: classify + route latency (``latency``) and the SLA timer scan (``timers``)."""
