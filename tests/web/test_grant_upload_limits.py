"""A compressed grant upload is bounded by what it unpacks to, and a CSV is parsed as it unpacks: a few kilobytes
of gzip never fill a worker's memory."""
from __future__ import annotations

import gzip
import tracemalloc
from io import BytesIO

import pytest

from assessment.domain import grant_files
from assessment.domain.grant_files import FileTooLarge, read_grant_file

HEADER = b"source,external_id,title\r\n"


def test_an_upload_unpacking_past_the_setting_is_a_413_with_the_reason(app, client, login_as, monkeypatch,
                                                                        db_session):
    monkeypatch.setitem(app.config, "GRANT_UPLOAD_MAX_MB", 1)
    login_as("admin")
    db_session.commit()  # the refused upload rolls back what the request began, the admin stays
    bomb = gzip.compress(HEADER + b"\r\n" * (2 * 2**20))  # ~4 MB unpacked, a few KB packed
    response = client.post("/admin/bandi/carica", data={"file": (BytesIO(bomb), "bandi.csv.gz")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "una volta decompresso supera 1 MB" in response.get_data(as_text=True)
    small = gzip.compress(HEADER + b"cciaa-gz,GZ-1,Voucher compresso\r\n")
    response = client.post("/admin/bandi/carica", data={"file": (BytesIO(small), "bandi.csv.gz")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Aggiunti</dt><dd>1" in response.get_data(as_text=True)


def test_a_compressed_csv_is_parsed_as_it_unpacks():
    packed = gzip.compress(HEADER + b" ,,\r\n" * (8 * 2**20 // 5) + b"cciaa,Z-1,Ultimo\r\n")  # ~8 MB unpacked
    tracemalloc.start()
    try:
        rows, file_format = read_grant_file(packed, "bandi.csv.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert file_format == "local-csv"
    assert [record for _number, record in rows] == [{"source": "cciaa", "external_id": "Z-1", "title": "Ultimo"}]
    assert peak < 2 * 2**20, peak  # held whole as bytes and as text it would take 16 MB and more


def test_the_domain_limit_and_the_record_limit(monkeypatch):
    with pytest.raises(FileTooLarge, match="unpacks to more than 1000 bytes"):
        read_grant_file(gzip.compress(HEADER + b"x,y,z\r\n" * 500), "b.csv.gz", max_unpacked_bytes=1000)
    monkeypatch.setattr(grant_files, "MAX_RECORDS", 3)
    with pytest.raises(FileTooLarge, match="more than 3 records"):
        read_grant_file(HEADER + b"s,1,a\r\ns,2,b\r\ns,3,c\r\ns,4,d\r\n", "b.csv")
    with pytest.raises(FileTooLarge, match="more than 3 records"):
        read_grant_file(b'[{"external_id": "1"}, {"external_id": "2"}, {"external_id": "3"}, {"external_id": "4"}]',
                        "b.json")
