from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("計画・施策")

    def ready(self) -> None:
        from measures import plan_settings  # noqa: F401  (connects its signal receivers)
