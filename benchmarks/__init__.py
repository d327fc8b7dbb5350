"""Benchmarks: each prints its figure beside a raw baseline run on the same infrastructure."""
