"""Benchmarks run by `make bench`: not tests, no assertions, numbers to read."""
