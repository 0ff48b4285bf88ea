"""The plumbing of ``compress.py``: one file, many files, stopping cleanly."""
