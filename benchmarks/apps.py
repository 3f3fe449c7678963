from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Development only: synthetic plans, `manage.py benchmark` and the load test.

    Installed when DEBUG is on, in the test settings, or with ``DJANGO_BENCHMARKS=1``
    (to time the production settings); a deployment never installs it.
    """

    name = "benchmarks"
    verbose_name = "Benchmarks (development only)"
