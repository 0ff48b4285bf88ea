"""The notebook's support: figures, bit and byte accounting, baselines, colour space, learner help."""
