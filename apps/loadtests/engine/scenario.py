"""What one iteration does: requests (weighted, or all in sequence), think time and checks.

A scenario comes from `--path` options (`/health`, `/api/v1/x:3` for weight 3) or from a YAML or
JSON file:

    flow: weighted            # weighted (default): one request per iteration, chosen by weight
                              # sequence: every request in order, like a k6 default function
    requests:
      - path: /health/live
        weight: 3
        think: 1s             # sleep after the request (part of iteration_duration, as in k6)
        checks:
          - status: 200                       # or a list: [200, 204]
          - body_contains: '"status"'
          - json: {path: stats.totalEvents, exists: true}
      - method: POST
        path: /api/v1/blueprints/validate/
        headers: {X-Trace: load}
        body: {graph: {components: [], relations: []}}   # a mapping/list is sent as JSON
        checks:
          - {json: {path: valid, equals: true}, name: graph is valid}
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import Node
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from apps.loadtests.engine.config import format_duration, parse_duration
from apps.loadtests.exceptions import ConfigError

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MISSING = object()
# A scenario file larger than this is refused before it is read (DHARMA_SCENARIO_MAX_BYTES);
# with its aliases expanded, a document may not grow past it either.
DEFAULT_MAX_BYTES = 1024 * 1024
# Mappings and lists nested deeper than this are refused while the file is read.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Check:
    """One k6 check: `kind` is status, body_contains or json (path + equals or exists)."""

    name: str
    kind: str
    expected: Any = None
    json_path: tuple[str, ...] = ()
    exists: bool | None = None

    @property
    def needs_body(self) -> bool:
        return self.kind != "status"

    def evaluate(self, status: int, body: bytes | None) -> bool:
        if self.kind == "status":
            return status in self.expected
        if body is None:
            return False
        if self.kind == "body_contains":
            return self.expected in body
        try:
            value: Any = json.loads(body)
        except ValueError:
            return False
        for key in self.json_path:
            value = _step(value, key)
            if value is _MISSING:
                return self.exists is False
        if self.exists is not None:
            return self.exists
        return bool(value == self.expected)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "status":
            data["status"] = sorted(self.expected)
        elif self.kind == "body_contains":
            data["body_contains"] = self.expected.decode()
        else:
            data["json_path"] = ".".join(self.json_path)
            data["exists" if self.exists is not None else "equals"] = (
                self.exists if self.exists is not None else self.expected
            )
        return data


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, _MISSING)
    if isinstance(value, list) and key.lstrip("-").isdigit():
        index = int(key)
        return value[index] if -len(value) <= index < len(value) else _MISSING
    return _MISSING


@dataclass(frozen=True)
class RequestSpec:
    """One request of a scenario. `name` is its `path` tag (k6's `name`): the path as written."""

    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    weight: int = 1
    think_s: float = 0.0
    checks: tuple[Check, ...] = ()

    @property
    def name(self) -> str:
        return self.path

    @property
    def needs_body(self) -> bool:
        return any(check.needs_body for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "headers": dict(self.headers),
            "body": self.body.decode(errors="replace"),
            "weight": self.weight,
            "think": format_duration(self.think_s) if self.think_s else None,
            "checks": [check.to_dict() for check in self.checks],
        }


@dataclass(frozen=True)
class Scenario:
    requests: tuple[RequestSpec, ...]
    flow: str = "weighted"
    source: str = "--path"
    _cumulative: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        running, cumulative = 0, []
        for request in self.requests:
            running += request.weight
            cumulative.append(running)
        object.__setattr__(self, "_cumulative", tuple(cumulative))

    def pick(self, rng: random.Random) -> int:
        """Index of the request a weighted iteration runs."""
        if len(self.requests) == 1:
            return 0
        return rng.choices(range(len(self.requests)), cum_weights=self._cumulative)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "source": self.source,
            "requests": [request.to_dict() for request in self.requests],
        }


