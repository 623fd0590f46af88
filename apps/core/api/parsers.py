"""JSON parsing with a body size limit (DRF reads the body stream itself, so Django's
DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to it)."""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DHARMA_API_MAX_BODY_BYTES
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > limit:
            raise RequestTooLarge(f"The request body is {length} bytes; the limit is {limit}.")
        return super().parse(stream, media_type, parser_context)
