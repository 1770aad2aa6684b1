"""The yardstick for bench_http: a bare Flask view returning "ok", served by gunicorn exactly like the app."""
from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
