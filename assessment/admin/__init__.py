"""The programme managers' blueprint: `bp` lives in views.py; importing the other modules registers their
routes on it."""
from . import (  # noqa: F401
    account_views,
    alert_views,
    assignment_views,
    catalogue_views,
    coach_views,
    company_views,
    dashboard_views,
    grant_views,
    sync_views,
    token_views,
    training_views,
)
from .views import bp

__all__ = ["bp"]
