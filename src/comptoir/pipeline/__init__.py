"""The processing pipeline: an ordered table of named steps run over a typed message context."""
