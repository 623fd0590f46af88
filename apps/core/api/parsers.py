"""Request body parsing with the API's limits: every refusal is a 4xx in the error shape.

- Size: a body larger than DHARMA_API_MAX_BODY_BYTES is a 413, whatever its type. Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE (the admin's limit) does not apply to JSON bodies; it does to the
  non-file fields of a form, and is answered as a 413 too.
- JSON: nested deeper than DHARMA_API_MAX_JSON_DEPTH is a 400, counted before the document is
  decoded and without recursion (Python's decoder raises RecursionError near 1,000 levels, and
  deep documents break later code sooner). NaN, Infinity and numbers too large for a float are
  refused (PostgreSQL's jsonb takes none of them).
- Text: a NUL character or a lone UTF-16 surrogate in any string or key is a 400 naming where it
  is (PostgreSQL's text and jsonb refuse both). Checked only when the body holds such an escape.
"""

import json
import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer

# A JSON string (with its escapes) or a bracket: strings are skipped, so brackets inside them
# do not count.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
# Escapes of the characters PostgreSQL refuses: NUL and UTF-16 surrogates (a lone one cannot be
# encoded as UTF-8; a valid pair decodes to one character and is not flagged after decoding).
_REFUSED_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_REFUSED_CHARACTER = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "Null characters and unpaired surrogates are not allowed."


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


def too_large(length: int | None = None) -> RequestTooLarge:
    limit = settings.DHARMA_API_MAX_BODY_BYTES
    if length is None:
        return RequestTooLarge(f"The request body is larger than the limit of {limit} bytes.")
    return RequestTooLarge(f"The request body is {length} bytes; the limit is {limit}.")


def check_length(parser_context: dict | None) -> None:
    """413 when the declared Content-Length is over the limit (before anything is read)."""
    request = (parser_context or {}).get("request")
    if request is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ParseError("Content-Length is not a number.") from None
    if length > settings.DHARMA_API_MAX_BODY_BYTES:
        raise too_large(length)


def check_depth(text: str, limit: int) -> None:
    """400 when arrays/objects nest deeper than `limit` (a scan of the brackets, no recursion)."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        else:
            depth -= 1


def _path(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    shown = _REFUSED_CHARACTER.sub(lambda m: f"\\u{ord(m.group()):04x}", str(key))
    return f"{parent}.{shown}" if parent else shown


def check_text(data: Any) -> None:
    """400 naming the first string or key that holds a NUL or an unpaired surrogate (an
    iterative walk: depth was bounded before, but nothing here recurses anyway)."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _REFUSED_CHARACTER.search(value):
                raise ValidationError({path or "non_field_errors": [NUL_MESSAGE]})
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _REFUSED_CHARACTER.search(key):
                    raise ValidationError({_path(path, key): [NUL_MESSAGE]})
                stack.append((item, _path(path, key)))
        elif isinstance(value, list | tuple):
            stack.extend((item, _path(path, index)) for index, item in enumerate(value))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


class LimitedJSONParser(BaseParser):
    """JSON bodies up to DHARMA_API_MAX_BODY_BYTES. Not a subclass of DRF's JSONParser on
    purpose: DRF reads a JSONParser's body through `request.body`, where Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE (kept for the admin's forms) would refuse it first; this parser
    reads the request stream itself, bounded by the API's own limit."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        check_length(parser_context)
        limit = settings.DHARMA_API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)  # bounded even without a Content-Length
        if len(raw) > limit:
            raise too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from None
        check_depth(text, settings.DHARMA_API_MAX_JSON_DEPTH)
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if _REFUSED_ESCAPE.search(text):
            check_text(data)
        return data


class _FormLimits:
    """Size, field-count and text checks for form bodies (multipart and urlencoded)."""

    def parse(self, stream, media_type=None, parser_context=None):
        check_length(parser_context)
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            raise RequestTooLarge(f"The form fields are larger than {limit} bytes.") from None
        except (TooManyFieldsSent, TooManyFilesSent) as exc:
            raise ParseError(str(exc)) from None
        data = getattr(parsed, "data", parsed)
        files = getattr(parsed, "files", None)
        check_text({key: data.getlist(key) for key in data})
        if files is not None:
            check_text({key: [upload.name for upload in files.getlist(key)] for key in files})
        return parsed


class LimitedMultiPartParser(_FormLimits, MultiPartParser):
    pass


class LimitedFormParser(_FormLimits, FormParser):
    pass
