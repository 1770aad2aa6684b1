"""Reading the whole national catalogue from incentivi.gov.it's Solr, page after page, or failing as a whole.

HTTP through `requests` with urllib3's Retry: timeouts, connection errors, 5xx and 429 are retried with
exponential backoff (Retry-After is respected); anything still wrong after the retries fails the whole read,
so that the sync applies nothing of a catalogue it did not read entirely.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..domain.incentivi_solr import MalformedResponse, doc_id, page_params, read_page

RETRIED_STATUSES = (429, 500, 502, 503, 504)


class FetchFailed(Exception):
    """The catalogue could not be read entirely: nothing of it is applied. `reason` is the technical detail kept
    in the log; `kind` says it to a person (admin.sync_views.failure_reason): unreachable (no connection),
    timeout (no answer in time), refused (an HTTP error status), malformed (not Solr's JSON), moving (the
    catalogue changed while it was read); the sync adds too_few (fewer records than believable) and database
    (the changes could not be stored)."""

    def __init__(self, reason: str, pages: int = 0, found: int = 0, kind: str = "malformed") -> None:
        super().__init__(reason)
        self.reason, self.pages, self.found, self.kind = reason, pages, found, kind



@dataclass(frozen=True)
class FetchSettings:
    url: str
    page_size: int = 500
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff: float = 2.0  # seconds: waits of backoff x 2^n between tries (capped at two minutes)
    user_agent: str = "BussolaDigitale"

    def while_waiting(self) -> FetchSettings:
        """A budget for a person waiting on the page («Sincronizza ora» with no worker listening): one retry,
        short waits, so that a portal that is down answers in seconds, not in the minute of the full backoff."""
        return replace(self, retries=min(self.retries, 1), backoff=min(self.backoff, 0.5),
                       connect_timeout=min(self.connect_timeout, 5.0), read_timeout=min(self.read_timeout, 30.0))

    @classmethod
    def from_config(cls, config, url: str | None = None) -> FetchSettings:
        base = config.get("PUBLIC_BASE_URL") or "Bussola Digitale, self-assessment and grant matching for SMEs"
        return cls(url=url or config["INCENTIVI_SOLR_URL"], page_size=config["INCENTIVI_PAGE_SIZE"],
                   connect_timeout=config["INCENTIVI_CONNECT_TIMEOUT"],
                   read_timeout=config["INCENTIVI_READ_TIMEOUT"], retries=config["INCENTIVI_RETRIES"],
                   backoff=config["INCENTIVI_BACKOFF"],
                   user_agent=f"BussolaDigitale/{config.get('VERSION', '0')} (+{base})")


@dataclass(frozen=True)
class Catalogue:
    found: int  # numFound, the same on every page
    pages: int
    docs: list  # the Solr documents, in the order read


def http_session(settings: FetchSettings) -> requests.Session:
    retry = Retry(total=settings.retries, connect=settings.retries, read=settings.retries,
                  status=settings.retries, backoff_factor=settings.backoff, backoff_max=120,
                  status_forcelist=RETRIED_STATUSES, allowed_methods=frozenset({"GET"}),
                  respect_retry_after_header=True, raise_on_status=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": settings.user_agent, "Accept": "application/json"})
    return session


def fetch_catalogue(settings: FetchSettings, on_page: Callable[[int, int], None] | None = None) -> Catalogue:
    """Every page of `q=index_id:incentivi`, until numFound records were read. FetchFailed when a page cannot
    be read after the retries, is not Solr's JSON, or numFound changes between pages (the catalogue changed
    while we read: the pages no longer add up), or the ids read do not add up to numFound."""
    docs: list = []
    found: int | None = None
    pages = 0
    with http_session(settings) as session:
        while found is None or len(docs) < found:
            page = _page(session, settings, len(docs), pages, found or 0)
            pages += 1
            if found is None:
                found = page.found
            elif page.found != found:
                raise FetchFailed(f"numFound changed between pages ({found} then {page.found}): the catalogue "
                                  "changed while it was read", pages, found, "moving")
            if page.start != len(docs):
                raise FetchFailed(f"page {pages} starts at {page.start}, {len(docs)} was asked", pages, found,
                                  "moving")
            if not page.docs and len(docs) < found:
                raise FetchFailed(f"page {pages} is empty after {len(docs)} of {found} records", pages, found,
                                  "moving")
            docs.extend(page.docs)
            if on_page is not None:
                on_page(pages, len(docs))
    if len(docs) != found:
        raise FetchFailed(f"{len(docs)} records read, numFound says {found}", pages, found, "moving")
    ids = [doc_id(doc) for doc in docs]
    known = [i for i in ids if i is not None]
    if len(set(known)) != len(known):
        raise FetchFailed("a record was read twice: the catalogue changed while it was read", pages, found,
                          "moving")
    return Catalogue(found=found, pages=pages, docs=docs)


def _page(session: requests.Session, settings: FetchSettings, start: int, pages: int, found: int):
    where = f"page {pages + 1} (start={start})"
    try:
        response = session.get(settings.url, params=page_params(start, settings.page_size),
                               timeout=(settings.connect_timeout, settings.read_timeout))
    except requests.exceptions.RetryError as error:
        raise FetchFailed(f"{where}: {_last_status(error)} after {settings.retries} retries", pages, found,
                          "refused") from None
    except requests.exceptions.Timeout:
        raise FetchFailed(f"{where}: no answer within the timeout, after {settings.retries} retries",
                          pages, found, "timeout") from None
    except requests.exceptions.RequestException as error:
        raise FetchFailed(f"{where}: {_connection_reason(error)} (after {settings.retries} retries)",
                          pages, found, "unreachable") from None
    if response.status_code != 200:
        raise FetchFailed(f"{where}: HTTP {response.status_code}", pages, found, "refused")
    try:
        return read_page(json.loads(response.content))
    except (ValueError, RecursionError) as error:
        raise FetchFailed(f"{where}: not valid JSON ({str(error)[:120]})", pages, found) from None
    except MalformedResponse as error:
        raise FetchFailed(f"{where}: {error.reason}", pages, found) from None


def _last_status(error: requests.exceptions.RetryError) -> str:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    text = str(reason or error)
    return text if "error" in text else f"HTTP error ({text})"


def _connection_reason(error: Exception) -> str:
    text = str(error)
    if "timed out" in text.lower() or "timeout" in type(getattr(error.args[0], "reason", None)).__name__.lower():
        return "no answer within the timeout"
    return f"cannot reach the portal: {text[:200]}"
