"""Reading a grant file (JSON, CSV or YAML; optionally gzip/zip) into numbered raw records, format detected."""
from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import yaml

from .errors import DomainError
from .grant_values import as_list

INCENTIVI_FIELDS = (
    "ID_Incentivo", "Titolo", "Descrizione", "Obiettivo_Finalita", "Data_apertura", "Data_chiusura",
    "Note_di_apertura_chiusura", "Dimensioni", "Tipologia_Soggetto", "Forma_agevolazione", "Costi_Ammessi",
    "Spesa_Ammessa_min", "Spesa_Ammessa_max", "Agevolazione_Concedibile_min", "Agevolazione_Concedibile_max",
    "Settore_Attivita", "Codici_ATECO", "Regioni", "Comuni", "Ambito_territoriale", "Soggetto_Concedente",
    "Base_normativa_primaria", "Base_normativa_secondaria", "Provvedimento_attuativo", "Gazzetta_ufficiale",
    "Stanziamento_incentivo", "Link_istituzionale", "Altre_caratteristiche", "Data_ultimo_aggiornamento",
)
INCENTIVI_LIST_FIELDS = frozenset({
    "Obiettivo_Finalita", "Dimensioni", "Tipologia_Soggetto", "Forma_agevolazione", "Costi_Ammessi",
    "Settore_Attivita", "Regioni", "Ambito_territoriale",
})
LOCAL_COLUMNS = (
    "external_id", "title", "description", "opens_on", "closes_on", "sizes", "regions", "comuni", "ateco",
    "purposes", "eligible_costs", "aid_form", "aid_min_eur", "aid_max_eur", "budget_eur", "link",
    "granting_body", "opening_notes", "subject_types", "spend_min_eur", "spend_max_eur",
)
_LOCAL_KEYS = frozenset(LOCAL_COLUMNS) | {"source"}

Rows = list[tuple[int, dict]]


class MalformedFile(DomainError):
    """The whole file cannot be read: nothing in it is imported."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_grant_file(path_or_bytes: str | os.PathLike | bytes, filename: str | None = None, *,
                    max_unpacked_bytes: int | None = None) -> tuple[Rows, str]:
    """-> ([(row number, raw record), ...], format); format is one of "incentivi-json", "incentivi-csv",
    "local-yaml", "local-csv", "local-json". Row numbers: position in the JSON/YAML list from 1; in CSV
    the spreadsheet row (the header is row 1). Raises MalformedFile when the file cannot be read, FileTooLarge
    (a MalformedFile) when it unpacks to more than `max_unpacked_bytes` (default MAX_UNPACKED_BYTES) or holds
    more than MAX_RECORDS records. A CSV file is parsed as it unpacks, never held whole as bytes and text."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data, name = bytes(path_or_bytes), filename or ""
    else:
        try:
            data = Path(path_or_bytes).read_bytes()
        except OSError as error:
            raise MalformedFile(f"cannot read {path_or_bytes}: {error.strerror or error}") from None
        name = filename or str(path_or_bytes)
    limit = max_unpacked_bytes or MAX_UNPACKED_BYTES
    opener, name = _unpacked(data, name, limit)
    with opener() as stream:
        start = stream.read(_PEEK)
    if not start.strip().lstrip(b"\xef\xbb\xbf").strip():
        if len(start) < _PEEK:
            raise MalformedFile("the file is empty")
    suffix = Path(name).suffix.lower()
    first = start.lstrip().lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    if suffix == ".json" or (suffix not in (".csv", ".yaml", ".yml") and first in (b"[", b"{")):
        return _read_json(_read_text(opener))
    if suffix in (".yaml", ".yml"):
        return _read_yaml(_read_text(opener))
    return _read_csv_stream(opener)


def read_grant_records(records: list[dict]) -> tuple[Rows, str]:
    """Records already in memory (a list of dicts, as in a JSON file) -> the same result as read_grant_file."""
    return _record_list(_json_safe(records), "json")


# The whole national file is about 30 MB; a compressed upload that would unpack to more than this is refused
# before it fills the memory (a "zip bomb" unpacks a few kilobytes into gigabytes). The web upload passes its
# own, smaller limit (GRANT_UPLOAD_MAX_MB).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# The national catalogue holds a few thousand calls: a file of more records is not a grant file.
MAX_RECORDS = 20_000
_PEEK = 64 * 1024
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


