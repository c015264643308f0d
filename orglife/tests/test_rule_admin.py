"""The rules page: everybody with READ views the rules; only 机关工委 administrators add and retire them."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditLog
from orglife import rule_services, services
from orglife.compliance import MET, MISSED, NOT_APPLICABLE, compliance
from orglife.models import LifeRule
from orglife.periods import period_of

RULES, NEW = "/orglife/overview/rules/", "/orglife/overview/rules/new/"
TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1

FORM = {
    "code": "R-LOCAL-9",
    "name": "每季度至少开展1次谈心谈话",
    "layer": "local",
    "measure": "activity_count",
    "org_kinds": ["branch"],
    "activity_kind": "heart_to_heart_talk",
    "period": "quarter",
    "min_count": "1",
    "effective_from": f"{TODAY.year + 1}-01-01",
    "source": "L: 本市新规（测试）",
}


def retire_url(rule):
    return f"/orglife/overview/rules/{rule.pk}/retire/"


def errors(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(str(e) for field in response.context["form"] for e in field.errors) + " ".join(
        response.context["form"].non_field_errors()
    )


def test_every_reader_sees_rules_in_force_and_retired_with_their_source(city, login):
    LifeRule.objects.filter(code="R-LIFE-7").update(effective_to=date(2020, 12, 31))
    response = login("publicity_a").get(RULES)
    body = response.content.decode()
    (_, current, _), (_, retired, _) = response.context["sections"]
    assert "R-LIFE-1" in {r.code for r in current} and {r.code for r in retired} == {"R-LIFE-7"}
    assert (
        "中国共产党支部工作条例（试行）2018" in body and "待核实" in body
    )  # R-LIFE-4 is unverified
    assert "新增规则" not in body and "停用</a>" not in body


def test_city_admin_adds_a_rule_through_the_form_and_it_is_audited(city, login):
    client = login("city_admin")
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, FORM)
    assert response.status_code == 302
    rule = LifeRule.objects.get(code="R-LOCAL-9")
    assert (rule.period, rule.org_kinds, rule.layer, rule.created_by) == (
        "quarter",
        ["branch"],
        "local",
        city.users["city_admin"],
    )
    assert AuditLog.objects.filter(
        action="create", object_type="orglife.liferule", object_id=str(rule.pk)
    ).exists()
    assert "R-LOCAL-9" in client.get(RULES).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": ""}, "请填写依据"),
        ({"effective_from": ""}, "请填写生效日期"),
        ({"quorum_ratio": "1.5"}, "有效人数比例须在0到1之间"),
        ({"activity_kind": ""}, "按活动次数考核须选择活动类型"),
        ({"min_count": "0"}, "最少次数须在1到100之间"),
        ({"code": "新规则"}, "规则编号由大写字母、数字和连字符组成"),
        (
            {"measure": "staffing_ratio", "activity_kind": "", "min_ratio": "0.02"},
            "按年度考核，周期须为“每年”",
        ),
        ({"measure": "staffing_ratio", "activity_kind": "", "period": "year"}, "请填写最低比例"),
        ({"measure": "term_expiry", "activity_kind": "", "period": "year"}, "请填写提前提醒月数"),
        ({"activity_kind": "work_report_hearing"}, "须注明听取主体"),
        ({"condition": "speaker_is_secretary"}, "只适用于党课"),
    ],
)
def test_a_rule_whose_parts_disagree_is_refused_in_chinese_naming_the_field(
    city, login, change, message
):
    response = login("city_admin").post(NEW, FORM | change)
    assert message in errors(response)
    assert not LifeRule.objects.filter(code="R-LOCAL-9").exists()


def test_only_city_admins_may_add_or_retire_rules_and_refusals_are_audited(city, login):
    rule = LifeRule.objects.get(code="R-LIFE-1")
    client = login("committee_a")
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, FORM).status_code == 403
    assert (
        client.post(retire_url(rule), {"effective_to": "2030-01-01", "reason": "试"}).status_code
        == 403
    )
    assert LifeRule.objects.get(pk=rule.pk).effective_to is None
    assert not LifeRule.objects.filter(code="R-LOCAL-9").exists()
    assert AuditLog.objects.filter(action="access_denied", actor_name="committee_a").count() == 3
    with pytest.raises(PermissionDenied):
        rule_services.rule_add(
            actor=city.users["secretary_a"], **{k: v for k, v in FORM.items() if k != "min_count"}
        )


def test_retiring_ends_the_period_in_force_and_keeps_the_history(city, login):
    rule = LifeRule.objects.get(code="R-LIFE-5")
    client = login("city_admin")
    response = client.post(
        retire_url(rule), {"effective_to": f"{LAST_YEAR}-06-30", "reason": "本市调整为双月"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (
        rule.effective_to == date(LAST_YEAR, 6, 30) and rule.name == "每月相对固定1天开展主题党日"
    )
    logged = AuditLog.objects.get(
        action="update", object_type="orglife.liferule", object_id=str(rule.pk)
    )
    assert (
        "本市调整为双月" in logged.detail
        and logged.changes["effective_to"][1] == f"{LAST_YEAR}-06-30"
    )
    again = client.post(retire_url(rule), {"effective_to": f"{LAST_YEAR}-07-31", "reason": "再改"})
    assert "已于" in errors(again) and LifeRule.objects.get(pk=rule.pk).effective_to == date(
        LAST_YEAR, 6, 30
    )


def test_a_rule_cannot_be_retired_before_it_took_effect(city, login):
    rule = LifeRule.objects.get(code="R-LIFE-1")
    response = login("city_admin").post(
        retire_url(rule), {"effective_to": "2000-01-01", "reason": "误"}
    )
    assert "不能早于该规则的生效日期" in errors(response)
    assert "请填写停用原因" in errors(
        login("city_admin").post(retire_url(rule), {"effective_to": "2030-01-01"})
    )


def _statuses(org, code, period, today):
    (item,) = compliance([org], period, today)
    return [s for r in item.results if r.rule.code == code for s in r.statuses]


@pytest.mark.parametrize(("last_day", "june"), [(30, MISSED), (15, NOT_APPLICABLE)])
def test_a_retired_rule_stops_judging_from_the_sub_period_its_last_day_does_not_reach(
    city, last_day, june
):
    rule = LifeRule.objects.get(code="R-LIFE-5")
    rule_services.rule_retire(
        rule=rule, effective_to=date(LAST_YEAR, 6, last_day), actor=city.users["city_admin"]
    )
    statuses = _statuses(city.branch_a, "R-LIFE-5", period_of("year", date(LAST_YEAR, 1, 1)), TODAY)
    assert statuses[4] == MISSED and statuses[5] == june and statuses[6] == NOT_APPLICABLE


def test_a_new_version_replaces_the_old_from_its_first_day(city, login):
    old = LifeRule.objects.get(code="R-LIFE-5")
    response = login("city_admin").post(
        NEW,
        FORM
        | {
            "code": "R-LIFE-5",
            "name": "每月开展2次主题党日",
            "activity_kind": "theme_day",
            "period": "month",
            "min_count": "2",
            "effective_from": f"{LAST_YEAR}-07-01",
            "source": "L: 本市加强规定（测试）",
        },
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.effective_to == date(LAST_YEAR, 6, 30)
    assert AuditLog.objects.filter(
        action="update", object_id=str(old.pk), detail__contains="替代"
    ).exists()
    for month in (6, 7):
        services.activity_record(
            organization=city.branch_a,
            kind="theme_day",
            topic="主题党日",
            correction_reason="补录测试数据",
            starts_at=timezone.make_aware(datetime.combine(date(LAST_YEAR, month, 10), time(15))),
        )
    year = period_of("year", date(LAST_YEAR, 1, 1))
    (item,) = compliance([city.branch_a], year, TODAY)
    old_result, new_result = [r for r in item.results if r.rule.code == "R-LIFE-5"]
    assert old_result.statuses[5] == MET and old_result.statuses[6] == NOT_APPLICABLE
    assert new_result.statuses[5] == NOT_APPLICABLE and new_result.statuses[6] == MISSED  # 1 of 2
    matrix = login("city_admin").get("/orglife/overview/", {"period": LAST_YEAR}).context["columns"]
    assert [c.code for c in matrix].count("R-LIFE-5") == 1


def test_a_version_cannot_start_before_one_already_in_force(city):
    with pytest.raises(ValidationError) as refused:
        rule_services.rule_add(
            actor=city.users["city_admin"],
            code="R-LIFE-5",
            name="旧版",
            org_kinds=["branch"],
            activity_kind="theme_day",
            period="month",
            min_count=1,
            effective_from=date(2018, 1, 1),
            source="测试",
        )
    assert "新版本的生效日期须晚于" in str(refused.value.message_dict["effective_from"])


def test_member_without_read_access_cannot_open_the_rules(city, login):
    assert login("member_a").get(RULES).status_code == 403
    assert login("member_a").get(NEW).status_code == 403
