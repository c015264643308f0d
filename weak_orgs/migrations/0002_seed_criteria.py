"""Seeds the default 软弱涣散 criteria (editable defaults, see weak_orgs.criteria)."""

from django.db import migrations


def seed(apps, schema_editor):
    from weak_orgs.criteria import DEFAULT_CRITERIA, DEFAULT_FROM

    WeakOrgCriterion = apps.get_model("weak_orgs", "WeakOrgCriterion")
    for row in DEFAULT_CRITERIA:
        if not WeakOrgCriterion.objects.filter(code=row["code"]).exists():
            WeakOrgCriterion.objects.create(
                **{**row, "code": str(row["code"])},
                effective_from=DEFAULT_FROM,
                is_default=True,
                enabled=True,
            )


class Migration(migrations.Migration):
    dependencies = [("weak_orgs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
