"""Bicep validation: a structural check written for Dharma. No Bicep compiler runs here (it is
a .NET tool that Dharma does not install), so this checks what can be checked from the text:

Errors: unterminated strings or comments; unbalanced or mismatched braces, brackets and
parentheses; no resource; a `resource` whose type is not `'<Namespace>/<type>@<apiVersion>'`;
a parameter, variable, resource, module or output declared twice; an identifier used in an
expression (including `dependsOn` and `parent`) that is no declared parameter, variable,
resource, module, loop variable or Bicep function; with a graph, missing or extra resources.
Warnings: no targetScope; a sensitive-looking parameter without `@secure()`.
"""

import re
from collections.abc import Mapping
from typing import Any

from apps.iac.engine.bicep import KEYWORDS
from apps.iac.engine.properties import is_sensitive_key
from apps.iac.engine.validators import Problem, error, expected_resources, warning

RESOURCE_TYPE = re.compile(
    r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+(/[A-Za-z][A-Za-z0-9]*)+"
    r"@\d{4}-\d{2}-\d{2}(-[a-z]+)?$"
)
DECLARATION = re.compile(
    r"^[ \t]*(param|var|resource|module|output|type|func)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M
)
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Functions and namespaces of the Bicep language (a name followed by `(` is a call anyway).
BUILTINS = frozenset(
    {
        "true", "false", "null", "az", "sys", "if", "for", "in", "existing", "resource",
        "param", "var", "output", "module", "targetScope", "import", "metadata", "type",
        "func", "as", "with", "using", "extension", "string", "int", "bool", "object", "array",
        "secure", "description", "allowed", "minLength", "maxLength", "minValue", "maxValue",
        "export", "sealed", "discriminator", "batchSize", "onlyIfNotExists", "assert",
        "resourceGroup", "subscription", "tenant", "managementGroup", "deployment",
        "environment",
    }
)  # fmt: skip
PAIRS = {"}": "{", "]": "[", ")": "("}


