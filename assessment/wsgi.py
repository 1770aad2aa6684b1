"""What a production server runs: `gunicorn -w 2 'assessment.wsgi:app'`.

Besides creating the app, it imports now what the first submission would otherwise import while an owner
waits: scikit-learn, which ranks grants (two seconds or more on a small machine); then it sets the start-up
heap aside from the garbage collector (see assessment.app.settle_heap)."""
import sklearn.feature_extraction.text  # noqa: F401 - imported for its side effect: loaded before any request

from . import create_app
from .app import settle_heap

app = create_app()
settle_heap()
