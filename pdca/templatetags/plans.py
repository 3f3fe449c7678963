"""{% plan_switcher plan %}: the header's choice of plan, a plain GET form (no script)."""

from __future__ import annotations

from django import template

from measures.selectors import plan_choices

register = template.Library()


@register.inclusion_tag("pdca/_plan_switcher.html", takes_context=True)
def plan_switcher(context, plan) -> dict:
    choices = plan_choices(plan) if plan is not None else ()
    request = context.get("request")
    return {"plan": plan, "choices": choices, "action": request.path if request is not None else ""}
