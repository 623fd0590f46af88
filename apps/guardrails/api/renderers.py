"""`?format=sarif` and `?format=junit` for an evaluation; errors stay in the JSON error shape."""

from rest_framework.renderers import BaseRenderer, JSONRenderer

from apps.guardrails.pack import PACK_VERSION
from apps.guardrails.reports import sarif_bytes, to_junit


def _is_evaluation(data) -> bool:
    return isinstance(data, dict) and "findings" in data and "error" not in data


class SarifRenderer(BaseRenderer):
    media_type = "application/sarif+json"
    format = "sarif"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not _is_evaluation(data):
            return JSONRenderer().render(data)
        return sarif_bytes(data, tool_version=PACK_VERSION)


class JUnitRenderer(BaseRenderer):
    media_type = "application/xml"
    format = "junit"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not _is_evaluation(data):
            return JSONRenderer().render(data)
        return to_junit(data)
