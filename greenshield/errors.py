"""Application errors with stable codes. Services raise them; one exception handler maps them to the API."""
from __future__ import annotations


class ApplicationError(Exception):
    """A domain failure the client can act on. ``code`` is API; ``detail`` is prose and never holds personal data."""

    status_code = 400
    code = "invalid"
    default_detail = "The request cannot be carried out."

    def __init__(self, detail: str | None = None, *, code: str | None = None, attr: str | None = None,
                 status_code: int | None = None):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.attr = attr
        super().__init__(self.detail)


class ValidationFailed(ApplicationError):
    status_code = 400


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    default_detail = "Not found."


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"
