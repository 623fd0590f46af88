"""Reading and checking price files (CSV or JSON, same columns) for `manage.py load_prices`. Pure.

Columns: provider, region, resource_type, sku, pricing_model, unit, price, currency,
effective_date, source. JSON is either a list of rows or `{"metadata": {…}, "rows": […]}` (the
shape of the shipped snapshot). Every row is checked and every problem reported, naming the row
(1-based, the header line of a CSV not counted) and the field, so one run shows all of them.
"""

import csv
import io
import json
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


class PriceFileError(Exception):
    """The file cannot be used; `problems` lists every one found."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class PriceFile:
    rows: list[dict[str, Any]]  # checked and typed: Decimal price, date effective_date
    metadata: dict[str, Any]


def _raw_rows(path: Path) -> tuple[list[Any], dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PriceFileError([f"{path.name}: not valid JSON ({exc})"]) from exc
        if isinstance(data, dict) and isinstance(data.get("rows"), list):
            metadata = data.get("metadata")
            return data["rows"], metadata if isinstance(metadata, dict) else {}
        if isinstance(data, list):
            return data, {}
        raise PriceFileError([f'{path.name}: expected a list of rows or {{"rows": [...]}}'])
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise PriceFileError([f"{path.name}: missing columns: {', '.join(missing)}"])
        return list(reader), {}
    raise PriceFileError([f"{path.name}: the file name must end in .csv or .json"])


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


def read_price_file(path: Path) -> PriceFile:
    """The file's rows, checked; raises PriceFileError listing every problem."""
    raw_rows, metadata = _raw_rows(path)
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
