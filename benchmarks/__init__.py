"""Benchmarks run by ``make bench-*``: a baseline and the hub, side by side, in one run."""
