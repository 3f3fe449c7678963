from django.contrib import admin
from django.urls import include, path

from core.views import language_choose
from opendata.urls import staff_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("language/<str:language>/", language_choose, name="language_choose"),
    path("accounts/", include("accounts.urls")),
    path("", include("opendata.urls", namespace="opendata")),
    *staff_urlpatterns,
    path("", include("pdca.urls")),
]
