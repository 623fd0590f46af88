"""Per-format helpers shared by the renderers: names for resources, tags and GCP labels."""

import re
from typing import Any

from apps.iac.engine.naming import words

_GCP_LABEL_CHARS = re.compile(r"[^a-z0-9_-]+")


def resource_name(name: str, style: str) -> str:
    """A component name as the provider accepts it for a resource of this type."""
    if style == "dns":
        text = "-".join(words(name)) or "resource"
        return text if text[0].isalpha() else f"r-{text}"
    if style == "alnum24":
        text = "".join(words(name))[:24] or "resource"
        return text if len(text) >= 3 else (text + "000")[:3]
    return name


def gcp_label(text: str, *, key: bool) -> str:
    """GCP label rules: lower-case letters, digits, `_` and `-`, at most 63 characters; keys
    start with a letter."""
    out = _GCP_LABEL_CHARS.sub("_", text.lower()).strip("_")
    if key and (not out or not out[0].isalpha()):
        out = f"k_{out}" if out else "k"
    return out[:63]


def gcp_labels(tags: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Tags as GCP labels. Later keys win a clash (Dharma's own tags come last); each change
    or clash is reported."""
    labels: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in tags.items():
        label_key = gcp_label(key, key=True)
        # Only plain strings are literals; an expression (the environment variable) is kept.
        label_value = gcp_label(value, key=False) if type(value) is str else value
        if label_key in labels:
            notes.append(f"tag {key!r} overrides another tag that is also label {label_key!r}")
        elif label_key != key or label_value != value:
            notes.append(f"tag {key}={value!r} is label {label_key}={label_value!r}")
        labels[label_key] = label_value
    return dict(sorted(labels.items())), notes