def _strip(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with comments removed and string contents blanked (kept as ''), plus
    (line, literal) for each string; raises ValueError on unterminated ones."""
    out: list[str] = []
    strings: list[tuple[int, str]] = []
    index, line, length = 0, 1, len(text)
    while index < length:
        char = text[index]
        if text.startswith("//", index):
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        if text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                raise ValueError(f"line {line}: unterminated /* comment")
            line += text.count("\n", index, end)
            out.append(" ")
            index = end + 2
            continue
        if text.startswith("'''", index):
            end = text.find("'''", index + 3)
            if end < 0:
                raise ValueError(f"line {line}: unterminated ''' string")
            strings.append((line, text[index + 3 : end]))
            line += text.count("\n", index, end)
            out.append("''")
            index = end + 3
            continue
        if char == "'":
            start_line = line
            index += 1
            literal: list[str] = []
            depth = 0  # inside ${ } interpolation
            while True:
                if index >= length or (text[index] == "\n" and depth == 0):
                    raise ValueError(f"line {start_line}: unterminated string")
                current = text[index]
                if current == "\\" and depth == 0:
                    literal.append(text[index : index + 2])
                    index += 2
                    continue
                if current == "$" and text.startswith("${", index) and depth == 0:
                    depth = 1
                    literal.append("${")
                    index += 2
                    continue
                if depth and current == "{":
                    depth += 1
                elif depth and current == "}":
                    depth -= 1
                elif current == "'" and depth == 0:
                    break
                literal.append(current)
                index += 1
            strings.append((start_line, "".join(literal)))
            out.append("''")
            index += 1
            continue
        if char == "\n":
            line += 1
        out.append(char)
        index += 1
    return "".join(out), strings


def validate_bicep(
    files: Mapping[str, str], graph: Mapping[str, Any] | None = None
) -> list[Problem]:
    names = sorted(name for name in files if name.endswith(".bicep"))
    if not names:
        return [error("", "No .bicep file to validate.")]
    problems: list[Problem] = []
    for name in names:
        problems.extend(_file(name, files[name], graph if len(names) == 1 else None))
    return problems


def _file(name: str, text: str, graph: Mapping[str, Any] | None) -> list[Problem]:
    try:
        code, _ = _strip(text)
    except ValueError as exc:
        return [error(name, f"Does not parse: {exc}.")]
    problems: list[Problem] = []
    stack: list[tuple[str, int]] = []
    line = 1
    for char in code:
        if char == "\n":
            line += 1
        elif char in "{[(":
            stack.append((char, line))
        elif char in "}])":
            if not stack:
                problems.append(error(name, f"line {line}: '{char}' closes nothing."))
                return problems
            opened, at = stack.pop()
            if opened != PAIRS[char]:
                problems.append(
                    error(name, f"line {line}: '{char}' closes the '{opened}' opened on line {at}.")
                )
                return problems
    if stack:
        opened, at = stack[-1]
        problems.append(error(name, f"line {at}: '{opened}' is never closed."))
        return problems

    declared: dict[str, str] = {}
    outputs: set[str] = set()
    resources: dict[str, str] = {}
    lines = text.splitlines()
    for match in DECLARATION.finditer(code):
        kind, symbol = match[1], match[2]
        where = code.count("\n", 0, match.start()) + 1
        if kind == "output":
            if symbol in outputs:
                problems.append(error(name, f"line {where}: output {symbol} is declared twice."))
            outputs.add(symbol)
            continue
        if symbol in declared:
            problems.append(
                error(name, f"line {where}: {kind} {symbol} is declared twice "
                            f"(also as a {declared[symbol]}).")
            )  # fmt: skip
        declared[symbol] = kind
        source = lines[where - 1] if where - 1 < len(lines) else ""
        if kind == "resource":
            found = re.match(r"\s*resource\s+\w+\s+'([^']*)'", source)
            type_ = found[1] if found else ""
            if not RESOURCE_TYPE.match(type_):
                problems.append(
                    error(name, f"line {where}: resource {symbol} has type {type_!r}; "
                                "expected '<Namespace>/<type>@<yyyy-mm-dd>'.")
                )  # fmt: skip
            resources[symbol] = type_
        if kind == "param" and is_sensitive_key(symbol):
            previous = "\n".join(lines[max(0, where - 4) : where - 1])
            if "@secure()" not in previous:
                problems.append(
                    warning(name, f"line {where}: param {symbol} looks sensitive but is not "
                                  "@secure().")
                )  # fmt: skip
    if not resources:
        problems.append(error(name, "No resource is declared."))
    if not re.search(r"^\s*targetScope\s*=", code, re.M):
        problems.append(warning(name, "No targetScope."))
    loop_variables = set(re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", code))
    for pair in re.findall(r"\bfor\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)\s+in\b", code):
        loop_variables.update(pair)
    lambda_parameters = set(re.findall(r"\b([A-Za-z_]\w*)\s*=>", code))
    known = set(declared) | loop_variables | lambda_parameters | BUILTINS | set(KEYWORDS)
    reported: set[str] = set()
    for match in IDENT.finditer(code):
        symbol = match[0]
        if symbol in known:
            continue
        before = code[: match.start()].rstrip(" \t")
        after = code[match.end() :].lstrip(" \t")
        if before.endswith((".", "@", "?.")) or after.startswith(("(", ":")):
            continue  # member, decorator, function call, object key
        if re.search(r"\b(param|var|resource|module|output|type|func)\s*$", before):
            continue  # the declared name itself
        if re.search(r"\b(param|output)\s+\w+\s*$", before):
            continue  # a declaration's type
        if re.search(r"\b(param|output|type)\s+\w+\s+\w+\s*$", before):
            continue
        if symbol in reported:
            continue
        reported.add(symbol)
        where = code.count("\n", 0, match.start()) + 1
        problems.append(
            error(name, f"line {where}: {symbol} is not a declared parameter, variable, "
                        "resource or module.")
        )  # fmt: skip
    if graph is not None:
        expected, reason = expected_resources(graph, "bicep", "camel", KEYWORDS)
        if reason:
            problems.append(error(name, f"The graph cannot be rendered: {reason}"))
        else:
            for ident, (native, component) in sorted(expected.items()):
                if resources.get(ident, "").partition("@")[0] != native:
                    problems.append(
                        error(name, f"Component {component} has no resource {ident} ({native}).")
                    )
            for symbol in sorted(resources):
                if symbol not in expected:
                    problems.append(
                        error(name, f"Resource {symbol} is not a component of the blueprint.")
                    )
    return problems
