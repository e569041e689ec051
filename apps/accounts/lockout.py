"""The one lockout of sign-ins, admin and API alike: django-axes, keyed on the username *and* the client address.

GREENSHIELD_LOGIN_MAX_FAILURES failed sign-ins for a username from one address lock that pair for
GREENSHIELD_LOGIN_LOCKOUT_SECONDS; the real user, elsewhere, still signs in. Counted whether or not the account
exists, so a lockout reveals nothing about accounts; the counters are digests in the shared cache. On top, the
sign-in throttle (``LoginRateThrottle``) limits attempts per address whatever the username, for both doors."""
from __future__ import annotations

import datetime
import hashlib

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.forms.utils import ErrorDict
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from apps.common.throttling import LoginRateThrottle

LOCKED_MESSAGE = "Too many failed sign-ins for this username from your address. Try again later."
THROTTLED_MESSAGE = "Too many sign-in attempts from your address. Try again in a minute."


def failure_limit(request=None, credentials=None) -> int:
    return settings.GREENSHIELD_LOGIN_MAX_FAILURES


def cool_off(request=None) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.GREENSHIELD_LOGIN_LOCKOUT_SECONDS)


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names a client in its log lines: a digest, since a "username" may be a password typed into the
    wrong box."""
    digest = hashlib.sha256(f"{username or ''}|{ip_address or ''}".encode()).hexdigest()[:12]
    return f"{{client: {digest}, path_info: {path_info!r}}}"


def is_locked(request, username: str) -> bool:
    """Whether ``username`` is locked for sign-ins from this request's client address."""
    return AxesProxyHandler.is_locked(request, get_credentials(username))


def _login_page(request, message: str, status: int):
    """The admin's sign-in form again, with ``message`` and nothing that tells whether the account exists."""
    form = AdminAuthenticationForm(request)
    form._errors = ErrorDict({"__all__": form.error_class([message])})
    context = {**admin.site.each_context(request), "title": "Log in", "subtitle": None, "form": form,
               "app_path": request.get_full_path(), "username": "",
               "next": request.GET.get("next", "") or request.POST.get("next", "")}
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/login.html", context, status=status)


def lockout_response(request, original_response=None, credentials=None):
    """axes' answer to a locked sign-in: the admin form with the lockout message (429). The API token view answers
    for itself (429 ``account_locked``), so its own response stands."""
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    return _login_page(request, LOCKED_MESSAGE, 429).render()


@sensitive_post_parameters()
@csrf_protect
@never_cache
def admin_login(request, extra_context=None):
    """The admin's login view behind the sign-in throttle the API token endpoint has (one counter per address)."""
    if request.method == "POST" and not LoginRateThrottle().allow_request(request, None):
        return _login_page(request, THROTTLED_MESSAGE, 429)
    return admin.site.login(request, extra_context)


__all__ = ["admin_login", "failure_limit", "cool_off", "is_locked", "lockout_response"]
