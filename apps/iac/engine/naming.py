"""Identifiers and case conversions, deterministic so the same graph renders the same bytes."""

import re
from collections.abc import Iterable

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")
HCL_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def words(text: str) -> list[str]:
    """`app-db`, `appDb`, `App_DB v2` -> lower-case words."""
    spaced = _CAMEL_BOUNDARY.sub(" ", text)
    return [word.lower() for word in _NON_WORD.split(spaced) if word]


def snake(text: str) -> str:
    """Property keys for Terraform: `storageEncrypted` -> `storage_encrypted` (snake kept)."""
    if re.fullmatch(r"[a-z0-9_]+", text):
        return text
    return "_".join(words(text))


def camel(text: str) -> str:
    """Property keys for Bicep: `storage_encrypted` -> `storageEncrypted` (camelCase kept)."""
    if "_" not in text and "-" not in text and " " not in text:
        return text[:1].lower() + text[1:]
    parts = words(text)
    return parts[0] + "".join(part.capitalize() for part in parts[1:]) if parts else text


def pascal(text: str) -> str:
    """Property keys for CloudFormation: `storage_encrypted` -> `StorageEncrypted`."""
    if "_" not in text and "-" not in text and " " not in text:
        return text[:1].upper() + text[1:]
    return "".join(part.capitalize() for part in words(text))


class IdentifierAllocator:
    """Turns component names into unique identifiers of one style. Names are taken in sorted
    order, so the same set of names always gets the same identifiers; a clash gets `_2`, `_3`
    (or `2`, `3` for camel/Pascal styles) after the name."""

    def __init__(self, style: str, reserved: Iterable[str] = ()):
        self.style = style
        self.taken: set[str] = {name.lower() for name in reserved}
        self.by_name: dict[str, str] = {}

    def base(self, name: str) -> str:
        parts = words(name) or ["resource"]
        if self.style == "snake":
            ident = "_".join(parts)
            return ident if ident[0].isalpha() else f"r_{ident}"
        if self.style == "camel":
            ident = parts[0] + "".join(part.capitalize() for part in parts[1:])
            return ident if ident[0].isalpha() else f"r{ident}"
        ident = "".join(part.capitalize() for part in parts)
        return ident if ident[0].isalpha() else f"R{ident}"

    def allocate(self, names: Iterable[str]) -> dict[str, str]:
        for name in sorted(set(names)):
            base = self.base(name)
            ident, counter = base, 1
            while ident.lower() in self.taken:
                counter += 1
                ident = f"{base}_{counter}" if self.style == "snake" else f"{base}{counter}"
            self.taken.add(ident.lower())
            self.by_name[name] = ident
        return self.by_name
