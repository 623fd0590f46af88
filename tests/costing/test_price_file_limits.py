"""`manage.py load_prices` with files that cannot be read as prices: each is exit code 2 naming
the line and the problem, with nothing written (rows counted before and after), never a
traceback. The deep-JSON case also runs as a subprocess under a 1 GiB address space."""

import csv
import json

import pytest
from django.core.management import CommandError, call_command

from apps.costing.models import PriceCatalog
from apps.costing.price_files import COLUMNS
from tests.bounded_command import run_manage
from tests.costing.test_load_prices import ROW

pytestmark = pytest.mark.django_db


def csv_text(rows) -> str:
    lines = [",".join(COLUMNS)]
    lines += [",".join(str(row[column]) for column in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def good_rows(count: int) -> list[dict]:
    return [{**ROW, "sku": f"t3.size{n}"} for n in range(count)]


def refused(path, *expected: str) -> str:
    before = PriceCatalog.objects.count()
    with pytest.raises(CommandError) as raised:
        call_command("load_prices", str(path))
    assert raised.value.returncode == 2
    message = str(raised.value)
    for text in expected:
        assert text in message, message
    assert PriceCatalog.objects.count() == before
    return message


def test_a_cp1252_byte_names_its_line(tmp_path):
    path = tmp_path / "prices.csv"
    text = csv_text(good_rows(3)).replace("t3.size1", "t3.size1 \u2013 spot")  # an en dash
    path.write_bytes(text.encode("cp1252"))
    refused(path, "prices.csv, line 3: byte 0x96 is not UTF-8")


def test_a_nul_byte_names_its_line(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(csv_text(good_rows(4)).replace("t3.size2", "t3.si\x00ze2"))
    refused(path, "prices.csv, line 4: contains a NUL byte")


def test_a_field_over_the_csv_field_limit_names_its_line(tmp_path):
    path = tmp_path / "prices.csv"
    rows = good_rows(3)
    rows[1]["source"] = "https://example.com/" + "x" * 200_000
    path.write_text(csv_text(rows))
    refused(path, "prices.csv, line 3 (row 2): field larger than field limit")


def test_json_nested_100000_deep_is_refused(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text('{"rows": [\n' + "[" * 100_000 + "]" * 100_000 + "\n]}")
    refused(path, "prices.json, line 2: nested deeper than 32 levels")


def test_json_nested_100000_deep_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = run_manage("load_prices", str(path))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "nested deeper than 32 levels" in result.stderr


def test_a_nul_escape_in_json_is_refused_before_anything_is_written(tmp_path):
    """Row 600 would fail in PostgreSQL's second batch: refused whole when the rows are read."""
    rows = good_rows(700)
    rows[599]["sku"] = "t3.\u0000large"
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(rows))
    refused(path, "row 600, field sku: contains a NUL or a lone surrogate")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, settings):
    path = tmp_path / "prices.csv"
    path.write_text(csv_text(good_rows(20)))
    settings.DHARMA_PRICE_FILE_MAX_BYTES = 1000
    refused(path, f"prices.csv: {path.stat().st_size:,} bytes; the limit is 1,000 bytes")


def test_an_unknown_format_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "prices.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x83\xe0")
    refused(path, "prices.xlsx: the file name must end in .csv or .json")


def test_broken_json_names_its_line(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text('[\n{"provider": "aws",\n"region": }\n]')
    refused(path, "prices.json, line 3: not valid JSON (Expecting value)")


def test_a_good_file_still_loads_whole(tmp_path):
    path = tmp_path / "prices.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(good_rows(600))
    before = PriceCatalog.objects.count()
    call_command("load_prices", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PriceCatalog.objects.count() == before + 600
