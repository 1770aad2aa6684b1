"""Bussola Digitale: digital-maturity self-assessment and matching.

Kept tiny so that `import assessment.domain` never imports Flask: the real factory lives in `.app`.
"""
from typing import Any

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None):
    from .app import create_app as _create_app

    return _create_app(config)
