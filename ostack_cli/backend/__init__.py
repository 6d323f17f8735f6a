"""The layer commands talk to: one interface, a local and a cloud implementation."""
