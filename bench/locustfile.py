"""Locust users for bench/bench_http.py: an owner going through the whole flow, the app's /healthz (its floor),
a bare "ok" view, and (for bench/bench_result_catalogue.py) an owner reading result pages again.

Each call of a user's task sends exactly ONE request, so `paced(1)` means one request a second per
owner. BENCH_PACING (seconds, default 0 = as fast as possible) sets the pace. Paced owners arrive at random
moments over one pass of the flow, as real owners do, instead of all clicking the same page in the same second
(the lockstep would measure a queue that no real traffic builds). Run through bench_http; by hand:
  .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 20 -t 30s -H http://127.0.0.1:8000 OwnerFlow
"""
from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterator
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task

from assessment.domain.company_profile import vat_check_digit

PACING = float(os.environ.get("BENCH_PACING", "0"))
QUESTIONNAIRE = os.environ.get("BENCH_QUESTIONNAIRE", "dma-sme")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
TOKEN = re.compile(r"/valutazione/([^/]+)/1$")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def paced(interval: float):
    """One task call every `interval` seconds, counted from the user's own arrival (`arrive`). Locust's
    constant_pacing counts from the moment the user object was made, so users spawned in the same second stay in
    that second whatever on_start waits: 20 owners then click at the same instant every second, a queue that no
    real traffic builds (seen: every request of a run started at the same tenth of a second)."""
    def wait_time(user) -> float:
        now = time.perf_counter()
        user.due_at = max(getattr(user, "due_at", now) + interval, now)
        return user.due_at - now

    return wait_time


def arrive(user, window: float, rng: random.Random) -> None:
    """Wait a random moment within `window` seconds (gevent-patched: other users go on), then start the pace
    from now."""
    time.sleep(rng.uniform(0, window))
    user.due_at = time.perf_counter()


def vat_number(rng: random.Random) -> str:
    """A valid partita IVA: ten random digits plus the check digit."""
    body = f"{rng.randrange(10**9, 10**10)}"
    return body + vat_check_digit(body)


def pages_of(definition: dict) -> list[list[dict]]:
    """The questions of each dimension page, in order, from the questionnaire's JSON definition."""
    dimensions = definition["dimensions"]
    if all("questions" in d for d in dimensions):
        return [list(d["questions"]) for d in dimensions]
    by_dimension: dict[str, list[dict]] = {d["key"]: [] for d in dimensions}
    for question in definition["questions"]:
        by_dimension[question["dimension"]].append(question)
    return list(by_dimension.values())


def is_shown(question: dict, chosen: dict[str, list[str]]) -> bool:
    condition = question.get("show_if")
    if not condition:
        return True
    return bool(set(chosen.get(condition["question"], ())) & set(condition["in"]))


def pick_answers(questions: list[dict], chosen: dict[str, list[str]], rng: random.Random) -> list[tuple]:
    """Random options for the shown questions of one page; `chosen` collects them for later show_if."""
    fields = []
    for question in questions:
        if not is_shown(question, chosen):
            continue
        options = question["options"]
        if question.get("type") == "multi":
            plain = [o["key"] for o in options if not o.get("exclusive")]
            exclusive = [o["key"] for o in options if o.get("exclusive")]
            if exclusive and rng.random() < 0.15:
                keys = [rng.choice(exclusive)]
            else:
                keys = rng.sample(plain, rng.randint(1, len(plain)))
        else:
            keys = [rng.choice(options)["key"]]
        chosen[question["key"]] = keys
        fields.extend((question["key"], key) for key in keys)
    return fields


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise ValueError("no csrf_token on the page")
    return match.group(1) or match.group(2)


