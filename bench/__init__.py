"""Performance benchmarks: ``make bench`` runs each module; ``python -m bench.history --help``."""
