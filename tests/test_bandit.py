"""Bandit finds no medium or high severity issue in the application code."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bandit() -> str:
    beside_python = Path(sys.executable).parent / "bandit"
    found = str(beside_python) if beside_python.exists() else shutil.which("bandit")
    if found is None:
        pytest.fail("bandit is not installed: `make install-dev` (it is in the dev extras)")
    return found


def test_bandit_reports_no_medium_or_high_issue():
    done = subprocess.run(
        [_bandit(), "-q", "-r", "assessment", "--severity-level", "medium", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    report = json.loads(done.stdout)
    issues = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}: {r['issue_text']}"
              for r in report["results"] if r["issue_severity"] in ("MEDIUM", "HIGH")]
    assert not issues, "\n".join(issues)
    assert not report["errors"], report["errors"]
    assert done.returncode == 0, done.stderr[-2000:]
