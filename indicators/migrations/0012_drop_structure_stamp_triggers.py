"""The structure stamp's triggers go: every cached copy is now keyed by the one data version
that the services renew (core.cache.data_changed), not by triggers."""

import importlib

from django.db import migrations

triggers = importlib.import_module("indicators.migrations.0007_structure_stamp_triggers")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0011_actual_confirmed_warnings_and_more"),
    ]

    operations = [
        migrations.RunPython(triggers.drop, triggers.create),
    ]
