"""Form pieces the admins share."""
from __future__ import annotations

from django import forms


class UnechoedTextInput(forms.TextInput):
    """A text box that never writes a value back into the page — not the stored one, not even what was typed after
    an error — for personal data (names, ID numbers, phones)."""

    def format_value(self, value):
        return None
