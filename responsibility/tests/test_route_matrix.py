"""Every route of this app, with branch A's list, item, file and template ids, against branch B."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.test_persona_matrix import named_routes, response_text
from responsibility import services
from responsibility.models import Level, ListTemplate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ids(city, branch_list):
    item = branch_list.items.first()
    upload = SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")
    evidence = services.evidence_add(item=item, upload=upload, actor=city.users["secretary_a"])
    template = ListTemplate.objects.get(level=Level.BRANCH)
    return {
        "list": branch_list.pk,
        "item": item.pk,
        "evidence": evidence.pk,
        "template": template.pk,
        "template-item": template.items.first().pk,
    }


def concrete(pattern: str, known: dict) -> str | None:
    path = "/" + pattern.replace("^", "").replace("$", "").replace("\\", "")
    path = re.sub(r"\(\?P<format>[^)]*\)", "", path)
    if "<int:item_pk>" in path:
        path = path.replace("<int:item_pk>", str(known["template-item"]))
    for word, key in (
        ("template-items", "template-item"),
        ("templates", "template"),
        ("lists", "list"),
        ("items", "item"),
        ("evidence", "evidence"),
    ):
        if f"{word}/<" in path:
            path = re.sub(r"<int:pk>|<pk>|<int:[a-z_]+>", str(known[key]), path, count=1)
            break
    return None if "<" in path else path


@pytest.mark.django_db
def test_branch_b_gets_nothing_of_branch_a_from_any_route(city, branch_list, login):
    known = ids(city, branch_list)
    client = login("secretary_b")
    checked = 0
    for route, pattern in named_routes():
        if "responsibility" not in route and "responsibility" not in pattern:
            continue
        path = concrete(pattern, known)
        if path is None:
            continue
        # Templates belong to the 工委 and are readable by everyone under it; reading is fine there.
        shared = "template" in pattern
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            checked += 1
            if re.search(r"<int:|<pk>", pattern) and not (shared and method == "get"):
                assert response.status_code in (403, 404, 405), f"{method} {path}"
            if response.status_code == 200:
                body = response_text(response)
                assert "预算处党支部" not in body and "赵强" not in body, f"{method} {path}"
    assert checked > 30
