"""The measure card as the measure page reads it, against the model relations it flattens."""

from __future__ import annotations

import pytest
from django.http import Http404

from measures.models import Measure
from measures.selectors import MeasureCard, Owner, measure_card

pytestmark = pytest.mark.django_db


def card_the_long_way(m: Measure) -> tuple:
    """The same card through the ORM's relations, one object at a time."""
    owners = [Owner(ms.section.bureau.name, ms.section.name, ms.is_primary) for ms in m.measure_sections.all()]
    subprogrammes = [(sp.number, sp.name) for sp in m.subprogrammes.all()]
    schedule = [
        (
            item.pk,
            item.subprogramme.number if item.subprogramme else None,
            item.name,
            item.reading,
            tuple(year in {y.fiscal_year for y in item.years.all()} for year in m.plan.fiscal_years),
        )
        for item in m.schedule_items.all()
    ]
    return owners, subprogrammes, schedule


def card_as_read(card: MeasureCard) -> tuple:
    schedule = [(r.pk, r.subprogramme_number, r.name, r.reading, r.active) for r in card.schedule]
    return card.owners, card.subprogrammes, schedule


def test_every_card_of_the_plan_reads_as_its_relations_say(plan):
    for m in plan.measures.all():
        card = measure_card(plan, m.code)
        assert card.measure.pk == m.pk
        assert card_as_read(card) == card_the_long_way(m), m.code


def test_a_card_names_its_owners_parts_and_yearly_schedule(plan):
    card = measure_card(plan, "I-①-イ-01")
    assert card.owners == [Owner("国際文化観光局", "観光企画課", True), Owner("国際文化観光局", "国際観光課", False)]
    assert [number for number, _name in card.subprogrammes] == [1, 2]
    first = card.schedule[0]
    assert (first.subprogramme_number, first.name, first.active) == (
        1,
        "ウェブサイトの改修",
        (True, False, False, False),
    )
    assert all(card.schedule[1].active)


def test_an_activity_scheduled_in_no_year_keeps_its_row(plan):
    m = plan.measures.get(code="I-①-イ-01")
    item = m.schedule_items.order_by("order").first()
    item.years.clear()
    card = measure_card(plan, m.code)
    assert card.schedule[0].name == item.name and card.schedule[0].active == (False, False, False, False)
    assert len(card.schedule) == m.schedule_items.count()


def test_an_unknown_code_is_a_404(plan):
    with pytest.raises(Http404):
        measure_card(plan, "no-such-measure")
