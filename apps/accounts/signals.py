"""Signals handed to the accounts services: the record of each sign-in (admin and API alike, counted by django-axes
before these run), and the end of an account's sessions when what its tokens were trusted with changes — however
the account was changed (the admin, ``create_account``, ``set_password`` and ``save()`` in a shell)."""
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from .models import User


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    from .services import login_succeeded

    login_succeeded(user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    from .services import login_failed

    failures = getattr(request, "axes_failures_since_start", None)
    locked = failures is not None and failures > settings.GREENSHIELD_LOGIN_MAX_FAILURES
    login_failed(username=credentials.get("username", ""), failures=failures, locked=locked, request=request)


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    """axes says so at every failure past the limit; the lock is recorded once, when it starts."""
    from .services import login_locked

    if getattr(request, "axes_failures_since_start", None) == settings.GREENSHIELD_LOGIN_MAX_FAILURES:
        login_locked(username=username or "", request=request)


@receiver(pre_save, sender=User)
def note_session_bound_changes(sender, instance, raw=False, update_fields=None, **kwargs):
    from .services import SESSION_BOUND_FIELDS

    if raw or instance._state.adding or instance.pk is None:
        return
    fields = [name for name in SESSION_BOUND_FIELDS
              if update_fields is None or name in update_fields or name.removesuffix("_id") in update_fields]
    if not fields:
        return
    before = User.objects.filter(pk=instance.pk).values(*fields).first()
    if before is None:
        return
    changed = [name.removesuffix("_id") for name in fields if before[name] != getattr(instance, name)]
    if changed:
        instance._session_bound_changes = changed


@receiver(post_save, sender=User)
def end_sessions_after_save(sender, instance, created, raw=False, **kwargs):
    from .services import account_sessions_end

    changed = instance.__dict__.pop("_session_bound_changes", None)
    if changed and not raw:
        account_sessions_end(user=instance, reason="changed: " + ", ".join(changed))


@receiver(m2m_changed, sender=User.groups.through)
def end_sessions_on_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    """Roles are groups: joining or leaving one ends the account's sessions."""
    from .services import account_sessions_end

    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # group.user_set.add(...): the accounts named, or every member before a clear
        users = list(User.objects.filter(pk__in=pk_set) if pk_set is not None else instance.user_set.all())
    elif action == "pre_clear" or pk_set:
        users = [instance]
    else:
        return
    for user in users:
        account_sessions_end(user=user, reason="changed: role")
