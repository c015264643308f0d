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
    ("五星示范", "evaluation:scheme_list", "stars", roles.READ),
    ("双优引领", "dual_excellence:index", "award", roles.READ),
    ("书记责任清单", "responsibility:index", "list-check", roles.READ),
    ("联述联评联考", "secretary_review:index", "clipboard-data", roles.READ),
    ("民主评议党员", "member_review:index", "person-lines-fill", roles.READ),
    ("督查整改", "supervision:index", "search", roles.READ),
    ("公示", "publicity:index", "megaphone", None),
    ("数据导入", "orgs:import", "upload", roles.WRITE),
    ("用户与角色", "accounts:user_list", "person-gear", roles.MANAGE_USERS),
    ("审计日志", "core:audit_log", "journal-text", roles.READ_AUDIT),
    ("接口文档", "api-docs", "braces", roles.READ),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    items = []
    for label, name, icon, capability in NAV_ITEMS:
        if capability is not None and not scope.prefixes(capability):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a module not installed in this deployment
            continue
        items.append({"label": label, "url": url, "icon": icon, "active": False})
    if scope.member_id:
        items.insert(
            1,
            {
                "label": "我的档案",
                "url": reverse("members:me"),
                "icon": "person-badge",
                "active": False,
            },
        )
        items.insert(
            2,
            {
                "label": "我的组织生活",
                "url": reverse("orglife:mine"),
                "icon": "person-check",
                "active": False,
            },
        )
    # Highlight only the longest matching entry: /orgs/units/ is 机关单位, not 组织架构 too.
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "user_scope": scope}
