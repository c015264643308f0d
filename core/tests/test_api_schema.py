"""The OpenAPI schema of /api/v1/ builds without a single warning and covers the main paths."""

import yaml
from django.core.management import call_command

MAIN_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/me/",
    "/api/v1/activities/",
    "/api/v1/activities/{id}/",
    "/api/v1/activities/{id}/attendance/",
    "/api/v1/activities/{id}/cancel/",
    "/api/v1/signin/",
    "/api/v1/rules/",
    "/api/v1/rules/{id}/retire/",
    "/api/v1/compliance/",
    "/api/v1/notifications/",
    "/api/v1/notifications/read_all/",
    "/api/v1/me/attendance/",
    "/api/v1/organizations/",
    "/api/v1/organizations/{id}/",
    "/api/v1/organizations/{id}/children/",
    "/api/v1/organizations/{id}/move/",
    "/api/v1/organizations/{id}/merge/",
    "/api/v1/organizations/{id}/dissolve/",
    "/api/v1/units/",
    "/api/v1/positions/",
    "/api/v1/positions/{id}/end/",
    "/api/v1/terms/",
    "/api/v1/members/",
    "/api/v1/members/{id}/",
    "/api/v1/members/lookup/",
    "/api/v1/members/{id}/transfer/",
    "/api/v1/members/{id}/status/",
    "/api/v1/users/",
    "/api/v1/role-assignments/",
    "/api/v1/role-assignments/{id}/end/",
]


def test_schema_validates_with_warnings_as_errors_and_lists_the_main_paths(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]
    assert not [p for p in MAIN_PATHS if p not in paths]
    assert "delete" not in paths["/api/v1/members/{id}/"]
    assert "delete" not in paths["/api/v1/organizations/{id}/"]
    assert set(paths["/api/v1/members/lookup/"]) == {"post"}


def test_member_schema_marks_id_number_write_only_on_input(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    schemas = yaml.safe_load(target.read_text(encoding="utf-8"))["components"]["schemas"]
    assert schemas["MemberInput"]["properties"]["id_number"]["writeOnly"] is True
    assert schemas["Member"]["properties"]["id_number"]["readOnly"] is True


def test_swagger_ui_and_schema_are_served(login):
    client = login("secretary_a")
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200
