from django.db import migrations


def fill(apps, schema_editor):
    # Existing plans get their roll-up rows once. This calls the product's own rebuild (with
    # today's models) rather than repeating its arithmetic here; if the models move on, squash
    # this migration rather than keep it in step.
    # A new database has no plans: ask the model as of this migration, since today's Plan
    # has columns that later migrations add.
    if not apps.get_model("measures", "Plan").objects.using(schema_editor.connection.alias).exists():
        return
    from indicators.group_results import group_results_rebuild
    from measures.models import Plan

    for plan in Plan.objects.using(schema_editor.connection.alias).all():
        group_results_rebuild(plan)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_group_results_and_lighter_ordering")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
