"""Domain errors: raised by services, mapped once to HTTP responses by the API's error handler."""


class DomainError(Exception):
    """A rule of the domain refused the operation. `code` is stable; `fields` names the inputs."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        details: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.details = details


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
