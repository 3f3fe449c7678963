"""What every page's frame needs: the user's role (for the menu) and whether demo data exists."""

from __future__ import annotations

from core.texts import TEXT_MAX_LENGTH
from indicators.models import Actual
from pdca import rights
from pdca.models import Role


def app(request) -> dict:
    role = rights.role_of(request.user) if hasattr(request, "user") else None
    return {
        "text_max_length": TEXT_MAX_LENGTH,
        "user_role": role,
        "may_enter": role in (Role.STAFF, Role.HQ),
        # Which Excel links to show; the views ask pdca.rights again.
        "may_export": hasattr(request, "user") and rights.may_export(request.user),
        "may_use_template": hasattr(request, "user") and rights.may_use_template(request.user),
        "may_read_desk": role in (Role.HQ, Role.VIEWER),
        "demo_data_present": role is not None and Actual.objects.filter(is_demo=True).exists(),
    }
