"""send_reminders: open requirements before a period ends, terms, the superior's digest, e-mail, re-runs."""

from datetime import date, datetime, time
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from core.models import AuditLog
from core.roles import Role
from dangjian.testing import make_org, make_user
from notifications.models import Notification
from orglife import services
from orgs.models import OrgKind, Term

WEEK_BEFORE_JUNE_ENDS = date(2026, 6, 24)  # June and Q2 both end on the 30th
MID_MAY = date(2026, 5, 12)  # no period ends within a week


def run(day: date) -> str:
    out = StringIO()
    call_command("send_reminders", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def orglife_line(output: str) -> str:
    """The job's line about organizational life (other apps report their own reminders too)."""
    return next(line for line in output.splitlines() if "组织生活提醒" in line)


def inbox(user, category=None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(category=category) if category else rows)


def hold(org, kind, day):
    starts_at = timezone.make_aware(datetime.combine(day, time(15)))
    return services.activity_record(
        organization=org,
        kind=kind,
        starts_at=starts_at,
        topic="测试",
        attendance=[],
        correction_reason="补录测试数据",
    )


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ORGLIFE_REMIND_DAYS_BEFORE = 7
    return mail.outbox


def test_branch_secretary_is_reminded_once_a_week_before_the_period_ends(city, mailbox):
    output = orglife_line(run(WEEK_BEFORE_JUNE_ENDS))
    (reminder,) = inbox(city.users["secretary_a"], "orglife.period")
    assert reminder.title == "预算处党支部：6月30日前尚有3项组织生活未完成"
    assert (
        "主题党日" in reminder.body and "支部党员大会" in reminder.body and "党课" in reminder.body
    )
    assert reminder.url == f"/orglife/?org={city.branch_a.pk}"
    assert "新建" in output and "重复跳过 0 条" in output

    again = orglife_line(run(WEEK_BEFORE_JUNE_ENDS))
    assert len(inbox(city.users["secretary_a"], "orglife.period")) == 1
    assert "新建 0 条" in again and "重复跳过 0 条" not in again


def test_nothing_is_reminded_while_the_period_end_is_more_than_a_week_away(city, mailbox):
    run(date(2026, 6, 22))
    assert Notification.objects.filter(category="orglife.period").count() == 0


def test_met_requirements_are_left_out_and_a_branch_that_met_all_gets_nothing(city, mailbox):
    hold(city.branch_a, "theme_day", date(2026, 6, 5))
    hold(city.branch_a2, "theme_day", date(2026, 6, 5))
    hold(city.branch_a2, "branch_general_meeting", date(2026, 5, 20))
    hold(city.branch_a2, "party_lesson", date(2026, 4, 20))
    run(WEEK_BEFORE_JUNE_ENDS)
    (reminder,) = inbox(city.users["secretary_a"], "orglife.period")
    assert "主题党日" not in reminder.body and "2项" in reminder.title
    secretary_a2 = make_user("secretary_a2", roles=[(Role.BRANCH_SECRETARY, city.branch_a2)])
    run(WEEK_BEFORE_JUNE_ENDS)
    assert inbox(secretary_a2) == []


def test_a_term_expiring_in_five_months_reminds_the_branch_and_its_superior_once(city, mailbox):
    Term.objects.filter(organization=city.branch_a).update(
        expires_on=MID_MAY + relativedelta(months=5)
    )
    run(MID_MAY)
    (own,) = inbox(city.users["secretary_a"], "orglife.term")
    (superior,) = inbox(city.users["committee_a"], "orglife.term")
    assert own.title == "预算处党支部任期将于2026年10月12日届满，请做好换届准备"
    assert own.level == Notification.Level.WARNING and superior.title == own.title
    run(MID_MAY + relativedelta(months=1))
    assert len(inbox(city.users["secretary_a"], "orglife.term")) == 1


def test_a_term_further_than_six_months_away_is_not_reminded(city, mailbox):
    Term.objects.filter(organization=city.branch_a).update(
        expires_on=MID_MAY + relativedelta(months=7)
    )
    run(MID_MAY)
    assert Notification.objects.filter(category="orglife.term").count() == 0


def test_an_overdue_term_reminds_secretary_and_superior_at_most_monthly(city, mailbox):
    Term.objects.filter(organization=city.branch_a).update(expires_on=date(2026, 4, 30))
    run(MID_MAY)
    run(date(2026, 5, 20))
    (own,) = inbox(city.users["secretary_a"], "orglife.term")
    (superior,) = inbox(city.users["committee_a"], "orglife.term")
    assert "已于2026年04月30日届满，尚未换届" in own.title
    assert own.level == Notification.Level.DANGER and superior.url == f"/orgs/{city.branch_a.pk}/"
    run(date(2026, 6, 3))
    assert len(inbox(city.users["secretary_a"], "orglife.term")) == 2


def test_an_overdue_term_reaches_the_nearest_superior_with_role_holders(city, mailbox):
    # branch_b sits under 教育局党组, where nobody holds a role: the 机关工委 hears of it.
    Term.objects.create(
        organization=city.branch_b, started_on=date(2023, 1, 1), expires_on=date(2026, 1, 1)
    )
    run(MID_MAY)
    assert len(inbox(city.users["secretary_b"], "orglife.term")) == 1
    (to_admin,) = inbox(city.users["city_admin"], "orglife.term")
    assert to_admin.title.startswith("教育局机关党支部任期已于")


def test_the_superior_gets_one_digest_per_period_counting_lagging_organizations(city, mailbox):
    hold(city.branch_a2, "theme_day", date(2026, 6, 5))
    hold(city.branch_a2, "branch_general_meeting", date(2026, 5, 20))
    hold(city.branch_a2, "party_lesson", date(2026, 4, 20))
    run(WEEK_BEFORE_JUNE_ENDS)
    run(WEEK_BEFORE_JUNE_ENDS)
    (digest,) = inbox(city.users["committee_a"], "orglife.digest")
    assert digest.title == "中共测试市财政局机关委员会：下属1个党组织6月30日前尚有组织生活未完成"
    assert "下属共2个党组织" in digest.body and "预算处党支部（3项）" in digest.body
    assert "国库处党支部" not in digest.body
    assert digest.url == f"/orglife/overview/?org={city.committee_a.pk}"
    (city_digest,) = inbox(city.users["city_admin"], "orglife.digest")
    assert "教育局机关党支部" in city_digest.body and "预算处党支部" in city_digest.body


def test_people_of_other_branches_hear_nothing_about_branch_a(city, mailbox):
    run(WEEK_BEFORE_JUNE_ENDS)
    for reminder in inbox(city.users["secretary_b"]):
        assert reminder.url.endswith(f"org={city.branch_b.pk}")
        assert "预算处" not in reminder.title + reminder.body
    for persona in ("member_a", "publicity_a", "nobody", "system_admin", "audit_admin"):
        assert inbox(city.users[persona]) == [], persona


def test_ended_roles_and_inactive_accounts_are_not_reminded(city, mailbox):
    city.users["secretary_a"].role_assignments.update(ended_on=date(2026, 6, 1))
    User.objects.filter(username="secretary_b").update(is_active=False)
    run(WEEK_BEFORE_JUNE_ENDS)
    assert inbox(city.users["secretary_a"]) == [] and inbox(city.users["secretary_b"]) == []


def test_users_who_asked_for_email_get_one_mail_per_new_notification(city, mailbox):
    User.objects.filter(username="secretary_a").update(
        email="zhao@example.gov.cn", email_notifications=True
    )
    # committee_a has an address but did not ask for e-mail.
    User.objects.filter(username="committee_a").update(email="qian@example.gov.cn")
    output = run(WEEK_BEFORE_JUNE_ENDS)
    assert [m.to for m in mailbox] == [["zhao@example.gov.cn"]]
    assert mailbox[0].subject == "【智慧机关党建】预算处党支部：6月30日前尚有3项组织生活未完成"
    assert f"/orglife/?org={city.branch_a.pk}" in mailbox[0].body
    assert "发送邮件 1 封" in output
    run(WEEK_BEFORE_JUNE_ENDS)
    assert len(mailbox) == 1
    assert inbox(city.users["secretary_a"])[0].emailed_at is not None


def test_each_run_that_creates_notifications_is_audited(city, mailbox):
    run(WEEK_BEFORE_JUNE_ENDS)
    run(WEEK_BEFORE_JUNE_ENDS)
    (entry,) = AuditLog.objects.filter(object_type="notifications.notification")
    assert "2026-06-24" in entry.detail and entry.actor is None


def test_a_malformed_date_is_refused_in_chinese(city):
    with pytest.raises(CommandError, match="格式不正确，应为 YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2026/06/24", stdout=StringIO())


def _add_branches(city, count):
    for i in range(count):
        branch = make_org(f"扩展党支部{i}", OrgKind.BRANCH, city.committee_a)
        Term.objects.create(
            organization=branch, started_on=date(2023, 6, 1), expires_on=date(2026, 6, 1)
        )
        make_user(
            f"ext_secretary_{branch.pk}",
            roles=[(Role.BRANCH_SECRETARY, branch)],
            email=f"s{branch.pk}@example.gov.cn",
            email_notifications=True,
        )


def _queries_of_a_run(day) -> tuple[int, int]:
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        run(day)
    return len(queries), Notification.objects.count()


def test_the_job_query_count_does_not_grow_with_the_number_of_organizations(city, mailbox):
    _add_branches(city, 5)
    few, created_few = _queries_of_a_run(WEEK_BEFORE_JUNE_ENDS)
    _add_branches(city, 20)
    many, created_many = _queries_of_a_run(WEEK_BEFORE_JUNE_ENDS)
    assert created_many > created_few + 20  # each new branch: its reminder and its overdue term
    assert many == few
