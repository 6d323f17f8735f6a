"""Nova's instance metadata: what a guest learns about itself.

One source for both ways a guest gets it: the config drive (``backend/local/configdrive.py``
writes ``content.config_drive_files``) and the metadata service at 169.254.169.254
(``proxy.py``, one small process in each router and DHCP namespace that needs one, started
and stopped by the host's reconciler). This package imports nothing of the local backend
(``ostack_cli.backend.local`` pulls in the whole facade): the proxy stays small and starts
fast.
"""
