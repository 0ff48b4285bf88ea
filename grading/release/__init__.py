"""The learner's copy: which files ship, and the check that no solution leaks."""
