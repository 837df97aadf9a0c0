"""Channel connectors: one package per platform, all of the same shape (see :mod:`comptoir.channels.base`)."""
