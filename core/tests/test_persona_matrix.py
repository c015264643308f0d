"""Every page, export and API endpoint against a user of another branch: nothing of branch A leaks.

URLs are enumerated from the URL configuration, so a new route joins the matrix by itself. Routes
with an id get the id of a branch-A object: the apps of issues 4 and 5 name theirs route by route
(`branch_a_records` in conftest.py, which also holds the texts that must stay inside branch A); the
older apps get one from the words of the route (`id_for`).
"""

import json
import re
import zipfile
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
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Route names of the apps whose ids come from `branch_a_records` rather than from `id_for`.
RECORDED_APPS = re.compile(
    r"^(evaluation|publicity|public-notice|objection|dual[_-]excellence|responsibility"
    r"|secretary[_-]review|member[_-]review|api-me-member-review|work[_-]plans|supervision"
    r"|weak[_-]orgs)"
)
PARAMETER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>|\(\?P<([a-z_]+)>[^)]*\)")


def named_routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def id_for(route: str, path: str, city):
    """The id of a branch-A object fitting a route of the older apps, or None when we cannot tell."""
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


def fill(path: str, kwargs: dict) -> str | None:
    """The path with each URL parameter replaced by its value, or None when one is unknown."""

    def value(match):
        name = match.group(1) or match.group(2)
        return str(kwargs[name]) if name in kwargs else match.group(0)

    path = PARAMETER.sub(value, path)
    return None if "<" in path or "(?P" in path else path


def concrete_urls(city, records=None):
    """(route, path, kind): kind is "private" for a route about a branch-A object, "shared" for
    one about an object every reader of the city may see, None for a route without an id."""
    known = records.kwargs if records else {}
    for route, pattern in named_routes():
        if route in OWN_OR_PUBLIC or "<drf_format_suffix" in pattern or "(?P<format>" in pattern:
            continue
        path = "/" + pattern.replace("^", "").replace("$", "").replace("\\", "")
        if not PARAMETER.search(path):
            yield route, path, None
            continue
        if route in known:
            path = fill(path, known[route])
            kind = "shared" if route in records.shared else "private"
        elif RECORDED_APPS.match(route) or "<str:" in path or "<slug" in path:
            continue  # test_every_route_of_the_new_apps_gets_an_id names the missing ones
        else:
            pk = id_for(route, path, city)
            first = PARAMETER.search(path)
            name = first.group(1) or first.group(2)
            path = fill(path, {name: pk}) if pk is not None else None
            kind = "private"
        if path is not None:
            yield route, path, kind


def _xml_text(content: bytes) -> str:
    """Text of every part of an Office zip, tags removed (runs of one paragraph join up)."""
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return "\n".join(
            re.sub(r"<[^>]+>", "", archive.read(name).decode(errors="replace"))
            for name in archive.namelist()
            if name.endswith(".xml")
        )


def response_text(response) -> str:
    """Text of a page, JSON answer, .xlsx or .docx export (every cell, every paragraph), with the
    download file name."""
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    header = response.get("Content-Disposition", "")
    if content_type == XLSX_CONTENT_TYPE:
        workbook = load_workbook(BytesIO(content), read_only=True)
        return "\n".join(
            str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row
        )
    if content_type == DOCX_CONTENT_TYPE:
        return header + "\n" + _xml_text(content)
    text = content.decode(errors="replace")
    if content_type.startswith("application/json"):
        try:  # \uXXXX escapes would hide a name from a plain substring test
            text = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            pass
    return header + "\n" + text


@pytest.fixture
def city_with_records(city, branch_a_records):
    """Branch A also holds an activity, secretary A a notification, and every app of issues 4 and 5
    a record of branch A (see conftest.py)."""
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
    city.records = branch_a_records
    return city


def secrets_of(city) -> list[str]:
    return [
        city.member_a.name,
        city.branch_a.name,
        city.member_a.id_number,
        "预算处主题党日",
        "预算处党支部提醒",
        *city.records.secrets,
    ]


