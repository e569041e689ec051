"""Gives every request an id (``X-Request-ID`` if the client sent a sane one) and echoes it back."""
import re
import uuid

from .request_context import reset_request_id, set_request_id

_SAFE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        token = set_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request.request_id
        return response


class BodySizeLimitMiddleware:
    """Refuses request bodies over GREENSHIELD_MAX_BODY_BYTES before anything reads them (413)."""

    def __init__(self, get_response):
        from django.conf import settings

        self.limit = settings.GREENSHIELD_MAX_BODY_BYTES
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            from django.http import JsonResponse

            return JsonResponse({"type": "client_error", "errors": [{
                "code": "request_too_large", "attr": None,
                "detail": f"Request bodies are limited to {self.limit} bytes."}]}, status=413)
        return self.get_response(request)