class FileTooLarge(MalformedFile):
    """The file unpacks to more than the limit, or holds more records than any grant file: nothing is kept."""


class _Bounded(io.RawIOBase):
    """What an archive unpacks, refusing to give more than `limit` bytes; a broken archive found on the way is
    a MalformedFile, as one found on opening."""

    def __init__(self, inner, limit: int, kind: str) -> None:
        self.inner, self.limit, self.kind, self.count = inner, limit, kind, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            chunk = self.inner.read(min(len(buffer), self.limit + 1 - self.count))
        except (OSError, EOFError, zipfile.BadZipFile) as error:
            raise MalformedFile(f"broken {self.kind} file: {error}") from None
        self.count += len(chunk)
        if self.count > self.limit:
            raise FileTooLarge(f"the file unpacks to more than {_size(self.limit)}")
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self.inner.close()
        super().close()


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit} bytes"


def _unpacked(data: bytes, name: str, limit: int):
    """(a function opening the unpacked content as a bounded binary stream, the name inside). Opened again for
    each reading: a failed decoding starts over in another encoding without keeping the text."""
    if data[:2] == b"\x1f\x8b":
        return (lambda: io.BufferedReader(_Bounded(gzip.GzipFile(fileobj=io.BytesIO(data)), limit, "gzip")),
                name.removesuffix(".gz"))
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as error:
            raise MalformedFile(f"broken zip file: {error}") from None
        members = [m for m in archive.namelist() if Path(m).suffix.lower() in (".csv", ".json", ".yaml", ".yml")]
        if len(members) != 1:
            raise MalformedFile("a zip file must hold exactly one .csv, .json or .yaml file")
        return lambda: io.BufferedReader(_Bounded(archive.open(members[0]), limit, "zip")), members[0]
    if len(data) > limit:
        raise FileTooLarge(f"the file unpacks to more than {_size(limit)}")
    return (lambda: io.BytesIO(data)), name


