from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from opendata.api import views

app_name = "api"


def public(view_class, **initkwargs):
    return login_not_required(view_class.as_view(**initkwargs))


def public_static(view_class, **initkwargs):
    """The schema and its documentation page change only with a release."""
    return login_not_required(cache_control(public=True, max_age=3600)(view_class.as_view(**initkwargs)))


urlpatterns = [
    path("plans/", public(views.PlanListView), name="plans"),
    path("plans/<str:code>/", public(views.PlanDetailView), name="plan"),
    path("years/", public(views.YearListView), name="years"),
    path("years/<str:fiscal_year>/", public(views.YearDetailView), name="year"),
    path("pillars/", public(views.PillarListView), name="pillars"),
    path("subpillars/", public(views.SubPillarListView), name="subpillars"),
    path("fields/", public(views.FieldListView), name="fields"),
    path("bureaus/", public(views.BureauListView), name="bureaus"),
    path("measures/", public(views.MeasureListView), name="measures"),
    path("measures/<str:code>/", public(views.MeasureDetailView), name="measure"),
    path("indicators/", public(views.IndicatorListView), name="indicators"),
    path("schema/", public_static(SpectacularAPIView), name="schema"),
    path(
        "docs/",
        public_static(
            SpectacularSwaggerSplitView,
            url_name="opendata:api:schema",
            template_name="opendata/api_docs.html",
        ),
        name="docs",
    ),
]
