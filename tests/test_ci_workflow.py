"""The GitHub workflow: valid against GitHub's schema, and running the same entry point as every CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "ci.yml"


def test_the_workflow_is_valid_against_githubs_schema():
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    assert checker, "check-jsonschema is not installed (pip install -r requirements.txt)"
    run = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_workflow_runs_ci_run_with_python_311_on_pushes_and_pull_requests():
    text = WORKFLOW.read_text()
    assert "bash .ci/run" in text and 'python-version: "3.11"' in text
    assert "push:" in text and "pull_request:" in text and 'CI: "true"' in text
