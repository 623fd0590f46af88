"""`?format=table`: estimates and diffs as plain-text tables (Infracost's columns)."""

import json

from rest_framework.renderers import BaseRenderer

from apps.costing import tables


class CostTableRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "table"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and "error" in data:
            text = tables.render_error(data)
        elif isinstance(data, dict) and "changes" in data:
            text = tables.render_diff(data)
        elif isinstance(data, dict) and "lines" in data:
            text = tables.render_estimate(data)
        elif isinstance(data, dict) and "results" in data:
            text = tables.render_estimate_list(data)
        else:
            text = json.dumps(data, indent=2, default=str) + "\n"
        return text.encode(self.charset)
