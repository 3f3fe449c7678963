# Actual takes the audit fields of core.models.AuditedModel: entered_by/entered_at are renamed
# to updated_by/updated_at (更新者/更新日時), on the model and on its history.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0009_text_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="actual", old_name="entered_by", new_name="updated_by"),
        migrations.RenameField(model_name="actual", old_name="entered_at", new_name="updated_at"),
        migrations.RenameField(model_name="historicalactual", old_name="entered_by", new_name="updated_by"),
        migrations.RenameField(model_name="historicalactual", old_name="entered_at", new_name="updated_at"),
        migrations.AlterField(
            model_name="actual",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="更新日時"),
        ),
        migrations.AlterField(
            model_name="actual",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="更新者",
            ),
        ),
        migrations.AlterField(
            model_name="historicalactual",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False, verbose_name="更新日時"),
        ),
        migrations.AlterField(
            model_name="historicalactual",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="更新者",
            ),
        ),
    ]
