"""Shell completion: commands, options, fixed choices and resource names for bash, zsh, fish.

What runs on every TAB (``engine``, ``values``, the generated ``tree``) imports neither cliff
nor the backends; ``spec`` and ``generate`` (which read the command tree) do, and run only when
the completion scripts are made.
"""
