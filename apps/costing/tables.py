"""Plain-text tables of estimates and diffs, with Infracost's columns (Name, Monthly Qty, Unit,
Monthly Cost). Pure: they format the API's JSON payloads."""

from decimal import Decimal
from typing import Any

UNITS = {
    "hour": "hours",
    "month": "months",
    "gb_month": "GB",
    "gb": "GB",
    "million_requests": "1M requests",
    "gb_second": "GB-seconds",
}
_NAME, _QTY, _UNIT, _COST = 56, 14, 13, 16


def _money(value: Any, currency: str) -> str:
    symbol = "$" if currency == "USD" else f"{currency} "
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


def _qty(value: Any) -> str:
    if value in (None, ""):
        return ""
    number = Decimal(str(value))
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,f}"


def _row(name: str, qty: str = "", unit: str = "", cost: str = "") -> str:
    if len(name) > _NAME:
        name = name[: _NAME - 1] + "…"
    return f" {name:<{_NAME}}{qty:>{_QTY}}  {unit:<{_UNIT}}{cost:>{_COST}}".rstrip()


def _header() -> list[str]:
    return [_row("Name", "Monthly Qty", "Unit", "Monthly Cost"), ""]


def _grouped(lines: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for line in lines:
        groups.setdefault(line["component"] or "Options", []).append(line)
    return list(groups.items())


def render_estimate(data: dict[str, Any]) -> str:
    currency = data.get("currency", "USD")
    title = f"Blueprint version {data.get('version_number', '?')} ({data.get('blueprint_version')})"
    out = [f"Estimate {data.get('id', '')}", title, "", *_header()]
    for component, lines in _grouped(data.get("lines", [])):
        out.append(_row(component))
        for index, line in enumerate(lines):
            branch = "└─" if index == len(lines) - 1 else "├─"
            label = f"{branch} {line['name']}"
            if line.get("note") and line.get("price") is None:
                label = f"{label} [{line['note']}]"
            out.append(
                _row(
                    label,
                    _qty(line["quantity"]),
                    UNITS.get(line["unit"], line["unit"]),
                    _money(line["monthly"], currency),
                )
            )
        out.append("")
    totals = data.get("totals", {})
    out.append(_row("OVERALL TOTAL", cost=_money(totals.get("monthly", 0), currency)))
    unpriced = data.get("unpriced", [])
    if unpriced:
        out += ["", f"{len(unpriced)} line(s) not priced:"]
        out += [
            f" ∙ {entry['component']}" + (f" / {entry['line']}" if entry.get("line") else "")
            + f": {entry['reason']}"
            for entry in unpriced
        ]  # fmt: skip
    return "\n".join(out) + "\n"


def render_diff(data: dict[str, Any]) -> str:
    currency = data.get("currency", "USD")
    marks = {"added": "+", "removed": "-", "changed": "~"}
    out = [
        f"Blueprint {data.get('blueprint')}: version {data.get('from')} → {data.get('to')}",
        "",
        *_header(),
    ]
    groups: dict[str, list[dict]] = {}
    for change in data.get("changes", []):
        groups.setdefault(change["component"] or "Options", []).append(change)
    for component, changes in groups.items():
        kinds = {change["change"] for change in changes}
        mark = marks[kinds.pop()] if len(kinds) == 1 else "~"
        out.append(_row(f"{mark} {component}"))
        for change in changes:
            name = change["name"]
            if change.get("old_name") and change["old_name"] != name:
                name = f"{change['old_name']} → {name}"
            quantity = change["new_quantity"] or change["old_quantity"]
            old, new = change["old_monthly"], change["new_monthly"]
            cost = _money(change["delta_monthly"], currency)
            if not cost.startswith("-"):
                cost = f"+{cost}"
            if old is not None and new is not None:
                cost = f"{cost} ({_money(old, currency)} → {_money(new, currency)})"
            out.append(
                _row(
                    f"  {marks[change['change']]} {name}",
                    _qty(quantity),
                    UNITS.get(change["unit"], change["unit"]),
                    cost,
                )
            )
        out.append("")
    totals = data.get("totals", {})
    delta = _money(totals.get("delta_monthly", 0), currency)
    out.append(
        f"Monthly cost change: {delta if delta.startswith('-') else '+' + delta} "
        f"({_money(totals.get('old_monthly', 0), currency)} → "
        f"{_money(totals.get('new_monthly', 0), currency)})"
    )
    return "\n".join(out) + "\n"


def render_estimate_list(data: dict[str, Any]) -> str:
    out = [f" {'Estimate':<38}{'Version':>8}  {'Monthly Cost':>16}  Created", ""]
    for item in data.get("results", []):
        monthly = _money(item["totals"]["monthly"], item.get("currency", "USD"))
        out.append(
            f" {item['id']:<38}{item['version_number']:>8}  {monthly:>16}  {item['created_at']}"
        )
    out += ["", f" {data.get('count', 0)} estimate(s)"]
    return "\n".join(out) + "\n"


def render_error(data: dict[str, Any]) -> str:
    error = data.get("error", {})
    out = [f"Error ({error.get('code', 'error')}): {error.get('message', '')}"]
    for field, messages in (error.get("fields") or {}).items():
        out.append(f"  {field}: {' '.join(messages)}")
    return "\n".join(out) + "\n"
