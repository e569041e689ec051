"""The admin's colours: every labelled enum member has a tone (``greenshield.enums.Tone``), and this is the one
place a tone becomes a colour. Readable in the light and dark admin themes (white text on each)."""
from __future__ import annotations

from django.utils.html import format_html

from greenshield.enums import Tone

GREEN, RED, DARK_RED, AMBER, BLUE, GREY = "#1b7f3b", "#b42318", "#7a0916", "#b54708", "#175cd3", "#667085"
TONE_COLORS = {Tone.GOOD: GREEN, Tone.BAD: RED, Tone.SEVERE: DARK_RED, Tone.WARN: AMBER, Tone.INFO: BLUE,
               Tone.NEUTRAL: GREY}


def badge(label: str, tone: Tone = Tone.NEUTRAL):
    """A value as a small coloured pill."""
    return format_html(
        '<span style="display:inline-block;padding:1px 8px;border-radius:9px;background:{};color:#fff;'
        'font-weight:600;white-space:nowrap">{}</span>', TONE_COLORS[tone], label)


def enum_badge(value, enum, *, show: str = "value"):
    """A stored enum value as a pill in its member's tone; ``show="label"`` shows the member's label instead."""
    if not value:
        return "—"
    try:
        member = enum(value)
    except ValueError:
        return badge(str(value))
    return badge(member.label if show == "label" else member.value, getattr(member, "tone", Tone.NEUTRAL))
