"""The benchmark suite: ``python -m benchmarks`` (see README). Harness in :mod:`varlib.book.bench`."""
