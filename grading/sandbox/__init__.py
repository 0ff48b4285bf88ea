"""The learner's process, sandboxed: bubblewrap, seccomp, limits, and the protocol to it."""
