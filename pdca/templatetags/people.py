"""{{ user|display_name }}: a person as every page names them (pdca.people)."""

from __future__ import annotations

from django import template

from pdca import people

register = template.Library()


@register.filter
def display_name(user) -> str:
    return people.display_name(user)
