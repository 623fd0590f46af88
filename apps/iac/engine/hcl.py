"""Writing HCL (Terraform's syntax) and reading python-hcl2's view of it back.

Values are written as HCL literals: strings quoted and escaped (quotes, backslashes, newlines,
and `${` / `%{`, which would otherwise start a template), numbers, booleans, lists and maps.
`Expr` marks text that is an expression (`var.x`, `aws_vpc.main.id`) and is written as is.
A dict under a key is written as a nested block unless the key is a map argument (`tags`,
`labels`, `metadata` ...) or one of its keys is not an identifier; a list of dicts is written
as repeated blocks. `=` signs of consecutive one-line arguments are aligned as `terraform fmt`
aligns them.
"""

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from apps.iac.engine.naming import HCL_IDENTIFIER

INDENT: Final = "  "
# Arguments whose value is a map (written `key = { ... }`), never a block.
MAP_ARGUMENTS: Final = frozenset(
    {
        "tags",
        "tags_all",
        "labels",
        "user_labels",
        "resource_labels",
        "metadata",
        "app_settings",
        "variables",
        "environment_variables",
        "parameters",
        "annotations",
        "node_labels",
        "default_tags",
        "options",
        "attributes",
        "connection_strings",
    }
)


class Expr(str):
    """An HCL expression, written without quotes."""

    __slots__ = ()


class MapValue(dict):
    """A dict always written as a map argument (`key = { ... }`), never as a block."""


def quote(text: str) -> str:
    out = ['"']
    index = 0
    while index < len(text):
        char = text[index]
        pair = text[index : index + 2]
        if pair in ("${", "%{"):
            out.append(char * 2 + "{")
            index += 2
            continue
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
        index += 1
    out.append('"')
    return "".join(out)


def number(value: int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def key_text(key: str) -> str:
    return key if HCL_IDENTIFIER.match(key) else quote(key)


def is_block(key: str, value: Any) -> bool:
    if key in MAP_ARGUMENTS or isinstance(value, MapValue):
        return False
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and HCL_IDENTIFIER.match(k) for k in value)
    if isinstance(value, list) and value:
        return all(is_block(key, item) and isinstance(item, Mapping) for item in value)
    return False


def value_text(value: Any, depth: int) -> str:
    """An expression for a value; maps and lists of maps span lines at `depth`."""
    if isinstance(value, Expr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pad = INDENT * (depth + 1)
        lines = _aligned(
            [(key_text(str(k)), value_text(v, depth + 1)) for k, v in value.items()], pad
        )
        return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"
    if isinstance(value, list | tuple):
        items = [value_text(item, depth + 1) for item in value]
        if any("\n" in item for item in items) or sum(len(item) + 2 for item in items) > 80:
            pad = INDENT * (depth + 1)
            return "[\n" + "".join(f"{pad}{item},\n" for item in items) + INDENT * depth + "]"
        return "[" + ", ".join(items) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _aligned(pairs: list[tuple[str, str]], pad: str) -> list[str]:
    """`key = value` lines; runs of one-line values get their `=` aligned."""
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in run), default=0)
        lines.extend(f"{pad}{key.ljust(width)} = {text}" for key, text in run)
        run.clear()

    for key, text in pairs:
        if "\n" in text:
            flush()
            lines.append(f"{pad}{key} = {text}")
        else:
            run.append((key, text))
    flush()
    return lines


def body(arguments: Mapping[str, Any], depth: int) -> list[str]:
    """The lines of a block body, in the order given: runs of one-line arguments (aligned),
    multi-line arguments and nested blocks, with a blank line around each multi-line item."""
    pad = INDENT * depth
    chunks: list[list[str]] = []  # each chunk is separated from the next by a blank line
    run: list[tuple[str, str]] = []

    def flush() -> None:
        if run:
            chunks.append(_aligned(list(run), pad))
            run.clear()

    for key, value in arguments.items():
        if is_block(key, value):
            flush()
            for item in value if isinstance(value, list) else [value]:
                chunks.append([block(key, [], item, depth)])
            continue
        text = value_text(value, depth)
        if "\n" in text:
            flush()
            chunks.append([f"{pad}{key_text(key)} = {text}"])
        else:
            run.append((key_text(key), text))
    flush()
    lines: list[str] = []
    for chunk in chunks:
        if lines:
            lines.append("")
        lines.extend(chunk)
    return lines


def block(kind: str, labels: list[str], arguments: Mapping[str, Any], depth: int = 0) -> str:
    pad = INDENT * depth
    head = " ".join([kind, *(quote(label) for label in labels)])
    inner = body(arguments, depth + 1)
    if not inner:
        return f"{pad}{head} {{}}"
    return f"{pad}{head} {{\n" + "\n".join(inner) + f"\n{pad}}}"


# --- reading python-hcl2's output -----------------------------------------------------------

_ESCAPE = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt"\\])')
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def literal_string(text: str) -> str | None:
    """The value of a quoted HCL string as python-hcl2 returns it (`'"a\\nb"'`), or None when the
    text is an expression or a template with interpolation (`"a-${var.x}"`)."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return None
    inner = text[1:-1]
    stripped = inner.replace("$${", "").replace("%%{", "")
    if "${" in stripped or "%{" in stripped:
        return None

    def unescape(match: re.Match[str]) -> str:
        code = match[1]
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return _SIMPLE[code]

    return _ESCAPE.sub(unescape, inner).replace("$${", "${").replace("%%{", "%{")


def label(text: str) -> str:
    """A block label (`'"aws_s3_bucket"'`) without its quotes."""
    value = literal_string(text)
    return value if value is not None else text


def expression(text: str) -> str | None:
    """The expression inside `${...}` (python-hcl2 wraps every non-literal that way)."""
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return None


def plain(value: Any) -> Any:
    """python-hcl2's value as plain data: literal strings unquoted, expressions kept as
    `${...}` text, block markers dropped."""
    if isinstance(value, str):
        literal = literal_string(value)
        return literal if literal is not None else value
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {label(str(k)): plain(v) for k, v in value.items() if not str(k).startswith("__")}
    return value
