"""Instructor tools: release the assignment to learners and grade their notebooks (python -m grading).

In four parts, each a subpackage, over a few modules they share:

- ``release/``: the learner's copy (``learner_copy``), which files ship (``learner_files``), and the
  scan that keeps solutions and hidden tests out of it (``leaks``);
- ``hidden_tests/``: what each graded function is tested on (``cases``), those tests made ready with
  the reference's answers and times (``suite``), and judging one result with a diagnosis (``checks``);
- ``sandbox/``: the learner's process, from inside (``learner_main``) and from outside
  (``learner_process``), the sandbox it runs in (``bubblewrap``, ``seccomp``, ``task_limit``), its
  processes seen through ``/proc`` (``process_tree``), and the memory it shares with the grader
  (``exchange``);
- ``grade/``: reading a submission (``submission``), one submission's learner process over its
  restarts (``learner_session``), grading submissions (``scores``), writing what was found
  (``gradebook``), and learners' text made safe (``text``).

Shared: ``instructor_notebook`` (the graded cells and the reference solution), ``settings`` (points
and limits), ``packages`` (what graded code may import), ``outputs`` (writing files and folders
safely), and ``cli`` (the command line).
"""
