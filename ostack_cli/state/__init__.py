"""ostack's local state: where it lives and the SQLite store that keeps it."""
