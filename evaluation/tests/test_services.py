from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditLog
from evaluation import services
from evaluation.metrics import METRICS
from evaluation.models import EvaluationScheme
from evaluation.selectors import automatic_values
from orglife.compliance import compliance
from orglife.periods import period_of


@pytest.fixture
def admin(city):
    return city.users["city_admin"]


@pytest.mark.django_db
def test_default_scheme_has_the_five_stars_of_domain_and_is_audited(admin):
    scheme = services.scheme_create_default(2026, admin)
    assert [s.name for s in scheme.stars.all()] == [
        "政治建设",
        "思想建设（学习）",
        "组织建设（基层基础）",
        "服务中心",
        "作风纪律",
    ]
    assert scheme.is_default and scheme.is_draft and scheme.sector == "organs"
    assert scheme.name == "机关五星示范、双优引领 2026"
    assert AuditLog.objects.filter(
        action="create", object_type="evaluation.evaluationscheme", object_id=str(scheme.pk)
    ).exists()


@pytest.mark.django_db
def test_copying_last_year_copies_stars_and_indicators_into_a_new_draft(admin):
    old = services.scheme_create_default(2025, admin)
    star = old.stars.first()
    services.indicator_save(
        star,
        {
            "name": "组织生活完成率",
            "method": "automatic",
            "points": Decimal(20),
            "metric": "orglife_completion_rate",
            "threshold": Decimal("0.9"),
        },
        admin,
    )
    services.scheme_publish(old, admin)
    new = services.scheme_copy(old, 2026, admin)
    assert new.year == 2026 and new.is_draft and new.copied_from == old
    assert new.name == "机关五星示范、双优引领 2026"
    copied = new.stars.get(name=star.name).indicators.get(name="组织生活完成率")
    assert copied.threshold == Decimal("0.9") and copied.metric == "orglife_completion_rate"
    assert new.stars.count() == 5
    assert old.stars.first().indicators.count() == 2  # the original is untouched


@pytest.mark.django_db
def test_published_scheme_cannot_be_edited(admin):
    scheme = services.scheme_create_default(2026, admin)
    services.scheme_publish(scheme, admin)
    with pytest.raises(ValidationError, match="复制"):
        services.star_save(scheme, {"name": "新星"}, admin)
    with pytest.raises(ValidationError, match="复制"):
        services.indicator_save(scheme.stars.first(), {"name": "新指标"}, admin)


@pytest.mark.django_db
def test_publishing_needs_indicators_in_every_star(admin):
    scheme = services.scheme_create_default(2026, admin)
    services.star_save(scheme, {"name": "空星"}, admin)
    with pytest.raises(ValidationError) as exc:
        services.scheme_publish(scheme, admin)
    assert "空星" in exc.value.message_dict["stars"][0]
    scheme.refresh_from_db()
    assert scheme.is_draft


@pytest.mark.django_db
def test_metrics_without_a_data_source_cannot_be_chosen(admin):
    star = services.scheme_create_default(2026, admin).stars.first()
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(
            star,
            {
                "name": "党费",
                "method": "automatic",
                "points": 10,
                "metric": "dues_on_time_rate",
                "threshold": Decimal("0.9"),
            },
            admin,
        )
    assert "数据来源待接入" in exc.value.message_dict["metric"][0]


@pytest.mark.django_db
def test_invalid_indicators_get_messages_naming_the_field(admin):
    star = services.scheme_create_default(2026, admin).stars.first()
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(
            star, {"name": " ", "method": "veto", "points": 5, "threshold": 1}, admin
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"name", "veto_scope", "points", "threshold"}
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(
            star,
            {
                "name": "完成率",
                "method": "automatic",
                "points": 10,
                "metric": "orglife_completion_rate",
                "threshold": Decimal("90"),
            },
            admin,
        )
    assert "0到1" in exc.value.message_dict["threshold"][0]


@pytest.mark.django_db
def test_editing_a_star_is_audited_with_the_change(admin):
    scheme = services.scheme_create_default(2026, admin)
    star = scheme.stars.first()
    services.star_save(scheme, {"name": "政治建设星", "pass_points": Decimal(70)}, admin, star)
    entry = AuditLog.objects.filter(action="update", object_type="evaluation.star").get()
    assert entry.changes["name"] == ["政治建设", "政治建设星"]


@pytest.mark.django_db
def test_only_city_admins_change_schemes_and_refusals_are_audited(city, admin):
    scheme = services.scheme_create_default(2026, admin)
    for persona in ("secretary_a", "committee_a", "system_admin"):
        with pytest.raises(PermissionDenied):
            services.scheme_copy(scheme, 2027, city.users[persona])
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_a").exists()
    assert EvaluationScheme.objects.count() == 1


@pytest.mark.django_db
def test_orglife_completion_rate_is_the_compliance_rate_of_the_year(city, admin):
    scheme = services.scheme_create_default(2025, admin)
    indicator = services.indicator_save(
        scheme.stars.first(),
        {
            "name": "完成率",
            "method": "automatic",
            "points": 10,
            "metric": "orglife_completion_rate",
            "threshold": Decimal("0.9"),
        },
        admin,
    )
    expected = compliance([city.branch_a], period_of("year", date(2025, 1, 1)))[0].rate
    assert METRICS["orglife_completion_rate"].compute(city.branch_a, 2025) == expected
    assert automatic_values(scheme, city.branch_a) == {indicator.pk: expected}