def _read_text(opener) -> str:
    """The whole unpacked file as text (JSON and YAML are parsed whole), within the limit."""
    with opener() as stream:
        return _decode(stream.read())


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _is_cp1252(data) else data.decode("latin-1")


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _json_safe(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _read_json(text: str) -> tuple[Rows, str]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedFile(f"not valid JSON: {error.msg} at line {error.lineno}") from None
    except RecursionError:
        raise MalformedFile("not valid JSON: lists or objects nested too deeply") from None
    if isinstance(document, dict) and isinstance(document.get("response"), dict):
        document = document["response"].get("docs")
    elif isinstance(document, dict) and "grants" in document:
        return _local_document(document, "local-json")
    return _record_list(document, "json")


# Anchors and aliases are welcome (one list of comuni shared by several calls), but a few nested aliases can
# stand for billions of values (the "billion laughs"), which reading the records would walk one by one.
MAX_YAML_VALUES = 2_000_000


def _expanded_size(value: object, sizes: dict[int, int], open_ids: set[int]) -> int:
    """How many values `value` stands for once every alias is written out; shared parts are counted once."""
    if not isinstance(value, (dict, list)):
        return 1
    known = sizes.get(id(value))
    if known is not None:
        return known
    if id(value) in open_ids:
        raise MalformedFile("not valid YAML: an alias refers to the list or mapping that contains it")
    open_ids.add(id(value))
    children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    total = 1 + sum(_expanded_size(child, sizes, open_ids) for child in children)
    open_ids.discard(id(value))
    if total > MAX_YAML_VALUES:
        raise MalformedFile(f"the YAML file stands for more than {MAX_YAML_VALUES:,} values (anchors and aliases)")
    sizes[id(value)] = total
    return total


def _read_yaml(text: str) -> tuple[Rows, str]:
    try:
        document = yaml.safe_load(text)
        _expanded_size(document, {}, set())
    except yaml.YAMLError as error:
        raise MalformedFile(f"not valid YAML: {str(error).splitlines()[0]}") from None
    except RecursionError:
        raise MalformedFile("not valid YAML: lists or mappings nested too deeply") from None
    document = _json_safe(document)
    if isinstance(document, dict) and "grants" in document:
        return _local_document(document, "local-yaml")
    if isinstance(document, list):
        return _record_list(document, "yaml")
    raise MalformedFile("a YAML grant file must be {source: ..., grants: [...]}")


def _record_list(document: object, kind: str) -> tuple[Rows, str]:
    if not isinstance(document, list):
        raise MalformedFile("expected a list of records, or {\"response\": {\"docs\": [...]}}")
    if len(document) > MAX_RECORDS:
        raise FileTooLarge(f"the file holds more than {MAX_RECORDS:,} records")
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise MalformedFile(f"record {number} is not an object with named fields")
    rows = list(enumerate(document, start=1))
    if not rows:
        return rows, f"incentivi-{kind}"
    keys = set().union(*(item.keys() for item in document))
    if keys & set(INCENTIVI_FIELDS):
        return rows, f"incentivi-{kind}"
    if "external_id" in keys:
        _check_local_keys(rows)
        return rows, f"local-{kind}"
    raise MalformedFile(f"unknown fields: {', '.join(sorted(keys)[:8])}; expected incentivi.gov.it fields")


def _local_document(document: dict, file_format: str) -> tuple[Rows, str]:
    grants, source = document.get("grants"), document.get("source")
    if not isinstance(grants, list) or not all(isinstance(g, dict) for g in grants):
        raise MalformedFile("'grants' must be a list of records")
    if source is not None and not isinstance(source, str):
        raise MalformedFile("'source' must be text, e.g. cciaa-torino")
    rows = [(n, {"source": source, **g} if source and not g.get("source") else dict(g))
            for n, g in enumerate(grants, start=1)]
    _check_local_keys(rows)
    return rows, file_format


def _check_local_keys(rows: Rows) -> None:
    for number, record in rows:
        unknown = set(record) - _LOCAL_KEYS
        if unknown:
            raise MalformedFile(f"grant {number}: unknown fields {', '.join(sorted(unknown))}")


def _read_csv_stream(opener) -> tuple[Rows, str]:
    """CSV read row by row as it unpacks, in the first of UTF-8, Windows-1252 and Latin-1 that decodes it."""
    for encoding in _ENCODINGS:
        try:
            with opener() as stream:
                return _read_csv(io.TextIOWrapper(stream, encoding=encoding, newline=""))
        except UnicodeDecodeError:
            continue
    raise MalformedFile("not valid CSV: unknown text encoding")  # latin-1 decodes anything: never reached


def _read_csv(lines) -> tuple[Rows, str]:
    first_line = lines.readline()
    delimiter = max(",;\t", key=first_line.lstrip("\ufeff").count)
    reader = csv.reader(itertools.chain([first_line], lines), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration) as error:
        raise MalformedFile(f"not valid CSV: {error}") from None
    header[0] = header[0].lstrip("\ufeff") if header else header
    columns = set(header)
    if "ID_Incentivo" in columns and columns <= set(INCENTIVI_FIELDS):
        file_format = "incentivi-csv"
    elif "external_id" in columns and columns <= _LOCAL_KEYS:
        file_format = "local-csv"
    else:
        expected = set(INCENTIVI_FIELDS) if "external_id" not in columns else _LOCAL_KEYS
        unknown = sorted(columns - expected) or ["(no ID_Incentivo or external_id column)"]
        raise MalformedFile(f"unknown header: {', '.join(unknown[:8])}")
    if len(columns) != len(header):
        raise MalformedFile("the header repeats a column")
    rows: Rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise MalformedFile(f"row {number} has {len(cells)} cells, the header has {len(header)}")
            if len(rows) >= MAX_RECORDS:
                raise FileTooLarge(f"the file holds more than {MAX_RECORDS:,} records")
            record: dict = {}
            for key, cell in zip(header, cells):
                if not cell.strip():
                    continue
                record[key] = as_list(cell) if key in INCENTIVI_LIST_FIELDS else cell
            rows.append((number, record))
    except csv.Error as error:
        raise MalformedFile(f"not valid CSV: {error}") from None
    return rows, file_format
