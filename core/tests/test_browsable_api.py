"""The browsable API: off in production (JSON only); where DEBUG turns it on, its forms offer only
what the user may use, also on the actions that answer a GET with 405 (DRF draws their form anyway)."""

import re

import pytest
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.views import APIView

from core.tests import test_persona_matrix as matrix

city_with_records = matrix.city_with_records
# The apps whose forms were drawn from unscoped fields (their other routes are in the matrix).
SCOPED_APPS = re.compile(r"^(dual-excellence|responsibility|supervision|weak-orgs|activity)")


@pytest.fixture
def browsable_api(monkeypatch):
    """What DEBUG turns on (views bind their renderers at import: settings alone come too late)."""
    monkeypatch.setattr(APIView, "renderer_classes", [JSONRenderer, BrowsableAPIRenderer])


def html_pages(client, city):
    """(route, path, text) of every HTML answer of these apps' API routes, whatever its status."""
    client.raise_request_exception = False
    for route, path, _ in matrix.concrete_urls(city, city.records):
        if not path.startswith("/api/") or not SCOPED_APPS.match(route):
            continue
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code < 500, f"{route} {path} answered {response.status_code}"
        if response.get("Content-Type", "").startswith("text/html"):
            yield route, path, response.content.decode()


def options(html: str, name: str) -> list[str]:
    """The labels a form's drop-down of that name offers."""
    selects = re.findall(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return [label.strip() for s in selects for label in re.findall(r"<option[^>]*>([^<]*)<", s)]


@pytest.mark.django_db
def test_production_answers_json_only(login):
    client = login("secretary_a")
    html_only = client.get("/api/v1/supervision/inspections/", HTTP_ACCEPT="text/html")
    assert html_only.status_code == 406
    browser = client.get(
        "/api/v1/supervision/inspections/",
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )
    assert browser.status_code == 200
    assert browser["Content-Type"].startswith("application/json")
    assert "<form" not in browser.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["secretary_b", "member_a", "nobody"])
def test_forms_of_every_action_offer_nothing_of_branch_a(
    city_with_records, login, browsable_api, persona
):
    city = city_with_records
    own = persona == "member_a"  # member A may see their own branch's name, not others' people
    secrets = [city.users["secretary_a"].username, city.member_a2.name]
    if not own:
        secrets += matrix.secrets_of(city)
    pages, leaks = 0, []
    for route, path, html in html_pages(login(persona), city):
        pages += 1
        leaks += [f"{route} {path} offers {s!r}" for s in secrets if s in html]
    assert pages > 30
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_forms_still_offer_what_the_user_may_use(city_with_records, login, browsable_api):
    """The control: scoped drop-downs are not simply empty."""
    city = city_with_records
    admin = {path: html for _, path, html in html_pages(login("city_admin"), city)}
    inspections = admin["/api/v1/supervision/inspections/"]
    assert city.branch_a.name in options(inspections, "organizations")
    assert city.branch_b.name in options(inspections, "organizations")
    assert city.users["secretary_a"].username in options(inspections, "team")
    assert city.member_b.name in options(admin["/api/v1/supervision/cases/"], "member")
    assert city.dept_b.name in options(admin["/api/v1/dual-excellence/quotas/"], "area")
    secretary = {path: html for _, path, html in html_pages(login("secretary_b"), city)}
    notices = secretary["/api/v1/supervision/notices/"]
    assert options(notices, "audience") == [city.branch_b.name]
    assert city.member_b.name in options(secretary["/api/v1/supervision/cases/"], "member")
    committees = options(secretary["/api/v1/responsibility-templates/"], "work_committee")
    assert [c for c in committees if c.strip("-")] == [city.work_committee.name]


@pytest.mark.django_db
def test_the_attendance_page_renders_for_its_secretary(city_with_records, login, browsable_api):
    """It used to fail with 500: its correction form has no activity to draw the roster from."""
    activity = city_with_records.extra["activity"]
    response = login("secretary_a").get(
        f"/api/v1/activities/{activity.pk}/attendance/", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 200
    assert city_with_records.member_a.name in response.content.decode()  # the list itself
