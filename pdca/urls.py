from django.urls import path

from pdca.views import plan

urlpatterns = [
    path("", plan.plan_tree_view, name="home"),
    path("plan/", plan.plan_tree_view, name="plan_tree"),
    path("measures/", plan.measure_list_view, name="measure_list"),
    path("measures/<str:code>/", plan.measure_detail_view, name="measure_detail"),
]
