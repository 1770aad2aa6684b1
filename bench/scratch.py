"""The frame every in-process bench runs in: a scratch folder for its instance files (SQLite database, outbox),
rate limits off, the figures printed as one `BENCH-FIGURES` line for `make bench`, exit 1 on a missed target."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def run_in_scratch(measure: Callable[[argparse.Namespace, Path], list[dict]], args: argparse.Namespace,
                   prefix: str) -> int:
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("INSTANCE_PATH", str(workdir))
    os.environ["RATELIMIT_ENABLED"] = "false"
    try:
        figures = measure(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("BENCH-FIGURES " + json.dumps(figures))
    return 0 if all(f["verdict"] != "FAIL" for f in figures) else 1