class OwnerFlow(FastHttpUser):
    """Start, profile, every dimension page, submit, result: one request per task call, then again."""

    wait_time = paced(PACING) if PACING else constant(0)

    def on_start(self) -> None:
        response = self.client.get(f"/api/v1/questionnaires/{QUESTIONNAIRE}", name="setup: questionnaire")
        self.pages = pages_of(response.json())
        self.rng = random.Random()
        self.steps: Iterator[None] = iter(())
        if PACING:
            flow_length = 2 * len(self.pages) + 5  # start, profile, every page, result: requests per owner
            arrive(self, PACING * flow_length, self.rng)

    @task
    def one_request(self) -> None:
        try:
            next(self.steps)
        except StopIteration:
            self.client.cookiejar.clear()  # a new owner: new session, new draft
            self.steps = self.flow()
            next(self.steps)

    def _get(self, url: str, name: str) -> str | None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return None
            try:
                return csrf_of(response.text)
            except ValueError as error:
                response.failure(str(error))
                return None

    def _post(self, url: str, name: str, fields: list[tuple], expect: str) -> str | None:
        """POST a form; success is a redirect whose target contains `expect`. Returns the target."""
        with self.client.post(url, name=name, data=urlencode(fields), headers=FORM, allow_redirects=False,
                              catch_response=True) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or expect not in location:
                text = (response.text or "")[:200].replace("\n", " ")
                response.failure(f"status {response.status_code} to {location!r}: {text}")
                return None
            return location

    def flow(self) -> Iterator[None]:
        csrf = self._get("/valutazione", "GET start")
        yield
        if csrf is None:
            return
        location = self._post("/valutazione", "POST start", [("csrf_token", csrf)], "/valutazione/")
        yield
        token_match = TOKEN.search(location or "")
        if token_match is None:
            return
        base = f"/valutazione/{token_match.group(1)}"
        csrf = self._get(f"{base}/1", "GET profile")
        yield
        if csrf is None:
            return
        profile = [("csrf_token", csrf), ("company_name", "Officina Bench Srl"),
                   ("vat_number", vat_number(self.rng)), ("ateco_code", "10.71.10"),
                   ("comune_istat", "Ivrea (TO)"), ("employees", str(self.rng.randint(1, 45))),
                   ("annual_turnover_eur", "2000000"), ("email", ""), ("privacy_accepted", "y"),
                   ("action", "next")]
        if self._post(f"{base}/1", "POST profile", profile, f"{base}/2") is None:
            return
        yield
        chosen: dict[str, list[str]] = {}
        last = len(self.pages) + 1
        for step, questions in enumerate(self.pages, start=2):
            csrf = self._get(f"{base}/{step}", f"GET section {step}")
            yield
            if csrf is None:
                return
            fields = [("csrf_token", csrf), *pick_answers(questions, chosen, self.rng), ("action", "next")]
            name, expect = ("POST submit", "/risultato/") if step == last else (f"POST section {step}",
                                                                                 f"{base}/{step + 1}")
            result_url = self._post(f"{base}/{step}", name, fields, expect)
            yield
            if result_url is None:
                return
        self._get(_path(result_url), "GET result")
        yield


def _path(url: str) -> str:
    """The path of a Location header, absolute or not."""
    return re.sub(r"^https?://[^/]+", "", url)


class HealthCheck(FastHttpUser):
    """The app's own floor: /healthz crosses the whole stack (session, locale, login, headers) and sends one
    `SELECT 1`, and nothing more. No page that reads a draft and renders a form can be faster."""

    wait_time = constant(0)

    @task
    def health(self) -> None:
        with self.client.get("/healthz", name="GET /healthz", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class BareView(FastHttpUser):
    """The yardstick: one GET of a bare Flask view per task call."""

    wait_time = paced(PACING) if PACING else constant(0)

    @task
    def ok(self) -> None:
        with self.client.get("/", name="GET bare", catch_response=True) as response:
            if response.status_code != 200 or response.text != "ok":
                response.failure(f"status {response.status_code}")


class ResultPage(FastHttpUser):
    """An owner reading a result page again (bench_result_catalogue.py): one GET of a random one of the results in
    BENCH_RESULT_PATHS (comma-separated /risultato/<token> paths) per task call."""

    wait_time = paced(PACING) if PACING else constant(0)

    def on_start(self) -> None:
        self.paths = [p for p in os.environ.get("BENCH_RESULT_PATHS", "").split(",") if p]
        self.rng = random.Random()
        if PACING:
            arrive(self, PACING, self.rng)  # owners arrive at random moments, not in lockstep

    @task
    def result(self) -> None:
        with self.client.get(self.rng.choice(self.paths), name="GET result", catch_response=True) as response:
            if response.status_code != 200 or "/rapporto.pdf" not in (response.text or ""):
                response.failure(f"status {response.status_code}")
