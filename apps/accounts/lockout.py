"""Login lockout: after GREENSHIELD_LOGIN_MAX_FAILURES failed logins for a username within
GREENSHIELD_LOGIN_LOCKOUT_SECONDS, that username cannot log in (admin or API) until the window passes.
Counted per username whether or not it exists, so a lockout reveals nothing about accounts."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


def _key(username: str) -> str:
    return "gs:login-failures:" + hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]


def failures(username: str) -> int:
    return cache.get(_key(username), 0)


def is_locked(username: str) -> bool:
    return failures(username) >= settings.GREENSHIELD_LOGIN_MAX_FAILURES


def record_failure(username: str) -> int:
    key = _key(username)
    cache.add(key, 0, timeout=settings.GREENSHIELD_LOGIN_LOCKOUT_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.GREENSHIELD_LOGIN_LOCKOUT_SECONDS)
        return 1


def reset(username: str) -> None:
    cache.delete(_key(username))


class LockoutModelBackend(ModelBackend):
    """Django's username/password backend, refusing locked usernames before checking the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("username")
        if username is not None and is_locked(username):
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            reset(username)
        return user
