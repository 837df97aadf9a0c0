"""Actions: the only write path (do_* style functions taking a transaction), plus typed reads."""
