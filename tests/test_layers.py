"""The domain stays pure: importing every domain module loads neither Flask nor SQLAlchemy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "assessment" / "domain"


def test_domain_imports_no_flask_and_no_sqlalchemy():
    modules = sorted(f"assessment.domain.{p.stem}" for p in DOMAIN.glob("*.py") if p.stem != "__init__")
    assert len(modules) > 10
    script = ("import importlib, sys\n"
              f"for name in {modules!r}: importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')))")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
