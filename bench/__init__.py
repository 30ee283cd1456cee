"""Benchmarks (`make bench-live`): real server processes, load from other processes, printed figures."""
