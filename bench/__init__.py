"""Performance benchmarks: ``make bench`` (``python -m bench.run``) runs every part and writes
``bench.json``; ``python -m bench.report bench.json`` prints the table for the README."""
