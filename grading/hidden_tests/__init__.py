"""The hidden tests: their cases, the reference's answers, and how a result is judged."""
