"""Headcounts and reports: the pure computation, its data sources, PDF and CSV."""
