"""Public pages: home, the owner's self-assessment flow, results and reports."""
from . import alerts, certificates, flow, grants, result, training, training_person  # noqa: F401  (their routes register on bp)
from .views import bp

__all__ = ["bp"]
