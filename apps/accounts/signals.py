"""Django's login signals (admin and API alike) hand the record of each sign-in to the accounts services."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    from .services import login_succeeded

    login_succeeded(user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    from .services import login_failed

    login_failed(username=credentials.get("username", ""), request=request)
