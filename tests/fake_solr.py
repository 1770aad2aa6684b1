"""A local stand-in for incentivi.gov.it's Solr (`/solr/coredrupal/select`), in the portal's real answer shape:
{"responseHeader": {...}, "response": {"numFound", "start", "docs": [...]}}, paged with start/rows and `fl`.

Reusable by any test or bench (stdlib only, port 0, a thread per request):

    with FakeSolr(solr_docs(records)) as solr:      # or the `fake_solr` fixture below
        solr.fail(500, 500, start=2)                 # the page starting at record 2: two 500s, then the page
        sync_national_catalogue(session, FetchSettings(url=solr.url, page_size=2, retries=3, backoff=0))

Scripted answers, consumed one per request, for the page with that `start` (None: any page):
an int status (500, 429...), "malformed" (200 with broken JSON), ("sleep", seconds) (answers late: a read
timeout), ("retry-after", seconds) (429 with a Retry-After header), ("found", n) (that page says numFound n).
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from assessment.domain.incentivi_solr import SOLR_FIELDS

PATH = "/solr/coredrupal/select"


def solr_doc(record: dict, **extra) -> dict:
    """An open-data record (alias field names, as in incentivi_gov_it_sample.json) as Solr stores it:
    zm_ fields as lists, the others as single values, plus Solr's own fields."""
    doc = {"id": f"entity:node/{record.get('ID_Incentivo')}:it", "index_id": "incentivi"}
    for alias, value in record.items():
        solr = SOLR_FIELDS.get(alias)
        if solr is None or value is None:
            continue
        if solr.startswith("zm_") and not isinstance(value, list):
            value = [value]
        doc[solr] = value
    doc.update(extra)
    return doc


def solr_docs(records: list[dict]) -> list[dict]:
    return [solr_doc(record) for record in records]


class FakeSolr:
    def __init__(self, docs: list[dict] | None = None, host: str = "127.0.0.1") -> None:
        self.docs: list[dict] = list(docs or [])
        self.requests: list[dict] = []  # one per request: {"params": {...}, "headers": {...}}
        self._scripts: dict[int | None, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def fail(self, *answers, start: int | None = None) -> FakeSolr:
        """Queue scripted answers for the page starting at `start` (None: whichever page comes next)."""
        with self._lock:
            self._scripts[start].extend(answers)
        return self

    def start(self) -> FakeSolr:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSolr:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _next_answer(self, start: int):
        with self._lock:
            for key in (start, None):
                if self._scripts[key]:
                    return self._scripts[key].popleft()
        return None

    def page(self, params: dict[str, str], found: int | None = None) -> dict:
        start, rows = int(params.get("start", 0)), int(params.get("rows", 10))
        fields = [f for f in params.get("fl", "").split(",") if f]
        docs = self.docs[start:start + rows]
        if fields:
            docs = [{k: v for k, v in doc.items() if k in fields} for doc in docs]
        return {"responseHeader": {"status": 0, "QTime": 3, "params": params},
                "response": {"numFound": len(self.docs) if found is None else found, "start": start,
                             "numFoundExact": True, "docs": docs}}


def _handler(solr: FakeSolr):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            url = urlparse(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            with solr._lock:
                solr.requests.append({"params": params, "headers": dict(self.headers)})
            if url.path != PATH:
                return self._send(404, b'{"error": "not found"}')
            answer = solr._next_answer(int(params.get("start", 0)))
            found = None
            if isinstance(answer, int):
                return self._send(answer, b'{"error": {"msg": "scripted failure"}}')
            if answer == "malformed":
                return self._send(200, b'{"responseHeader": {"status": 0}, "response": {"numFound": 3, "docs": [')
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
            elif isinstance(answer, tuple) and answer[0] == "retry-after":
                return self._send(429, b'{"error": "slow down"}', {"Retry-After": str(answer[1])})
            elif isinstance(answer, tuple) and answer[0] == "found":
                found = answer[1]
            body = json.dumps(solr.page(params, found), ensure_ascii=False).encode("utf-8")
            self._send(200, body)

        def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

    return Handler


@pytest.fixture
def fake_solr():
    """A started FakeSolr with no records; set `.docs`, script failures with `.fail(...)`."""
    with FakeSolr() as solr:
        yield solr
