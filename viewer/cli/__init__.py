"""The ``lightbox`` commands: the GUI launcher and every headless command (never import Qt at module level)."""
