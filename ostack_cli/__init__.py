"""ostack: the OpenStack command line for one host, and for real clouds."""

__version__ = "0.1.0"
