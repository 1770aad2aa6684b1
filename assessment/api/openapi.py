"""The OpenAPI 3 document, assembled from the app's url_map and the operation each API view declares with
@operation; the same declarations validate the query string (422 with one reason per parameter)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from .. import __version__
from ..form_fields import FIRST_YEAR, LAST_YEAR
from .schemas import MAX_ID, SCHEMAS, example_of, ref

API_PREFIX = "/api/v1"
OPERATION_ATTR = "openapi_operation"
AUTH_ATTR = "api_auth"  # set by auth.token_required: "staff" (coach or admin token) or "admin"
# ASCII digits: \d would also take "２" and other Unicode digits, which int() then reads.
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,12}$")
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")

TAGS = {
    "questionnaires": _l("Questionari e valutazioni"),
    "catalogue": _l("Percorsi e bandi"),
    "reference": _l("Dati di riferimento"),
    "staff": _l("Imprese e statistiche (token del personale)"),
    "meta": _l("Documentazione"),
}
ERROR_DESCRIPTIONS = {
    400: _l("Corpo della richiesta non leggibile (non è un oggetto JSON), o un valore che il database non può "
            "contenere."),
    401: _l("Token mancante, non valido o revocato."),
    403: _l("Il token è valido ma non dà accesso a questa operazione."),
    404: _l("Risorsa inesistente o non visibile con questo token."),
    422: _l("Parametri o dati non validi: `fields` indica il motivo per ciascuno."),
    409: _l("Gli stessi dati sono stati salvati nello stesso momento da un'altra richiesta: nulla di questa è "
            "stato tenuto, inviala di nuovo."),
    429: _l("Troppe richieste: riprova più tardi."),
    503: _l("Il database non è raggiungibile in questo momento (`database_unavailable`) o, sul database SQLite "
            "incorporato, troppe richieste scrivono nello stesso momento (`database_busy`, con `Retry-After`): "
            "nulla di questa è stato tenuto, riprova tra poco."),
}


class InvalidQuery(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Param:
    """A query or path parameter: its schema in the document and its parsing in the view are one."""

    name: str
    description: Any = ""
    type: str = "string"  # string | integer
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    max_length: int | None = None
    format: str | None = None  # "date": an ISO date -> datetime.date; "date-time": also a date -> UTC instant
    default: Any = None  # a value, or a callable for values like today's date
    example: Any = None

    def schema(self) -> dict:
        schema: dict[str, Any] = {"type": self.type}
        for key, value in (("enum", list(self.enum) or None), ("minimum", self.minimum),
                           ("maximum", self.maximum), ("pattern", self.pattern), ("maxLength", self.max_length),
                           ("format", self.format), ("example", self.example)):
            if value is not None:
                schema[key] = value
        if self.default is not None and not callable(self.default):
            schema["default"] = self.default
        return schema

    def parse(self, raw: str | None) -> Any:
        """The typed value, the default when absent; ValueError with the reason when invalid."""
        if raw is None or raw == "":
            return self.default() if callable(self.default) else self.default
        if "\x00" in raw:
            raise ValueError("must not contain NUL characters")
        if self.type == "integer":
            if not _INTEGER.match(raw.strip()):
                raise ValueError("must be an integer")
            value: Any = int(raw)
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"must be at most {self.maximum}")
            return value
        if self.max_length is not None and len(raw) > self.max_length:
            raise ValueError(f"must be at most {self.max_length} characters")
        if self.enum and raw not in self.enum:
            raise ValueError("must be one of: " + ", ".join(self.enum))
        if self.pattern and not re.search(self.pattern, raw):
            raise ValueError(f"must match {self.pattern}")
        if self.format == "date":
            try:
                if not _DATE.match(raw):
                    raise ValueError
                day = date.fromisoformat(raw)
            except ValueError:
                raise ValueError("not a date (YYYY-MM-DD)") from None
            return _plausible(day)
        if self.format == "date-time":
            moment = _instant(raw)
            _plausible(moment.date())
            return moment
        return raw


def _plausible(day: date) -> date:
    """The programme's calendar, as the forms' (form_fields.plausible_day): year 0001 overflowed a filter."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"must be a day between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31")
    return day


