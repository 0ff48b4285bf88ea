"""Grading submissions: read each, run it against the hidden tests, write the gradebook."""
