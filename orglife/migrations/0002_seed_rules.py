"""Seeds the rules of organizational life (national and local layers) from orglife.seed."""

from django.db import migrations


def seed(apps, schema_editor):
    from orglife.seed import SEED_RULES

    LifeRule = apps.get_model("orglife", "LifeRule")
    for row in SEED_RULES:
        if not LifeRule.objects.filter(
            code=row["code"], effective_from=row["effective_from"]
        ).exists():
            LifeRule.objects.create(**row)


class Migration(migrations.Migration):
    dependencies = [("orglife", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
