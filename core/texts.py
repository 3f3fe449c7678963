"""The one limit on free text, counted in characters, that every way in agrees on: the
entry form and the other forms, the admin, the department template (its cell validation
and the upload's check), the services, and so the meeting workbook, whose cells hold at
most 32,767 characters: well within it, so the meeting workbook and the department
template carry every text whole (the workbook still marks any longer text it has to shorten).
`pdca.models.TEXT_MAX_LENGTH` is this one, for the code that imports it from there.

Forms say the limit to the page (`data-max-length`, read by static/js/text-counter.js)
rather than as `maxlength`, with which a browser silently cuts a pasted text: a longer text
is sent, refused with a message, and shown again in full.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TEXT_MAX_LENGTH = 10_000
EXCEL_CELL_MAX_LENGTH = 32767
assert TEXT_MAX_LENGTH <= EXCEL_CELL_MAX_LENGTH


def text_normalized(text: str) -> str:
    """Line breaks as one character each, as the page counts them (a browser sends CR LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_too_long(text: str, limit: int = TEXT_MAX_LENGTH) -> str | None:
    """The Japanese message for a text over the limit, or None."""
    length = len(text_normalized(text))
    if length <= limit:
        return None
    return _("%(limit)s文字以内で入力してください（現在%(length)s文字、%(over)s文字超過）。") % {
        "limit": f"{limit:,}",
        "length": f"{length:,}",
        "over": f"{length - limit:,}",
    }


def limit_widget(widget: forms.Widget, limit: int = TEXT_MAX_LENGTH) -> forms.Widget:
    """Tell the page the limit for its counter, without a `maxlength` that would cut a paste."""
    widget.attrs.pop("maxlength", None)
    widget.attrs["data-max-length"] = str(limit)
    # The counter's words, in the page's language (the script fills in the numbers).
    widget.attrs["data-counter-text"] = gettext_lazy("{length} / {limit} 文字")
    widget.attrs["data-counter-over"] = gettext_lazy("（{over} 文字超過）")
    return widget


class LimitedTextField(forms.CharField):
    """Free text up to TEXT_MAX_LENGTH characters, with a counter on the page."""

    def __init__(self, *args, limit: int = TEXT_MAX_LENGTH, **kwargs):
        self.limit = limit
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)
        limit_widget(self.widget, limit)

    def to_python(self, value):
        return text_normalized(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if message := text_too_long(value, self.limit):
            raise forms.ValidationError(message, code="max_length")