def _instant(raw: str) -> datetime:
    """An ISO date-time (a zone, or UTC when none) or a date (its start in the programme's time zone) ->
    the naive UTC instant the database stores; ValueError with the reason."""
    from ..clock import utc_start_of

    text = raw.strip()
    try:
        if _DATE.match(text):
            moment = utc_start_of(date.fromisoformat(text))
            if moment is None:
                raise ValueError
            return moment
        if not _DATE.match(text[:10]) or len(text) < 13 or text[10] not in "Tt ":
            raise ValueError
        moment = datetime.fromisoformat(text[:10] + "T" + text[11:].replace("z", "Z"))
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        raise ValueError("not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)") from None


PAGE = Param("page", _l("Numero di pagina, da 1."), "integer", minimum=1, default=1)
PER_PAGE = Param("per_page", _l("Elementi per pagina, al massimo 100."), "integer", minimum=1, maximum=100,
                 default=25)


@dataclass(frozen=True)
class Operation:
    tag: str
    summary: Any
    description: Any = ""
    parameters: tuple[Param, ...] = ()
    path_parameters: tuple[Param, ...] = ()
    request: dict | None = None
    response: dict = field(default_factory=lambda: {"type": "object"})
    status: int = 200
    media_type: str = "application/json"
    security: str | None = None  # "owner": the owner's secret token; staff tokens come from AUTH_ATTR
    errors: tuple[int, ...] = ()  # more documented errors than the ones deduced below


def operation(**declaration) -> Callable:
    """Declare a view's operation for the OpenAPI document; put it right under the route decorator."""
    declared = Operation(**declaration)

    def decorate(view: Callable) -> Callable:
        setattr(view, OPERATION_ATTR, declared)
        return view

    return decorate


def _attribute(view: Callable, name: str) -> Any:
    """An attribute set by a decorator anywhere in the wrapper chain."""
    while view is not None:
        if hasattr(view, name):
            return getattr(view, name)
        view = getattr(view, "__wrapped__", None)
    return None


def declared_operation(view: Callable) -> Operation | None:
    return _attribute(view, OPERATION_ATTR)


def query_args() -> dict[str, Any]:
    """The current request's query parameters, parsed by its view's declaration; InvalidQuery if any is
    wrong (every problem at once)."""
    declared = declared_operation(current_app.view_functions[request.endpoint])
    values, errors = {}, {}
    for param in declared.parameters if declared else ():
        try:
            values[param.name] = param.parse(request.args.get(param.name))
        except ValueError as error:
            errors[param.name] = str(error)
    if errors:
        raise InvalidQuery(errors)
    return values


def api_rules(app: Flask) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")]


def undocumented_rules(app: Flask) -> list[str]:
    return sorted(rule.rule for rule in api_rules(app)
                  if declared_operation(app.view_functions[rule.endpoint]) is None)


def _path_parameters(rule, declared: Operation) -> tuple[str, list[dict]]:
    overrides = {p.name: p for p in declared.path_parameters}
    parameters = []
    for match in _RULE_ARGUMENT.finditer(rule.rule):
        name, converter = match["name"], match["converter"] or "default"
        param = overrides.get(name)
        if param is None and converter == "int":
            param = Param(name, _l("Identificativo numerico."), "integer", minimum=0, maximum=MAX_ID)
        elif param is None and converter == "any":
            param = Param(name, enum=tuple(a.strip(" '\"") for a in match["args"].split(",")))
        param = param or Param(name)
        parameters.append({"name": name, "in": "path", "required": True,
                           "description": str(param.description), "schema": param.schema()})
    return _RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule.rule), parameters


# What each error looks like, as the API sends it (one Error schema, a different body per status).
ERROR_EXAMPLES = {
    400: ("bad_request", "the body must be a JSON object", None),
    401: ("unauthorized", "a valid staff API token is required (Bearer)", None),
    403: ("forbidden", "this operation needs an admin token", None),
    404: ("not_found", "no such grant", None),
    422: ("invalid", "the query parameters are not valid", {"open_on": "not a date (YYYY-MM-DD)"}),
    409: ("conflict", "the same data were just saved by another request: send again", None),
    429: ("too_many_requests", "60 per 1 minute", None),
    503: ("database_unavailable", "the service is temporarily unavailable", None),
}


