"""Navigation by role: each user sees the menu entries their scope allows."""

from django.urls import NoReverseMatch, reverse

from core import roles
from core.scoping import scope_for

# (label, url name, icon, capability needed; None = every logged-in user)
NAV_ITEMS = (
    ("首页", "home", "house", None),
    ("组织架构", "orgs:tree", "diagram-3", roles.READ),
    ("机关单位", "orgs:unit_list", "building", roles.READ),
    ("党员信息", "members:list", "people", roles.READ),
    ("组织生活", "orglife:workbench", "calendar-check", roles.READ),
    ("活动日历", "orglife:calendar", "calendar3", roles.READ),
    ("达标情况", "orglife:overview", "grid-3x3", roles.READ),
    ("组织生活规则", "orglife:rules", "journal-check", roles.READ),
    ("五星示范", "evaluation:index", "stars", roles.READ),
    ("双优引领", "dual_excellence:index", "award", None),  # members see the honour roll
    ("书记责任清单", "responsibility:index", "list-check", roles.READ),
    ("联述联评联考", "secretary_review:index", "clipboard-data", None),  # members rate too
    ("民主评议党员", "member_review:index", "person-lines-fill", roles.READ),
    ("工作计划", "work_plans:index", "calendar2-week", roles.READ),
    ("督查整改", "supervision:index", "search", roles.READ),
    ("软弱涣散整顿", "weak_orgs:index", "exclamation-triangle", roles.READ),
    ("公示", "publicity:index", "megaphone", None),
    ("数据导入", "orgs:import", "upload", roles.WRITE),
    ("用户与角色", "accounts:user_list", "person-gear", roles.MANAGE_USERS),
    ("审计日志", "core:audit_log", "journal-text", roles.READ_AUDIT),
    ("接口文档", "api-docs", "braces", roles.READ),
)


# Entries of a user linked to a member record: their own records, right after 首页.
MEMBER_ITEMS = (
    ("我的档案", "members:me", "person-badge"),
    ("我的组织生活", "orglife:mine", "person-check"),
    ("我的民主评议", "member_review:mine", "person-check-fill"),
    ("我的测评票", "secretary_review:ballots", "ui-checks"),
    ("通报曝光", "supervision:notices_mine", "megaphone-fill"),
)
# The secretary's own page (list, 述职, results) for holders of a secretary role.
SECRETARY_ITEM = ("我的述职", "secretary_review:mine", "file-earmark-person")
SECRETARY_ROLES = {
    roles.Role.PARTY_GROUP_SECRETARY,
    roles.Role.PARTY_COMMITTEE_SECRETARY,
    roles.Role.BRANCH_SECRETARY,
}


def _entries(rows):
    for label, name, icon in rows:
        try:
            url = reverse(name)
        except NoReverseMatch:  # a module not installed in this deployment
            continue
        yield {"label": label, "url": url, "icon": icon, "active": False}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    allowed = [
        (label, name, icon)
        for label, name, icon, capability in NAV_ITEMS
        if capability is None or scope.prefixes(capability)
    ]
    items = list(_entries(allowed))
    if scope.member_id:
        own = MEMBER_ITEMS + ((SECRETARY_ITEM,) if scope.role_names & SECRETARY_ROLES else ())
        items[1:1] = _entries(own)
    # Highlight only the longest matching entry: /orgs/units/ is 机关单位, not 组织架构 too.
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "user_scope": scope}
