"""The OpenAPI schema's description of errors, once for every operation.

Every error the API answers has the one shape of apps/core/api/errors.py (the `Error`
component). `AutoSchema` adds to each operation the error statuses it can answer, from what the
operation is: 400 when it reads a body or query parameters or writes, 401 and 403 when it needs
a login, 404 when its path or body names an object or it is paginated (a page past the last),
409 for the view's `conflict_actions` (where its services raise `Conflict`), 413 when it reads a
body, 429 when it is throttled, and 503 for every one (the database cannot be reached:
apps/core/database_outage.py). Statuses an operation has of its own (202, …) are declared with
`extend_schema` on the view; this class gives the errors among them the error shape.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import permissions, serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and lower-case, e.g. `validation_error`.")
    message = serializers.CharField()
    details = serializers.JSONField(
        required=False, help_text="Only where an error carries more (e.g. a gate's figures)."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(  # `fields` is a Serializer's own attribute
            child=serializers.ListField(child=serializers.CharField()),
            help_text='An input path and its messages, e.g. {"components[3].region": ["…"]}.',
        )
        return fields


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


DESCRIPTIONS = {
    "400": "Invalid input: the fields that are wrong, each with its messages.",
    "401": "No credentials, or credentials that are not valid (expired, revoked, …).",
    "403": "The caller's roles do not allow this.",
    "404": "Not found in the caller's tenant.",
    "409": "Refused by the current state of what it acts on.",
    "413": "The request body is larger than the limit.",
    "429": "Too many requests: try again after `Retry-After` seconds.",
    "503": "The database cannot be reached: try again after `Retry-After` seconds.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        # An error is rendered like the operation's answer (`?format=table` as text, SARIF and
        # JUnit as the JSON error under their media type).
        content = {"application/json": {"schema": error}}
        for code, response in responses.items():
            for media_type in response.get("content", {}) if code < "300" else ():
                schema = {"type": "string"} if media_type.startswith("text/") else error
                content.setdefault(media_type, {"schema": schema})
        for status in sorted(self._error_statuses(operation) | {c for c in responses if c >= "4"}):
            response = responses.setdefault(status, {"description": DESCRIPTIONS.get(status, "")})
            response.setdefault("content", {k: dict(v) for k, v in content.items()})
        return operation

    def _error_statuses(self, operation: dict) -> set[str]:
        parameters = operation.get("parameters", [])
        body = bool(operation.get("requestBody"))
        statuses = {"503"}  # any operation, while the database is unreachable
        if body or self.method != "GET" or any(p["in"] == "query" for p in parameters):
            statuses.add("400")  # invalid input, or a write a service refuses
        if body:
            statuses.add("413")
        if not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses |= {"401", "403"}
        if any(
            p["in"] == "path" or (p["in"], p["name"]) == ("query", "page") for p in parameters
        ) or (body and self._body_names_objects()):
            statuses.add("404")  # an object not found, or a page past the last
        if self.method != "GET" and getattr(self.view, "action", None) in getattr(
            self.view, "conflict_actions", ()
        ):
            statuses.add("409")
        if self.view.get_throttles():
            statuses.add("429")
        return statuses

    def _body_names_objects(self) -> bool:
        """Whether the request body names objects by id (not found in the tenant: 404)."""
        requested = self.get_request_serializer()
        bodies = requested.values() if isinstance(requested, dict) else [requested]
        return any(
            isinstance(field, serializers.UUIDField) and not field.read_only
            for body in map(force_instance, bodies)
            if isinstance(body, serializers.Serializer)
            for field in body.fields.values()
        )
