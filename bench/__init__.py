"""Benchmarks: run by hand (``python -m bench.run``), never by pytest."""