def _error_example(status: int) -> dict:
    code, message, fields = ERROR_EXAMPLES[status]
    error = {"status": status, "code": code, "message": message}
    return {"error": {**error, "fields": fields} if fields else error}


def _error_response(status: int) -> dict:
    body = {"description": str(ERROR_DESCRIPTIONS[status]),
            "content": {"application/json": {"schema": ref("Error"), "example": _error_example(status)}}}
    if status == 401:
        body["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
    return body


def _operation_object(endpoint: str, declared: Operation, auth: str | None, path_params: list[dict]) -> dict:
    parameters = path_params + [
        {"name": p.name, "in": "query", "required": False, "description": str(p.description),
         "schema": p.schema()} for p in declared.parameters]
    body: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"), "tags": [declared.tag], "summary": str(declared.summary),
        "parameters": parameters,
        "responses": {str(declared.status): {"description": "Created" if declared.status == 201 else "OK", "content": {
            declared.media_type: {"schema": declared.response}}}},
    }
    if declared.description:
        body["description"] = str(declared.description)
    errors = {429, 503, *declared.errors}
    if declared.request is not None:
        body["requestBody"] = {"required": True, "content": {"application/json": {"schema": declared.request}}}
        errors |= {400, 409, 422}
    if declared.parameters:
        errors.add(422)
    if path_params or declared.security == "owner":
        errors.add(404)
    if auth:
        body["security"] = [{"staffToken": []}]
        errors.add(401)
        if auth == "admin":
            errors.add(403)
    elif declared.security == "owner":
        body["security"] = [{"ownerToken": []}, {"ownerTokenQuery": []}]
    else:
        body["security"] = []
    body["responses"].update({str(status): _error_response(status) for status in sorted(errors)})
    return body


def build_document(app: Flask) -> dict:
    """The whole document, in the request's language; rules without a declaration are left out (a test
    asserts there are none)."""
    paths: dict[str, dict] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        declared = declared_operation(view)
        if declared is None:
            continue
        path, path_params = _path_parameters(rule, declared)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation_object(
                rule.endpoint, declared, _attribute(view, AUTH_ATTR), path_params)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Bussola Digitale API", "version": __version__,
                 "description": str(_l("API JSON di Bussola Digitale: questionari, valutazioni, percorsi, "
                                       "bandi e, con un token del personale, imprese e statistiche."))},
        "tags": [{"name": key, "description": str(name)} for key, name in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "staffToken": {"type": "http", "scheme": "bearer", "description": str(_l(
                    "Token di un coach o di un amministratore, creato nelle pagine di amministrazione."))},
                "ownerToken": {"type": "http", "scheme": "bearer", "description": str(_l(
                    "Il codice segreto del titolare, restituito alla creazione della valutazione."))},
                "ownerTokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }


def docs_outline(document: dict) -> list[tuple[str, str, list[dict]]]:
    """(tag key, tag name, operations) for the HTML page, each operation with examples added."""
    names = {tag["name"]: tag["description"] for tag in document["tags"]}
    groups: dict[str, list[dict]] = {key: [] for key in names}
    for path, methods in document["paths"].items():
        for method, body in methods.items():
            request_body = body.get("requestBody", {}).get("content", {}).get("application/json")
            responses = []
            for status, response in body["responses"].items():
                content = response.get("content", {})
                media_type, media = next(iter(content.items()), (None, None))
                schema = (media or {}).get("schema")
                example = media["example"] if media and "example" in media else example_of(schema) if schema else None
                responses.append({"status": status, "description": response["description"],
                                  "media_type": media_type, "schema": schema, "example": example})
            groups[body["tags"][0]].append({
                "method": method.upper(), "path": path, "id": body["operationId"], "summary": body["summary"],
                "description": body.get("description", ""), "parameters": body["parameters"],
                "security": [name for requirement in body["security"] for name in requirement],
                "request_schema": request_body["schema"] if request_body else None,
                "request_example": example_of(request_body["schema"]) if request_body else None,
                "responses": responses,
            })
    return [(key, names[key], operations) for key, operations in groups.items() if operations]
