"""Instructor tools: release the assignment to learners and grade their notebooks (python -m grading).

Modules, one concern each:

- ``source``: the graded cells and the reference solution, read from the instructor's notebook;
- ``release``: the learner's copy; ``leaks``: the scan that keeps solutions and hidden tests out of it;
- ``hidden_tests``: what is tested; ``suite``: those tests with the reference's answers and times;
- ``extract``: a submission's graded cells and the imports they need;
- ``worker`` (the learner's process), ``learner_process`` (starting, asking, timing and killing it),
  ``bubblewrap`` and ``seccomp`` (the sandbox it runs in), ``process_tree`` (processes seen from
  outside), ``exchange`` (the memory it shares with the grader), ``session`` (its restarts);
- ``checks``: judging a result, with a diagnosis; ``grade``: grading submissions;
- ``gradebook``: gradebook.csv, feedback, summary; ``files``: writing them safely;
  ``learner_files``: which files are the learner's; ``cli``: the command line; ``settings``: points, limits.
"""