@pytest.mark.django_db
def test_every_route_of_the_new_apps_gets_an_id(city_with_records):
    """A new route with an id in one of these apps must name its branch-A object in conftest.py,
    or the matrix would silently skip it."""
    known = city_with_records.records.kwargs
    missing = sorted(
        route
        for route, pattern in named_routes()
        if RECORDED_APPS.match(route)
        and "<drf_format_suffix" not in pattern
        and PARAMETER.search(pattern)
        and route not in known
    )
    assert not missing, (
        "give these routes a branch-A object in core/tests/conftest.py: " + ", ".join(missing)
    )
    stale = sorted(set(known) - {route for route, _ in named_routes()})
    assert not stale, "routes gone, drop them from core/tests/conftest.py: " + ", ".join(stale)


@pytest.mark.django_db
def test_secretary_of_branch_b_sees_nothing_of_branch_a_anywhere(city_with_records, login):
    city = city_with_records
    client = login("secretary_b")
    secrets = secrets_of(city)
    checked, leaks = 0, []
    for route, path, kind in concrete_urls(city, city.records):
        response = client.get(path)
        checked += 1
        if kind == "private" and response.status_code not in (403, 404, 405):
            leaks.append(f"{route} {path} answered {response.status_code}")
        if response.status_code != 200:
            continue
        body = response_text(response)
        leaks += [f"{route} {path} shows {s!r}" for s in secrets if s in body]
    assert not leaks, "\n".join(leaks)
    assert checked > 20
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").exists()


@pytest.mark.django_db
def test_branch_a_and_the_work_committee_do_see_every_secret_somewhere(city_with_records, login):
    """The control: each text the matrix looks for is really shown to those allowed to see it, so
    its absence for branch B means something (the ID number is masked for everyone)."""
    city = city_with_records
    unseen = set(secrets_of(city)) - {city.member_a.id_number}
    for persona in ("secretary_a", "city_admin"):
        client = login(persona)
        for _, path, _ in concrete_urls(city, city.records):
            response = client.get(path)
            if response.status_code == 200:
                body = response_text(response)
                unseen -= {s for s in unseen if s in body}
    assert unseen == set()


def filter_variants(city) -> list[dict]:
    """Query strings a curious user might add to a list, export or search URL: branch A's ids under
    every filter name the apps read, searches for its names, and the ids of its records."""
    objects = city.records.objects
    org = dict.fromkeys(
        ("org", "organization", "under", "parent", "branch", "owner", "subject"), city.branch_a.pk
    )
    variants = [
        {**org, "member": city.member_a.pk, "area": city.dept_a.pk},
        {**org, "show": "all", "closed": "1", "pending": "1", "status": ""},
        dict.fromkeys(("q", "org_q", "member_q", "leader_q", "search"), "预算"),
        # The surname only: a search box echoing the full name would look like a leak.
        dict.fromkeys(("q", "org_q", "member_q", "leader_q", "search"), city.member_a.name[0]),
    ]
    for name, key in (
        ("cycle", "cycle"),
        ("round", "review_round"),
        ("round", "dual_round"),
        ("plan", "work_plan"),
        ("task", "task"),
        ("assignment", "assignment"),
        ("review", "member_review"),
        ("list", "responsibility_list"),
        ("inspection", "inspection"),
        ("finding", "finding"),
        ("run", "flag_run"),
    ):
        variants.append({name: objects[key].pk, "show": "all"})
    return variants


@pytest.mark.django_db
def test_secretary_of_branch_b_finds_nothing_of_branch_a_through_filters(city_with_records, login):
    city = city_with_records
    client = login("secretary_b")
    secrets = secrets_of(city)
    variants = filter_variants(city)
    leaks = []
    for route, path, kind in concrete_urls(city, city.records):
        if kind is not None:
            continue
        for number, query in enumerate(variants):
            if number > 3 and not RECORDED_APPS.match(route):
                continue  # the record ids mean nothing to the older apps
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}) if number == 0 else ({},):
                response = client.get(path, query, **headers)
                if response.status_code != 200:
                    continue
                body = response_text(response)
                leaks += [f"{route} {path}?{query} shows {s!r}" for s in secrets if s in body]
    assert not leaks, "\n".join(leaks)


