"""The versioned JSON API under /api/v1: `bp` lives in views.py; importing the other modules registers their
routes on it."""
from . import catalogue_views, staff_views, sync_views  # noqa: F401
from .views import bp

__all__ = ["bp"]
