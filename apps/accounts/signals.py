"""Login events go to the audit log."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .models import User


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    from apps.audit.services import audit_record

    audit_record(actor=user, action="auth.login", target=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from apps.audit.services import audit_record

    from .lockout import is_locked, record_failure

    username = str(credentials.get("username", ""))[:150]
    was_locked = is_locked(username)
    count = record_failure(username)
    # A mistyped username may be a password typed into the wrong box: name only accounts that exist.
    target = username if User.objects.filter(username=username).exists() else "(unknown account)"
    audit_record(actor=None, action="auth.login_failed", target_type="user", target_id=target, request=request,
                 data={"failures": count, "locked": was_locked})
    if not was_locked and is_locked(username):
        audit_record(actor=None, action="auth.locked", target_type="user", target_id=target, request=request,
                     data={"failures": count})