@pytest.fixture
def browsable_api(monkeypatch):
    """The renderers DEBUG turns on (settings.REST_FRAMEWORK): tests run with DEBUG off, which
    answers JSON only, and views bind their renderers at import, so patch them here."""
    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
    from rest_framework.views import APIView

    monkeypatch.setattr(APIView, "renderer_classes", [JSONRenderer, BrowsableAPIRenderer])


@pytest.mark.django_db
def test_the_browsable_api_offers_branch_b_nothing_of_branch_a(
    city_with_records, login, browsable_api
):
    """A browser opening the API gets HTML forms whose drop-downs list the choices a field
    accepts: they must be limited to the user's scope like the answers themselves."""
    city = city_with_records
    client = login("secretary_b")
    client.raise_request_exception = False
    # User pickers show user names: branch A's secretary is not for branch B to pick.
    secrets = [*secrets_of(city), city.users["secretary_a"].username]
    leaks, pages = [], 0
    for route, path, _ in concrete_urls(city, city.records):
        if not path.startswith("/api/"):
            continue
        response = client.get(path, HTTP_ACCEPT="text/html")
        if response.status_code >= 500:
            leaks.append(f"{route} {path} failed with {response.status_code}")
            continue
        if response.get("Content-Type", "").startswith("text/html"):
            pages += 1
        if response.status_code == 200:
            body = response_text(response)
            leaks += [f"{route} {path} offers {s!r}" for s in secrets if s in body]
    assert not leaks, "\n".join(leaks)
    assert pages > 50  # the browsable API really rendered


@pytest.mark.django_db
def test_secretary_of_branch_b_cannot_act_on_branch_a_records(city_with_records, login):
    """A form post or API action on a branch-A object is refused before anything is read or
    written: no 200 page, no 302 'done', no 400 that confirms the object exists."""
    city = city_with_records
    client = login("secretary_b")
    before = AuditLog.objects.exclude(action="access_denied").count()
    refused = []
    for route, path, kind in concrete_urls(city, city.records):
        if kind != "private" or not RECORDED_APPS.match(route):
            continue
        response = client.post(path, {})
        if response.status_code not in (403, 404, 405):
            refused.append(f"{route} POST {path} answered {response.status_code}")
    assert not refused, "\n".join(refused)
    assert AuditLog.objects.exclude(action="access_denied").count() == before


@pytest.mark.django_db
def test_branch_b_gets_no_message_or_reminder_about_branch_a(city_with_records):
    """Messages are the other way out: what the services sent while branch A's records were made,
    and every app's daily reminders on the days its deadlines come and pass."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Notification
    from notifications.reminders import collect_all

    city = city_with_records
    outsider = city.users["secretary_b"]
    secrets = secrets_of(city)
    sent = [n for n in Notification.objects.all() if n.recipient_id == outsider.pk]
    today = timezone.localdate()
    reminded = 0
    for days in (0, 3, 7, 15, 21, 25, 31, 45, 61, 90, 181, 400):
        for _, reminders in collect_all(today + timedelta(days=days)):
            reminded += len(reminders)
            sent += [n for n in reminders if n.recipient_id == outsider.pk]
    assert reminded > 0  # the records do have deadlines to remind of
    leaks = [
        f"{n.category} {n.title!r} {n.url} shows {s!r}"
        for n in sent
        for s in secrets
        if s in f"{n.title}\n{n.body}\n{n.url}"
    ]
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_or_refused_everywhere(city_with_records, client):
    for route, path, _ in concrete_urls(city_with_records, city_with_records.records):
        if route == "home" or route.startswith("orglife:signin"):
            continue
        response = client.get(path)
        assert response.status_code in (302, 401, 403, 404, 405), (
            f"{route} {path} answered {response.status_code}"
        )
        if response.status_code == 302:
            assert "/accounts/login/" in response.url
