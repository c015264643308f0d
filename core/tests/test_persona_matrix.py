"""Every page, export and API endpoint against a user of another branch: nothing of branch A leaks.

URLs are enumerated from the URL configuration, so a new route joins the matrix by itself. Routes
with an id get the id of a branch-A object of the model they are named for.
"""

import re
from io import BytesIO

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from core.excel import XLSX_CONTENT_TYPE
from core.models import AuditLog

# Routes that are public or the user's own by design (login page, own password, own notifications …).
OWN_OR_PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_change",
    "api-schema",
    "api-docs",
    "api-redoc",
}


def named_routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def id_for(route: str, path: str, city):
    """The id of a branch-A object fitting the route, or None when we cannot tell."""
    text = route + " " + path
    if "rule" in text:
        return None  # rules are city-wide, readable by every party reader
    if "notification" in text:
        return city.extra["notification"].pk
    if "activit" in text or "attend" in text or "attachment" in text:
        return city.extra["activity"].pk
    if "member" in text and "user" not in text:
        return city.member_a.pk
    if "user" in text or "account" in text:
        return city.users["secretary_a"].pk
    if "unit" in text:
        return city.unit_a.pk
    if "org" in text or "tree" in text:
        return city.branch_a.pk
    return None


def concrete_urls(city):
    for route, pattern in named_routes():
        if (
            route in OWN_OR_PUBLIC
            or "<str:" in pattern
            or "<slug" in pattern
            or "(?P<format>" in pattern
        ):
            continue
        path = "/" + pattern.replace("^", "").replace("$", "").replace("\\", "")
        if "<int:" in path or "<pk>" in path or "(?P<pk>" in path:
            pk = id_for(route, path, city)
            if pk is None:
                continue
            path = re.sub(r"<int:[a-z_]+>|\(\?P<pk>\[\^/\.\]\+\)|<pk>", str(pk), path, count=1)
            if "<" in path or "(?P" in path:
                continue
            yield route, path, True
        elif "<" not in path and "(?P" not in path:
            yield route, path, False


def response_text(response) -> str:
    """Text of a page, JSON answer or .xlsx export (every cell of every sheet)."""
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type == XLSX_CONTENT_TYPE:
        workbook = load_workbook(BytesIO(content), read_only=True)
        return "\n".join(
            str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row
        )
    return content.decode(errors="replace")


@pytest.fixture
def city_with_records(city):
    """Branch A also holds an activity, and secretary A a notification."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.services import notify
    from orglife.services import activity_record

    activity = activity_record(
        organization=city.branch_a,
        kind="theme_day",
        starts_at=timezone.now() - timedelta(days=1),
        topic="预算处主题党日",
        attendance=[{"member_id": city.member_a.pk, "status": "present"}],
    )
    note = notify(
        recipient=city.users["secretary_a"], title="预算处党支部提醒", dedupe_key="matrix"
    )
    city.extra = {"activity": activity, "notification": note}
    return city


@pytest.mark.django_db
def test_secretary_of_branch_b_sees_nothing_of_branch_a_anywhere(city_with_records, login):
    city = city_with_records
    client = login("secretary_b")
    secrets = [
        city.member_a.name,
        city.branch_a.name,
        city.member_a.id_number,
        "预算处主题党日",
        "预算处党支部提醒",
    ]
    checked = 0
    for route, path, has_id in concrete_urls(city):
        response = client.get(path)
        checked += 1
        if has_id:
            assert response.status_code in (403, 404, 405), (
                f"{route} {path} answered {response.status_code}"
            )
        if response.status_code != 200:
            continue
        body = response_text(response)
        for secret in secrets:
            assert secret not in body, f"{route} {path} shows {secret!r} to secretary_b"
    assert checked > 20
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_or_refused_everywhere(city_with_records, client):
    for route, path, _ in concrete_urls(city_with_records):
        if route == "home" or route.startswith("orglife:signin"):
            continue
        response = client.get(path)
        assert response.status_code in (302, 401, 403, 404, 405), (
            f"{route} {path} answered {response.status_code}"
        )
        if response.status_code == 302:
            assert "/accounts/login/" in response.url
