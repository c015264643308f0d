"""Members read the 通报曝光 published to their branch's organizations, from their own page."""

import pytest
from django.urls import reverse

from supervision import services

pytestmark = pytest.mark.django_db


def notice(city, title, audience, publish=True):
    admin = city.users["city_admin"]
    item = services.notice_create(
        actor=admin,
        issuer=city.work_committee,
        data={"title": title, "body": "现将典型问题通报如下，各单位引以为戒。"},
        audience=audience,
    )
    if publish:
        services.notice_publish(notice=item, actor=admin)
    return item


def test_member_sees_published_notices_to_their_branch_and_its_superiors_only(city, login):
    to_dept_a = notice(city, "关于财政局三会一课问题的通报", [city.dept_a])
    to_all = notice(city, "关于全市机关作风问题的通报", [city.work_committee])
    notice(city, "关于教育局问题的通报", [city.dept_b])
    notice(city, "尚未发布的通报草稿", [city.dept_a], publish=False)
    client = login("member_a")
    body = client.get(reverse("supervision:notices_mine")).content.decode()
    assert to_dept_a.title in body and to_all.title in body
    assert "教育局问题" not in body and "草稿" not in body
    assert body.index(to_all.title) < body.index(to_dept_a.title)  # newest first
    detail = client.get(reverse("supervision:notice_detail", args=[to_dept_a.pk]))
    assert detail.status_code == 200
    assert reverse("supervision:notices_mine") in detail.content.decode()  # way back for members
    searched = client.get(reverse("supervision:notices_mine"), {"q": "作风"}).content.decode()
    assert to_all.title in searched and to_dept_a.title not in searched


def test_other_branch_sees_none_of_branch_a_notices_and_cannot_open_them(city, login):
    item = notice(city, "关于财政局三会一课问题的通报", [city.dept_a])
    client = login("secretary_b")
    assert item.title not in client.get(reverse("supervision:notices_mine")).content.decode()
    assert client.get(reverse("supervision:notice_detail", args=[item.pk])).status_code == 404


def test_a_user_without_member_record_or_role_has_an_empty_list(city, login):
    notice(city, "关于全市机关作风问题的通报", [city.work_committee])
    body = login("nobody").get(reverse("supervision:notices_mine")).content.decode()
    assert "暂无发布到本人所在组织的通报" in body
