"""The measure list's filters: the selects narrow down the plan's tree, a chosen value stays
offered, and every value is validated against the plan, whatever a select offers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from benchmarks.synthetic import synthetic_plan_create
from measures.models import Bureau, Field, Measure, Pillar, SubPillar
from measures.selectors import measure_list
from pdca import filters
from pdca.filters import MeasureFilter, PlainSelect, RiskFilter

pytestmark = pytest.mark.django_db


def measure_filter(plan, **params) -> MeasureFilter:
    data = QueryDict(mutable=True)
    data.update({name: str(value) for name, value in params.items()})
    return MeasureFilter(data, queryset=measure_list(plan), plan=plan)


def offered(measure_filter: MeasureFilter, name: str) -> list[str]:
    return [str(label) for value, label in measure_filter.form.fields[name].widget.choices if value != ""]


def labels(objects) -> list[str]:
    return [str(each) for each in objects]


@pytest.fixture
def small_limit(monkeypatch):
    """The real plan (7 sub-pillars, 21 fields) behaves as a large plan does."""
    monkeypatch.setattr(filters, "CHOICE_LIMIT", 5)


def test_the_real_plan_offers_every_pillar_subpillar_field_and_bureau(plan):
    chosen = measure_filter(plan)
    assert offered(chosen, "pillar") == ["I 暮らしの情報化", "II 行政の情報化"]
    assert offered(chosen, "subpillar") == labels(SubPillar.objects.filter(pillar__plan=plan))
    assert offered(chosen, "field") == labels(Field.objects.filter(subpillar__pillar__plan=plan))
    assert len(offered(chosen, "subpillar")) == 7 and len(offered(chosen, "field")) == 21
    assert offered(chosen, "bureau") == labels(Bureau.objects.filter(sections__measures__plan=plan).distinct())
    assert len(offered(chosen, "bureau")) == 13
    assert not chosen.form["subpillar"].help_text and not chosen.form["field"].help_text


def test_choosing_a_pillar_offers_only_its_subpillars_and_fields(plan):
    pillar = plan.pillars.get(code="II")
    chosen = measure_filter(plan, pillar=pillar.pk)
    assert offered(chosen, "subpillar") == labels(SubPillar.objects.filter(pillar=pillar))
    assert offered(chosen, "field") == labels(Field.objects.filter(subpillar__pillar=pillar))
    assert chosen.qs.count() == Measure.objects.filter(field__subpillar__pillar=pillar).count()


def test_choosing_a_subpillar_offers_only_its_fields_and_its_pillars_subpillars(plan):
    subpillar = SubPillar.objects.get(pillar__plan=plan, code="I-③")
    chosen = measure_filter(plan, subpillar=subpillar.pk)
    assert offered(chosen, "field") == labels(subpillar.fields.all())
    assert offered(chosen, "subpillar") == labels(SubPillar.objects.filter(pillar=subpillar.pillar))
    assert f'<option value="{subpillar.pk}" selected>' in str(chosen.form["subpillar"])


def test_a_field_chosen_alone_as_the_plan_tree_links_it_implies_its_subpillar_and_pillar(plan, small_limit):
    field = Field.objects.get(subpillar__pillar__plan=plan, code="I-①-イ")
    chosen = measure_filter(plan, field=field.pk)
    assert offered(chosen, "field") == labels(field.subpillar.fields.all())  # 6 fields: all of them
    assert offered(chosen, "subpillar") == labels(SubPillar.objects.filter(pillar=field.subpillar.pillar))
    assert f'<option value="{field.pk}" selected>' in str(chosen.form["field"])
    assert set(chosen.qs) == set(field.measures.all())


def test_above_the_limit_subpillars_and_fields_wait_for_the_level_above(plan, small_limit):
    chosen = measure_filter(plan)
    assert offered(chosen, "subpillar") == [] and offered(chosen, "field") == []
    assert chosen.form["subpillar"].help_text == "柱を選ぶと中柱を選べます。"
    assert chosen.form["field"].help_text == "中柱を選ぶと分野を選べます。"
    assert 'aria-describedby="id_subpillar_helptext"' in str(chosen.form["subpillar"])
    assert len(offered(chosen, "bureau")) == 13  # bureaus are not a tree: always all of them

    pillar = plan.pillars.get(code="I")
    by_pillar = measure_filter(plan, pillar=pillar.pk)
    assert offered(by_pillar, "subpillar") == labels(SubPillar.objects.filter(pillar=pillar))
    assert offered(by_pillar, "field") == []  # pillar I has 12 fields
    assert by_pillar.form["field"].help_text == "中柱を選ぶと分野を選べます。"

    subpillar = SubPillar.objects.get(pillar=pillar, code="I-①")
    by_subpillar = measure_filter(plan, pillar=pillar.pk, subpillar=subpillar.pk)
    assert offered(by_subpillar, "field") == labels(subpillar.fields.all())  # 6, above the limit: still all
    assert not by_subpillar.form["field"].help_text


def test_a_chosen_value_stays_offered_and_selected_even_outside_the_narrowed_choices(plan):
    pillar = plan.pillars.get(code="II")
    elsewhere = SubPillar.objects.get(pillar__plan=plan, code="I-①")
    chosen = measure_filter(plan, pillar=pillar.pk, subpillar=elsewhere.pk)
    assert str(elsewhere) in offered(chosen, "subpillar")
    assert f'<option value="{elsewhere.pk}" selected>' in str(chosen.form["subpillar"])
    assert chosen.qs.count() == 0  # no measure is in both


def test_values_from_another_plan_are_refused_and_do_not_filter(plan):
    other = synthetic_plan_create(measures=8, code="another-plan")
    foreign = {
        "pillar": other.pillars.first().pk,
        "subpillar": SubPillar.objects.filter(pillar__plan=other).first().pk,
        "field": Field.objects.filter(subpillar__pillar__plan=other).first().pk,
        "bureau": Bureau.objects.filter(sections__measures__plan=other).first().pk,
    }
    for name, value in foreign.items():
        chosen = measure_filter(plan, **{name: value})
        assert not chosen.is_valid() and name in chosen.errors, name
        assert chosen.qs.count() == 76, name
        assert str(value) not in [str(v) for v, _label in chosen.form.fields[name].widget.choices], name


def test_a_bureau_finds_each_of_its_measures_once_even_when_two_of_its_sections_share_one(plan):
    bureau = Bureau.objects.get(name="国際文化観光局")
    chosen = measure_filter(plan, bureau=bureau.pk)
    codes = [m.code for m in chosen.qs]
    assert codes.count("I-①-イ-01") == 1  # 観光企画課 and 国際観光課 both own it
    expected = Measure.objects.filter(plan=plan, measure_sections__section__bureau=bureau).distinct()
    assert sorted(codes) == sorted(expected.values_list("code", flat=True))
    assert chosen.qs.count() == len(codes)


def test_the_dashboard_filter_keeps_pillar_and_bureau_and_skips_the_rest(plan):
    bureau = Bureau.objects.get(name="総務局")
    with CaptureQueriesContext(connection) as queries:
        risk_filter = RiskFilter(QueryDict(f"bureau={bureau.pk}"), queryset=plan.measures.all(), plan=plan)
        measures = set(risk_filter.qs)
    assert list(risk_filter.form.fields) == ["pillar", "bureau"]
    assert measures == set(Measure.objects.filter(plan=plan, measure_sections__section__bureau=bureau))
    assert len(offered(risk_filter, "bureau")) == 13
    target_years = 'SELECT DISTINCT "measures_measure"."target_fiscal_year"'
    assert not any(query["sql"].startswith(target_years) for query in queries.captured_queries)


def test_a_plain_select_escapes_its_options_and_selects_the_first_match_only():
    widget = PlainSelect(choices=[("", "すべて"), (1, '<b>"A" & B</b>'), (2, "二"), (2, "二の重複")])
    html = widget.render("x", "2", attrs={"id": "id_x", "aria-describedby": "id_x_helptext"})
    assert html == (
        '<select name="x" id="id_x" aria-describedby="id_x_helptext"><option value="">すべて</option>'
        '<option value="1">&lt;b&gt;&quot;A&quot; &amp; B&lt;/b&gt;</option>'
        '<option value="2" selected>二</option><option value="2">二の重複</option></select>'
    )
    assert '<option value="" selected>' in widget.render("x", None)
    text_values = PlainSelect(choices=[('a"&<b>', "x"), ("2021", "y")]).render("x", None)
    assert '<option value="a&quot;&amp;&lt;b&gt;">x</option><option value="2021">y</option>' in text_values


def test_a_plain_select_follows_the_choice_the_options_and_the_language():
    from django.utils import translation
    from django.utils.functional import lazy

    choices = [("", "すべて"), (1, "一"), (2, "二")]
    assert '<option value="2" selected>' in PlainSelect(choices=choices).render("x", "2")
    again = PlainSelect(choices=choices).render("x", "1")
    assert '<option value="1" selected>' in again and '<option value="2">' in again
    renamed = PlainSelect(choices=[("", "すべて"), (1, "一"), (2, "弐")]).render("x", "1")
    assert ">弐</option>" in renamed and ">二</option>" not in renamed
    # A lazy label, as empty_label is, says what the language of each request makes of it.
    language = lazy(translation.get_language, str)()
    for code in ("ja", "en", "ja"):
        with translation.override(code):
            assert f'<option value="" selected>{code}</option>' in PlainSelect(choices=[("", language)]).render(
                "x", None
            )


def test_every_pillar_of_the_plan_stays_offered_however_large(plan, small_limit):
    assert offered(measure_filter(plan), "pillar") == labels(Pillar.objects.filter(plan=plan).order_by("order"))
