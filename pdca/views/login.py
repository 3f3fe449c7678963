"""Signing in: Django's login view, followed by the clerk's notices (pdca.notices)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import LoginView

from pdca.desk import today
from pdca.notices import login_notices


class NoticeLoginView(LoginView):
    """Django's LoginView; once signed in, a clerk sees what waits for them on the next page."""

    def form_valid(self, form):
        response = super().form_valid(form)
        for notice in login_notices(self.request.user, on=today()):
            messages.warning(self.request, notice)
        return response
