"""Seed the default finding categories (DOMAIN.md). Editable data: 工委 administrators add,
rename and retire them. The wording of the 十种表现 is a default to be confirmed by the customer."""

from django.db import migrations

DEFAULTS = [
    # (code, name, group, description)
    ("formalism", "形式主义", "four_winds", "四风"),
    ("bureaucratism", "官僚主义", "four_winds", "四风"),
    ("hedonism", "享乐主义", "four_winds", "四风"),
    ("extravagance", "奢靡之风", "four_winds", "四风"),
    ("empty_pledges", "表态多调门高、行动少落实差", "formalism", "十种表现（默认表述，待核定）"),
    (
        "indifference_to_masses",
        "维护群众利益不上心、不用心",
        "formalism",
        "十种表现（默认表述，待核定）",
    ),
    ("shirking", "不担当不作为、推诿扯皮", "formalism", "十种表现（默认表述，待核定）"),
    ("meetings_documents", "文山会海、以会议落实会议", "formalism", "十种表现（默认表述，待核定）"),
    ("excessive_checks", "检查考核过多过频、过度留痕", "formalism", "十种表现（默认表述，待核定）"),
    (
        "superficial_research",
        "调查研究走过场、浅尝辄止",
        "formalism",
        "十种表现（默认表述，待核定）",
    ),
    ("vanity_projects", "搞形象工程、政绩工程", "formalism", "十种表现（默认表述，待核定）"),
    ("layered_targets", "照搬照抄、层层加码", "formalism", "十种表现（默认表述，待核定）"),
    ("arbitrary_decisions", "脱离实际、拍脑袋决策", "formalism", "十种表现（默认表述，待核定）"),
    ("poor_service", "门难进、脸难看、事难办", "formalism", "十种表现（默认表述，待核定）"),
    ("inaction", "为官不为", "conduct", ""),
    ("middle_obstruction", "中梗阻", "conduct", ""),
    ("three_meetings_one_lesson", "三会一课未按规定开展", "org_life", ""),
    ("theme_day", "主题党日未按月开展", "org_life", ""),
    ("org_life_meeting", "组织生活会不规范", "org_life", ""),
    ("dues", "党费收缴不规范", "org_life", ""),
    ("records", "党建台账资料不完整", "org_life", ""),
    ("other", "其他问题", "other", ""),
]


def seed(apps, schema_editor):
    Category = apps.get_model("supervision", "FindingCategory")
    for order, (code, name, group, description) in enumerate(DEFAULTS, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "description": description,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
