from django import template

from apps.supervision.admin import may_open_dashboard

register = template.Library()


@register.filter
def may_open_supervision(user) -> bool:
    """Whether the admin index offers the supervision dashboard to ``user``."""
    return may_open_dashboard(user)
