"""How a person is named on every page and in every message: the display name (full
name), else the username. Never the user id alone."""

from __future__ import annotations

from django.utils.translation import gettext as _


def display_name(user) -> str:
    """The name to show for a user; 「他の利用者」 when the user is gone."""
    if user is None:
        return _("他の利用者")
    return user.get_full_name().strip() or user.get_username()
