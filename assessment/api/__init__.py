"""The versioned JSON API under /api/v1."""
from .views import bp

__all__ = ["bp"]
