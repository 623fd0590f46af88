"""The cost difference between two estimates, line by line, like `infracost diff`. Pure.

Lines are matched by (component, line label, unit), the label being the line's name without
its parenthesised SKU, so a t3.large → t3.xlarge change is one *changed* line rather than a
removal and an addition.
"""

from decimal import Decimal
from typing import Any

from apps.costing.calculator import Estimate, Line, money, plain_number

LineKey = tuple[str | None, str, str]


def _key(line: Line) -> LineKey:
    return (line.component, line.name.split(" (", 1)[0], line.unit)


def diff_estimates(old: Estimate, new: Estimate) -> dict[str, Any]:
    before = {_key(line): line for line in old.lines}
    after = {_key(line): line for line in new.lines}
    changes: list[dict[str, Any]] = []
    unchanged = 0
    for key in [*before, *(key for key in after if key not in before)]:
        was, now = before.get(key), after.get(key)
        old_monthly = was.monthly if was is not None else Decimal(0)
        new_monthly = now.monthly if now is not None else Decimal(0)
        if was is not None and now is not None:
            if was.name == now.name and money(old_monthly) == money(new_monthly):
                unchanged += 1
                continue
            change = "changed"
        else:
            change = "added" if was is None else "removed"
        shown = now or was
        assert shown is not None
        changes.append(
            {
                "change": change,
                "component": key[0],
                "component_type": shown.component_type,
                "name": shown.name,
                "old_name": was.name if was is not None else None,
                "unit": key[2],
                "old_quantity": plain_number(was.quantity) if was is not None else None,
                "new_quantity": plain_number(now.quantity) if now is not None else None,
                "old_monthly": str(money(old_monthly)) if was is not None else None,
                "new_monthly": str(money(new_monthly)) if now is not None else None,
                "delta_monthly": str(money(new_monthly) - money(old_monthly)),
            }
        )
    delta = new.monthly_total - old.monthly_total
    percent = money(delta / old.monthly_total * 100) if old.monthly_total else None
    return {
        "currency": new.currency,
        "totals": {
            "old_monthly": str(old.monthly_total),
            "new_monthly": str(new.monthly_total),
            "delta_monthly": str(delta),
            "delta_percent": str(percent) if percent is not None else None,
        },
        "changes": changes,
        "unchanged_lines": unchanged,
        "unpriced": {
            "from": [entry.as_dict() for entry in old.unpriced],
            "to": [entry.as_dict() for entry in new.unpriced],
        },
    }
