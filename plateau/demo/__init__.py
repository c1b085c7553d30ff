"""The demo school: a realistic collège for `make demo`, tests and benchmarks."""