def _validate_path(path: Any, where: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ConfigError(f"{where}: path {path!r} must start with /")
    if any(ch.isspace() for ch in path):
        raise ConfigError(f"{where}: path {path!r} contains whitespace")
    return path


def _weight(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{where}: weight {value!r} must be a whole number ≥ 1")
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{where}: weight {value!r} must be a whole number ≥ 1")
    return int(text)


def scenario_from_paths(paths: Sequence[str]) -> Scenario:
    """`--path /health --path /api/v1/x:3`: GET requests, the suffix `:N` is a weight."""
    requests = []
    for text in paths:
        path, sep, weight = text.rpartition(":")
        if sep and weight.strip().isdigit():
            spec = RequestSpec(
                path=_validate_path(path, f"--path {text!r}"),
                weight=_weight(weight, f"--path {text!r}"),
            )
        else:
            spec = RequestSpec(path=_validate_path(text, f"--path {text!r}"))
        requests.append(spec)
    if not requests:
        raise ConfigError("no request: give --path or --scenario")
    return Scenario(requests=tuple(requests))


def _check(raw: Any, where: str) -> Check:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a check is a mapping, got {raw!r}")
    name = raw.get("name")
    kinds = [kind for kind in ("status", "body_contains", "json") if kind in raw]
    if len(kinds) != 1 or set(raw) - {"name", *kinds}:
        raise ConfigError(f"{where}: a check has exactly one of status, body_contains, json")
    kind = kinds[0]
    value = raw[kind]
    if kind == "status":
        codes = value if isinstance(value, list) else [value]
        if not codes or not all(isinstance(c, int) and 100 <= c <= 599 for c in codes):
            raise ConfigError(f"{where}: status {value!r} must be an HTTP status or a list")
        label = " or ".join(str(c) for c in codes)
        return Check(name=name or f"status is {label}", kind=kind, expected=frozenset(codes))
    if kind == "body_contains":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: body_contains must be a non-empty string")
        return Check(name=name or f"body contains {value!r}", kind=kind, expected=value.encode())
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        raise ConfigError(f"{where}: json needs a path, e.g. {{path: data.items, exists: true}}")
    if ("equals" in value) == ("exists" in value) or set(value) - {"path", "equals", "exists"}:
        raise ConfigError(f"{where}: json takes a path and one of equals, exists")
    path = tuple(part for part in value["path"].split(".") if part)
    if "exists" in value:
        if not isinstance(value["exists"], bool):
            raise ConfigError(f"{where}: json exists must be true or false")
        verb = "exists" if value["exists"] else "is absent"
        return Check(
            name=name or f"json {value['path']} {verb}",
            kind=kind,
            json_path=path,
            exists=value["exists"],
        )
    return Check(
        name=name or f"json {value['path']} == {json.dumps(value['equals'])}",
        kind=kind,
        expected=value["equals"],
        json_path=path,
    )


def _request(raw: Any, where: str) -> RequestSpec:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a request is a mapping")
    unknown = set(raw) - {"method", "path", "headers", "body", "weight", "think", "checks"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    method = str(raw.get("method", "GET")).upper()
    if method not in METHODS:
        raise ConfigError(f"{where}: method {raw.get('method')!r} is not supported")
    headers = raw.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in headers.items()
    ):
        raise ConfigError(f"{where}: headers must map names to strings")
    if any(k.lower() in {"host", "content-length", "transfer-encoding"} for k in headers):
        raise ConfigError(f"{where}: Host, Content-Length and Transfer-Encoding are set by Dharma")
    body = raw.get("body")
    header_items = [(str(k), str(v)) for k, v in headers.items()]
    if isinstance(body, dict | list):
        encoded = json.dumps(body, separators=(",", ":")).encode()
        if not any(k.lower() == "content-type" for k, _ in header_items):
            header_items.append(("Content-Type", "application/json"))
    elif isinstance(body, str):
        encoded = body.encode()
    elif body is None:
        encoded = b""
    else:
        raise ConfigError(f"{where}: body must be a string, a mapping or a list")
    think = raw.get("think")
    checks = raw.get("checks") or []
    if not isinstance(checks, list):
        raise ConfigError(f"{where}: checks must be a list")
    return RequestSpec(
        path=_validate_path(raw.get("path"), where),
        method=method,
        headers=tuple(header_items),
        body=encoded,
        weight=_weight(raw.get("weight", 1), where),
        think_s=parse_duration(str(think), what=f"{where} think", allow_zero=True) if think else 0,
        checks=tuple(_check(check, f"{where} check {n + 1}") for n, check in enumerate(checks)),
    )


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _Loader(Composer, CParser, SafeConstructor, Resolver):
        """libyaml's scanner and parser (C) with PyYAML's composer, safe constructor and
        resolver: yaml.CSafeLoader, except that nodes are composed in Python (measurable)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Loader(Composer, Reader, Scanner, Parser, SafeConstructor, Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


class _ScenarioTooLarge(yaml.YAMLError):
    """Raised while composing: the document nests too deeply or its aliases expand too far."""

    def __init__(self, message: str, event: Any) -> None:
        mark = getattr(event, "start_mark", None)
        super().__init__(f"{message} (line {mark.line + 1})" if mark else message)


class BoundedLoader(_Loader):
    """PyYAML's safe loader, with libyaml's parser when installed, composing nodes in Python
    so that the document is measured while it is read: nesting deeper than `max_depth` is
    refused, and so is a document whose size with every alias expanded (each scalar's length,
    one per collection) passes `max_expanded` ("billion laughs": a few hundred bytes of
    aliases to aliases that expand to gigabytes when the body is encoded). Without aliases a
    document never measures more than its own length, so no file under the size limit is
    refused for it."""

    def __init__(self, stream: str, *, max_depth: int, max_expanded: int) -> None:
        super().__init__(stream)
        self.max_depth = max_depth
        self.max_expanded = max_expanded
        self._depth = 0
        self._expanded = 0
        self._sizes: dict[str, int] = {}  # anchor → expanded size of its node
        self._open: set[str] = set()  # anchors whose node is being composed

    def _grow(self, size: int, event: Any) -> None:
        self._expanded += size
        if self._expanded > self.max_expanded:
            raise _ScenarioTooLarge(
                f"with its aliases expanded the document is larger than {self.max_expanded:,} "
                "bytes",
                event,
            )

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            if event.anchor in self._open:
                raise _ScenarioTooLarge(f"alias *{event.anchor} refers to a node holding it", event)
            self._grow(self._sizes.get(event.anchor or "", 1), event)
            return super().compose_node(parent, index)
        if isinstance(event, ScalarEvent):
            self._grow(max(len(event.value), 1), event)
            node = super().compose_node(parent, index)
            if event.anchor is not None:
                self._sizes[event.anchor] = max(len(event.value), 1)
            return node
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            self._depth += 1
            if self._depth > self.max_depth:
                raise _ScenarioTooLarge(f"nested deeper than {self.max_depth} levels", event)
            if event.anchor is not None:
                self._open.add(event.anchor)
            before = self._expanded
            self._grow(1, event)
            node = super().compose_node(parent, index)
            if event.anchor is not None:
                self._open.discard(event.anchor)
                self._sizes[event.anchor] = self._expanded - before
            self._depth -= 1
            return node
        return super().compose_node(parent, index)


def parse_document(text: str, *, max_expanded: int, max_depth: int = MAX_DEPTH) -> Any:
    """The YAML (or JSON) document in `text`, within the bounds of BoundedLoader."""
    loader = BoundedLoader(text, max_depth=max_depth, max_expanded=max_expanded)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_bounded(path: str | Path, max_bytes: int, what: str) -> str:
    """The UTF-8 text of a file no larger than `max_bytes` (never reading more than that)."""
    try:
        with Path(path).open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise ConfigError(
                    f"{what} is {size:,} bytes; the limit is {max_bytes:,} "
                    "(DHARMA_SCENARIO_MAX_BYTES)"
                )
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"{what}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ConfigError(f"{what} is larger than the limit of {max_bytes:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{what}, line {line}: not UTF-8 text ({exc.reason})") from None


def load_scenario(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """Read a scenario file (YAML, of which JSON is a subset): at most `max_bytes`, nested at
    most MAX_DEPTH levels, and no larger than `max_bytes` with its aliases expanded."""
    text = read_bounded(path, max_bytes, f"scenario file {str(path)!r}")
    try:
        raw = parse_document(text, max_expanded=max_bytes)
    except _ScenarioTooLarge as exc:
        raise ConfigError(f"scenario file {str(path)!r}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"scenario file {str(path)!r} is not YAML/JSON: {exc}") from None
    where = f"scenario file {str(path)!r}"
    if not isinstance(raw, dict) or not isinstance(raw.get("requests"), list):
        raise ConfigError(f"{where}: expected a mapping with a `requests` list")
    if set(raw) - {"flow", "requests"}:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(set(raw) - {'flow', 'requests'}))}"
        )
    flow = raw.get("flow", "weighted")
    if flow not in {"weighted", "sequence"}:
        raise ConfigError(f"{where}: flow must be weighted or sequence")
    requests = tuple(
        _request(request, f"{where} request {n + 1}") for n, request in enumerate(raw["requests"])
    )
    if not requests:
        raise ConfigError(f"{where}: no request")
    return Scenario(requests=requests, flow=flow, source=str(path))
