"""ostack's benchmarks: ``benchmarks/run.py`` (``make bench``) runs the areas and prints a table."""
