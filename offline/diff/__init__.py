"""`make diff`: an offline plan diff between two revisions (see __main__.py)."""
