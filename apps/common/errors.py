"""One exception handler: drf-standardized-errors' shape, with ``ApplicationError`` codes and attrs."""
from __future__ import annotations

from django.core.exceptions import FieldError
from django.db.models import ProtectedError, RestrictedError
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail

from greenshield.crypto import CryptoError
from greenshield.errors import ApplicationError, Conflict


class ApplicationAPIException(exceptions.APIException):
    def __init__(self, error: ApplicationError):
        self.status_code = error.status_code
        detail = ErrorDetail(error.detail, code=error.code)
        super().__init__(detail={error.attr: [detail]} if error.attr else detail, code=error.code)


class ApplicationValidationError(exceptions.ValidationError):
    def __init__(self, error: ApplicationError):
        super().__init__({error.attr or "non_field_errors": [ErrorDetail(error.detail, code=error.code)]})
        self.status_code = error.status_code


class ExceptionHandler(BaseExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, ApplicationError):
            if exc.status_code == 400:
                return ApplicationValidationError(exc)
            return ApplicationAPIException(exc)
        if isinstance(exc, (CryptoError, FieldError)):
            # Never leak details of personal-data failures to the client; they are logged as server errors.
            return exc
        if isinstance(exc, (ProtectedError, RestrictedError)):
            # Deleting something other records still point to; the message lists those records, so it stays here.
            return ApplicationAPIException(
                Conflict("Other records still refer to this object, so it cannot be deleted.", code="protected"))
        return super().convert_known_exceptions(exc)
