"""Reading and checking price files (CSV or JSON, same columns) for `manage.py load_prices`. Pure.

Columns: provider, region, resource_type, sku, pricing_model, unit, price, currency,
effective_date, source. JSON is either a list of rows or `{"metadata": {…}, "rows": […]}` (the
shape of the shipped snapshot). Every row is checked and every problem reported, naming the row
(1-based, the header line of a CSV not counted) and the field, so one run shows all of them.
"""

import csv
import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlparse

from apps.costing.choices import PriceProvider, PriceUnit, PricingModel

COLUMNS: Final = (
    "provider", "region", "resource_type", "sku", "pricing_model", "unit", "price", "currency",
    "effective_date", "source",
)  # fmt: skip
KEY: Final = ("provider", "region", "resource_type", "sku", "pricing_model", "effective_date")
_MAX_LENGTH: Final = {"region": 50, "resource_type": 50, "sku": 100, "source": 500}
_CURRENCY = re.compile(r"[A-Z]{3}")
_MAX_PRICE = Decimal("99999999")  # DecimalField(max_digits=18, decimal_places=10)
# A price file larger than this is refused before it is read (DHARMA_PRICE_FILE_MAX_BYTES).
DEFAULT_MAX_BYTES: Final = 20 * 1024 * 1024
# A price file's JSON is three levels deep ({"rows": [{...}]}); far deeper is refused.
MAX_JSON_DEPTH: Final = 32
# A JSON string (skipped: brackets inside strings do not count) or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
# Characters PostgreSQL's text refuses (NUL) or UTF-8 cannot encode (lone surrogates), which a
# JSON file can hold as escapes.
_REFUSED_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class PriceFileError(Exception):
    """The file cannot be used; `problems` lists every one found."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class PriceFile:
    rows: list[dict[str, Any]]  # checked and typed: Decimal price, date effective_date
    metadata: dict[str, Any]


def _line_of(text: str | bytes, position: int) -> int:
    newline: Any = b"\n" if isinstance(text, bytes) else "\n"
    return text.count(newline, 0, position) + 1


def _read_text(path: Path, max_bytes: int) -> str:
    """The file's UTF-8 text, refused when larger than `max_bytes` (never read past that)."""
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise PriceFileError(
                    [f"{path.name}: {size:,} bytes; the limit is {max_bytes:,} bytes "
                     "(DHARMA_PRICE_FILE_MAX_BYTES)"]
                )  # fmt: skip
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise PriceFileError([f"{path.name}: cannot be read ({exc.strerror or exc})"]) from None
    if len(data) > max_bytes:
        raise PriceFileError([f"{path.name}: larger than the limit of {max_bytes:,} bytes"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PriceFileError(
            [f"{path.name}, line {_line_of(data, exc.start)}: byte 0x{data[exc.start]:02x} is "
             "not UTF-8 (save the file as UTF-8, e.g. Excel's 'CSV UTF-8')"]
        ) from None  # fmt: skip
    if "\x00" in text:
        line = _line_of(text, text.index("\x00"))
        raise PriceFileError([f"{path.name}, line {line}: contains a NUL byte"])
    return text


def _check_depth(name: str, text: str) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH, scanning brackets outside strings
    (Python's decoder recurses, and raises RecursionError near 1,000 levels)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = _line_of(text, match.start())
                raise PriceFileError(
                    [f"{name}, line {line}: nested deeper than {MAX_JSON_DEPTH} levels"]
                )
        elif found in "]}":
            depth -= 1


def _csv_rows(name: str, text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise PriceFileError([f"{name}: missing columns: {', '.join(missing)}"])
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise PriceFileError(
            [f"{name}, line {reader.reader.line_num} (row {len(rows) + 1}): {exc}"]
        ) from None
    return rows


def _raw_rows(path: Path, max_bytes: int) -> tuple[list[Any], dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise PriceFileError([f"{path.name}: the file name must end in .csv or .json"])
    text = _read_text(path, max_bytes)
    if suffix == ".csv":
        return _csv_rows(path.name, text), {}
    _check_depth(path.name, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PriceFileError(
            [f"{path.name}, line {exc.lineno}: not valid JSON ({exc.msg})"]
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits
        raise PriceFileError([f"{path.name}: not valid JSON ({exc})"]) from None
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        metadata = data.get("metadata")
        return data["rows"], metadata if isinstance(metadata, dict) else {}
    if isinstance(data, list):
        return data, {}
    raise PriceFileError([f'{path.name}: expected a list of rows or {{"rows": [...]}}'])


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_row(number: int, raw: Any) -> tuple[dict[str, Any] | None, list[str]]:
    where = f"row {number}"
    if not isinstance(raw, Mapping):
        return None, [f"{where}: not an object with the columns {', '.join(COLUMNS)}"]
    problems = [f"{where}, field {key}: unknown column" for key in raw if key not in COLUMNS]
    row: dict[str, Any] = {}
    for column in COLUMNS:
        value = raw.get(column)
        text = "" if value is None else str(value).strip()
        if not text:
            problems.append(f"{where}, field {column}: required")
            continue
        if _REFUSED_CHARACTER.search(text):
            problems.append(f"{where}, field {column}: contains a NUL or a lone surrogate")
            continue
        if len(text) > _MAX_LENGTH.get(column, 100):
            problems.append(f"{where}, field {column}: longer than {_MAX_LENGTH.get(column, 100)}")
            continue
        row[column] = text

    def check(column: str, ok: bool, message: str) -> None:
        if column in row and not ok:
            problems.append(f"{where}, field {column}: {message} (got {row[column]!r})")
            del row[column]

    check("provider", row.get("provider") in PriceProvider.values,
          f"must be one of {', '.join(PriceProvider.values)}")  # fmt: skip
    check("pricing_model", row.get("pricing_model") in PricingModel.values,
          f"must be one of {', '.join(PricingModel.values)}")  # fmt: skip
    check("unit", row.get("unit") in PriceUnit.values,
          f"must be one of {', '.join(PriceUnit.values)}")  # fmt: skip
    check("currency", bool(_CURRENCY.fullmatch(row.get("currency", ""))),
          "must be a 3-letter upper-case ISO 4217 code")  # fmt: skip
    source = urlparse(row.get("source", ""))
    check("source", source.scheme in ("http", "https") and bool(source.netloc),
          "must be the http(s) URL of the public pricing page")  # fmt: skip
    if "price" in row:
        price = _decimal(row["price"])
        if price is None or not 0 <= price <= _MAX_PRICE or _places(price) > 10:
            check("price", False, "must be a decimal number ≥ 0 with at most 10 decimal places")
        else:
            row["price"] = price
    if "effective_date" in row:
        try:
            row["effective_date"] = date.fromisoformat(row["effective_date"])
        except ValueError:
            check("effective_date", False, "must be a date, YYYY-MM-DD")
    return (row if not problems else None), problems


def read_price_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PriceFile:
    """The file's rows, checked; raises PriceFileError listing every problem (or the first
    that keeps the file from being read: too large, not UTF-8, a NUL byte, broken CSV or JSON,
    JSON nested deeper than MAX_JSON_DEPTH), naming its line."""
    raw_rows, metadata = _raw_rows(path, max_bytes)
    if not raw_rows:
        raise PriceFileError([f"{path.name}: no rows"])
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    first_seen: dict[tuple, int] = {}
    for number, raw in enumerate(raw_rows, start=1):
        row, row_problems = _check_row(number, raw)
        problems.extend(row_problems)
        if row is None:
            continue
        key = tuple(row[column] for column in KEY)
        if key in first_seen:
            problems.append(
                f"row {number}: same provider, region, resource_type, sku, pricing_model and "
                f"effective_date as row {first_seen[key]}"
            )
            continue
        first_seen[key] = number
        rows.append(row)
    if problems:
        raise PriceFileError(problems)
    return PriceFile(rows=rows, metadata=metadata)
