from django.urls import include, path, re_path

from opendata import publishing, views

app_name = "opendata"

public_patterns = [
    path("", views.home_view, name="home"),
    path("measures/", views.measure_list_view, name="measure_list"),
    path("measures/<str:code>/", views.measure_detail_view, name="measure_detail"),
    path("trend/", views.trend_view, name="trend"),
    path("data/", views.data_view, name="data"),
    path("data/catalog.jsonld", views.catalog_view, name="catalog"),
    path("data/schema/<str:table>.json", views.schema_view, name="schema"),
    re_path(r"^data/(?P<scope>all|\d{4})/(?P<table>[a-z_]+)\.(?P<fmt>csv|json)$", views.file_view, name="file"),
]

urlpatterns = [
    path("public/", include(public_patterns)),
    path("api/v1/", include("opendata.api.urls")),
]

# Headquarters' side, in the signed-in site (names without the namespace, like pdca's).
staff_urlpatterns = [
    path("publishing/", publishing.publishing_view, name="publishing"),
    path("publishing/<int:fiscal_year>/publish/", publishing.publish_view, name="publishing_publish"),
    path("publishing/<int:fiscal_year>/withdraw/", publishing.withdraw_view, name="publishing_withdraw"),
]
