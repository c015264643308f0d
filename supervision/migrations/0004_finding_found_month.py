"""Finding.found_month: the local month of found_at, stored so the overview groups by a column."""

from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    Finding = apps.get_model("supervision", "Finding")
    batch = []
    for finding in Finding.objects.only("pk", "found_at").iterator(chunk_size=2000):
        finding.found_month = timezone.localtime(finding.found_at).date().replace(day=1)
        batch.append(finding)
        if len(batch) >= 2000:
            Finding.objects.bulk_update(batch, ["found_month"])
            batch = []
    Finding.objects.bulk_update(batch, ["found_month"])


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_deadline_extension"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="found_month",
            field=models.DateField(editable=False, null=True, verbose_name="发现月份"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="finding",
            name="found_month",
            field=models.DateField(editable=False, verbose_name="发现月份"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["found_month"], name="finding_found_month"),
        ),
    ]
