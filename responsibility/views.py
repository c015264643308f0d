"""Pages of the responsibility lists: own lists and the roll-up, one list with HTMX item updates,
the export, and the template editor of 机关工委 administrators.

Reads go through the scoped querysets and core.access (404 outside scope, 403 for read-only roles and
for non-superiors reviewing, all audited); writes through responsibility.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import audit, roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.files import file_response
from core.htmx import wants_partial
from core.pages import (
    YearForm,
    chosen_in_scope,
    form_errors,
    messages_of,
    percent,
    visible_ancestors,
    year_choices,
    year_param,
)
from core.scoping import scope_for
from core.uploads import ACCEPT
from orgs.models import Organization, OrgKind
from responsibility import selectors, services
from responsibility.forms import (
    EvidenceForm,
    ProgressForm,
    ReturnForm,
    TemplateItemForm,
)
from responsibility.models import (
    EvidenceFile,
    Level,
    ListItem,
    ListTemplate,
    ResponsibilityList,
    TemplateItem,
)

PAGE_SIZE = 50


# --- index: own lists and the roll-up ----------------------------------------------------------


def _own_lists(user, year: int) -> list:
    """Lists the user answers for: as the secretary, or as a writer bound to exactly that organization."""
    scope = scope_for(user)
    own = list(selectors.lists_for_member(scope.member_id, year)) if scope.member_id else []
    bound = scope.prefixes(roles.WRITE)
    if bound:
        seen = {lst.pk for lst in own}
        own += [
            lst
            for lst in selectors.lists_table(
                ResponsibilityList.objects.filter(year=year, organization__path__in=bound)
            )
            if lst.pk not in seen
        ]
    for lst in own:
        lst.completion = selectors.completion_of(lst)
        lst.reported = selectors.reported_of(lst)
    return own


def _base(request) -> tuple[Organization | None, list[Organization]]:
    """The organization the roll-up is drilled into (?org=, 404 outside scope), or the user's tops."""
    user = request.user
    base = chosen_in_scope(request, Organization.objects.visible_to(user))
    if base is not None:
        return base, []
    tops = list(
        Organization.objects.filter(path__in=scope_for(user).prefixes(roles.READ)).order_by("path")
    )
    return (tops[0], []) if len(tops) == 1 else (None, tops)


def _scoped_lists(request, year: int):
    """The lists of the roll-up, export and API filters: in scope, of the year, under ?org=, ?level=."""
    base, tops = _base(request)
    lists = ResponsibilityList.objects.visible_to(request.user).filter(year=year)
    if base is not None:
        lists = lists.filter(organization__path__startswith=base.path)
    level = request.GET.get("level", "")
    if level in Level.values:
        lists = lists.filter(level=level)
    return base, tops, level, lists


def _rows(lists) -> list:
    rows = list(selectors.lists_table(lists))
    for lst in rows:
        lst.completion = selectors.completion_of(lst)
        lst.reported = selectors.reported_of(lst)
    return rows


@login_required
def index(request):
    year = year_param(request)
    user = request.user
    scope = scope_for(user)
    context = {
        "year": year,
        "years": year_choices(year),
        "own": _own_lists(user, year),
        "levels": Level.choices,
        "can_manage": services.can_manage_templates(user),
    }
    if scope.is_party_reader:
        base, tops, level, lists = _scoped_lists(request, year)
        rows = _rows(lists)
        own_ids = {lst.pk for lst in context["own"]}
        if any(lst.pk not in own_ids for lst in rows) or request.GET.get("org"):
            if request.GET.get("pending"):
                rows = [lst for lst in rows if lst.submitted_count]
            context.update(
                base=base,
                level=level,
                pending=bool(request.GET.get("pending")),
                areas=selectors.rollup(rows, base, tops),
                page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
                ancestors=visible_ancestors(request.user, base),
                total=selectors.AreaRow(base) if base else None,
            )
            if base is not None:
                for lst in rows:
                    context["total"].add(lst)
    return render(request, "responsibility/index.html", context)


@login_required
def export(request):
    require_capability(request, roles.READ)
    year = year_param(request)
    base, tops, _level, lists = _scoped_lists(request, year)
    rows = _rows(lists)
    areas = selectors.rollup(rows, base, tops)
    area_sheet = [
        (
            a.organization.name,
            a.lists,
            percent(a.completion),
            *(percent(v) for _label, v in a.levels),
            a.completed,
            a.pending,
            a.vacant,
        )
        for a in areas
    ]
    list_sheet = [
        (
            lst.organization.name,
            lst.get_level_display(),
            lst.secretary.name if lst.secretary else "（空缺）",
            lst.item_count,
            lst.confirmed_count,
            lst.submitted_count,
            lst.returned_count,
            percent(lst.completion),
            percent(lst.reported),
        )
        for lst in rows
    ]
    scope_name = base.name if base else "全部"
    audit.record(
        audit.Action.EXPORT,
        request=request,
        object_type="responsibility.responsibilitylist",
        object_repr=f"{year}年书记责任清单完成情况（{scope_name}）",
        detail=f"导出{len(rows)}份清单",
    )
    level_headers = [f"{label}完成率" for _value, label in Level.choices]
    return xlsx_response(
        f"{year}年书记责任清单完成情况.xlsx",
        [
            (
                "按区域汇总",
                [
                    "区域",
                    "清单数",
                    "平均完成率",
                    *level_headers,
                    "全部确认",
                    "待确认事项",
                    "书记空缺",
                ],
                area_sheet,
            ),
            (
                "按书记",
                [
                    "党组织",
                    "层级",
                    "书记",
                    "事项数",
                    "已确认",
                    "待确认",
                    "已退回",
                    "完成率（已确认）",
                    "自报进度",
                ],
                list_sheet,
            ),
        ],
    )


# --- one list ------------------------------------------------------------------------------------


def _list_context(request, lst: ResponsibilityList) -> dict:
    user = request.user
    annotated = selectors.with_completion(ResponsibilityList.objects.filter(pk=lst.pk)).get()
    files = Prefetch("files", queryset=EvidenceFile.objects.filter(withdrawn=False))
    return {
        "list": lst,
        "summary": {
            "completion": selectors.completion_of(annotated),
            "reported": selectors.reported_of(annotated),
            "items": annotated.item_count,
            "confirmed": annotated.confirmed_count,
            "submitted": annotated.submitted_count,
            "returned": annotated.returned_count,
        },
        "items": list(lst.items.prefetch_related(files)),
        "accept": ACCEPT,
        "can_edit": ResponsibilityList.objects.writable_by(user).filter(pk=lst.pk).exists(),
        "can_review": ResponsibilityList.objects.reviewable_by(user).filter(pk=lst.pk).exists(),
    }


def _visible_lists(user):
    return ResponsibilityList.objects.visible_to(user).select_related(
        "organization", "secretary", "template"
    )


@login_required
def list_detail(request, pk: int):
    lst = get_in_scope(request, _visible_lists(request.user), pk=pk)
    context = _list_context(request, lst)
    context["superior"] = lst.organization.parent if lst.organization.parent_id else None
    return render(request, "responsibility/list_detail.html", context)


@login_required
@require_POST
def list_submit(request, pk: int):
    user = request.user
    lst = get_in_scope(
        request, _visible_lists(user), writable=ResponsibilityList.objects.writable_by(user), pk=pk
    )
    try:
        count = services.list_submit(responsibility_list=lst, actor=user)
        messages.success(request, f"已提交{count}项，等待上级党组织确认。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("responsibility:list_detail", pk=pk)


# --- items (HTMX) ----------------------------------------------------------------------------------


def _item_for(request, pk: int, action: str = "read") -> ListItem:
    user = request.user
    visible = ListItem.objects.visible_to(user).select_related("list__organization")
    writable = {
        "write": ListItem.objects.writable_by(user),
        "review": ListItem.objects.reviewable_by(user),
    }.get(action)
    return get_in_scope(request, visible, writable=writable, pk=pk)


def _item_response(request, item: ListItem, *, form=None, error: str = "", done: str = ""):
    """HTMX: the item card again (and the summary, out of band); otherwise back to the list."""
    lst = item.list
    if not wants_partial(request):
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        return redirect(f"{reverse('responsibility:list_detail', args=[lst.pk])}#item-{item.pk}")
    context = _list_context(request, lst)
    fresh = next(i for i in context["items"] if i.pk == item.pk)
    context.update(item=fresh, form=form, error=error, done=done, oob=True)
    return render(request, "responsibility/_item.html", context)


@login_required
@require_POST
def item_progress(request, pk: int):
    item = _item_for(request, pk, "write")
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return _item_response(request, item, form=form, error=form_errors(form))
    try:
        services.item_progress(item=item, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _item_response(request, item, form=form, error=messages_of(exc))
    return _item_response(request, item, done="进度已保存。")


@login_required
@require_POST
def item_submit(request, pk: int):
    item = _item_for(request, pk, "write")
    try:
        services.item_submit(item=item, actor=request.user)
    except ValidationError as exc:
        return _item_response(request, item, error=messages_of(exc))
    return _item_response(request, item, done="已提交，等待上级党组织确认。")


@login_required
@require_POST
def item_confirm(request, pk: int):
    item = _item_for(request, pk, "review")
    try:
        services.item_confirm(item=item, actor=request.user)
    except ValidationError as exc:
        return _item_response(request, item, error=messages_of(exc))
    return _item_response(request, item, done="已确认。")


@login_required
@require_POST
def item_return(request, pk: int):
    item = _item_for(request, pk, "review")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _item_response(request, item, error="退回原因：请填写退回原因。")
    try:
        services.item_return(item=item, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _item_response(request, item, error=messages_of(exc))
    return _item_response(request, item, done="已退回，书记将收到退回原因。")


@login_required
@require_POST
def evidence_upload(request, pk: int):
    item = _item_for(request, pk, "write")
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _item_response(request, item, error="；".join(form.errors["attachments"]))
    try:
        with transaction.atomic():
            for upload in form.cleaned_data["attachments"]:
                services.evidence_add(item=item, upload=upload, actor=request.user)
    except ValidationError as exc:
        return _item_response(request, item, error=messages_of(exc))
    return _item_response(
        request, item, done=f"已上传{len(form.cleaned_data['attachments'])}个佐证材料。"
    )


def _evidence_for(request, pk: int, action: str) -> EvidenceFile:
    user = request.user
    visible = EvidenceFile.objects.filter(
        withdrawn=False, item__in=ListItem.objects.visible_to(user)
    ).select_related("item__list")
    writable = None
    if action == "write":
        writable = EvidenceFile.objects.filter(item__in=ListItem.objects.writable_by(user))
    return get_in_scope(request, visible, writable=writable, pk=pk)


@login_required
def evidence_download(request, pk: int):
    evidence = _evidence_for(request, pk, "read")
    return file_response(evidence.file, name=evidence.name, content_type=evidence.content_type)


@login_required
@require_POST
def evidence_withdraw(request, pk: int):
    evidence = _evidence_for(request, pk, "write")
    try:
        services.evidence_withdraw(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        return _item_response(request, evidence.item, error=messages_of(exc))
    return _item_response(request, evidence.item, done=f"已撤回“{evidence.name}”（文件留存备查）。")


# --- templates (机关工委) ----------------------------------------------------------------------------


def _committees(request) -> list[Organization]:
    """The 工委 whose templates the user may see: those they administer, else those above them."""
    visible = ListTemplate.objects.visible_to(request.user)
    ids = set(visible.values_list("work_committee_id", flat=True))
    managed = Organization.objects.writable_by(request.user).filter(
        kind=OrgKind.ORGANS_WORK_COMMITTEE
    )
    if services.can_manage_templates(request.user):
        ids |= set(managed.values_list("pk", flat=True))
    return list(Organization.objects.filter(pk__in=ids).order_by("path"))


@login_required
def template_list(request):
    require_capability(request, roles.READ)
    year = year_param(request)
    committees = _committees(request)
    value = request.GET.get("wc", "")
    committee = next((c for c in committees if str(c.pk) == value), None)
    if value and committee is None:
        pk = int(value) if value.isdigit() else 0
        get_in_scope(request, Organization.objects.none(), pk=pk)  # 404, audited
    committee = committee or (committees[0] if committees else None)
    templates = []
    can_manage = False
    if committee is not None:
        templates = list(
            ListTemplate.objects.visible_to(request.user)
            .filter(work_committee=committee, year=year)
            .prefetch_related("items")
            .order_by("level")
        )
        order = {level: n for n, level in enumerate(Level.values)}
        templates.sort(key=lambda t: order[t.level])
        counts = dict(
            ResponsibilityList.objects.filter(template__in=templates)
            .order_by()
            .values("template")
            .annotate(n=Count("pk"))
            .values_list("template", "n")
        )
        for template in templates:
            template.list_count = counts.get(template.pk, 0)
        can_manage = services.can_manage_templates(request.user) and scope_for(request.user).allows(
            roles.WRITE, committee.path
        )
    context = {
        "year": year,
        "years": year_choices(year),
        "committees": committees,
        "committee": committee,
        "templates": templates,
        "missing": len(templates) < len(Level.values),
        "can_manage": can_manage,
    }
    return render(request, "responsibility/templates.html", context)


def _template_for(request, pk: int) -> ListTemplate:
    user = request.user
    template = get_in_scope(
        request,
        ListTemplate.objects.visible_to(user).select_related("work_committee"),
        writable=ListTemplate.objects.writable_by(user),
        pk=pk,
    )
    return template


def _templates_url(template_or_committee, year: int) -> str:
    committee = getattr(template_or_committee, "work_committee", template_or_committee)
    return f"{reverse('responsibility:template_list')}?wc={committee.pk}&year={year}"


@login_required
@require_POST
def template_prepare(request):
    services.require_manager(request.user, request=request)
    form = YearForm(request.POST)
    value = request.POST.get("wc", "")
    committee = get_in_scope(
        request,
        Organization.objects.writable_by(request.user).filter(kind=OrgKind.ORGANS_WORK_COMMITTEE),
        pk=int(value) if value.isdigit() else 0,
    )
    if not form.is_valid():
        messages.error(request, "年度：请填写2000到2100之间的年份")
        return redirect(_templates_url(committee, timezone.localdate().year))
    year = form.cleaned_data["year"]
    created = services.templates_prepare(work_committee=committee, year=year, actor=request.user)
    if created:
        messages.success(
            request, f"已新建{len(created)}个层级的模板（有上年模板的复制上年，否则按默认内容）。"
        )
    else:
        messages.info(request, "本年度三个层级的模板都已存在。")
    return redirect(_templates_url(committee, year))


@login_required
@require_POST
def template_issue(request, pk: int):
    template = _template_for(request, pk)
    try:
        result = services.template_issue(template=template, actor=request.user)
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(
            request,
            f"已下发：新建清单{result.created}份"
            + (f"，更新书记{result.secretaries_updated}份" if result.secretaries_updated else "")
            + "。",
        )
    return redirect(_templates_url(template, template.year))


@login_required
@require_http_methods(["GET", "POST"])
def template_item_edit(request, pk: int, item_pk: int | None = None):
    template = _template_for(request, pk)
    item = TemplateItem.objects.filter(template=template, pk=item_pk).first() if item_pk else None
    if item_pk and item is None:
        get_in_scope(request, TemplateItem.objects.none(), pk=item_pk)  # 404, audited
    if template.is_issued:
        messages.error(request, "模板已下发，不能再修改；可在下一年度复制后调整。")
        return redirect(_templates_url(template, template.year))
    initial = {"order": template.items.count() + 1} if item is None else None
    form = TemplateItemForm(request.POST or None, instance=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        fresh = TemplateItem.objects.get(pk=item.pk) if item else None
        try:
            services.template_item_save(
                template=template, data=form.cleaned_data, actor=request.user, item=fresh
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "已保存。")
            return redirect(_templates_url(template, template.year))
    title = f"修改事项：{item.title}" if item else "新增责任事项"
    context = {"form": form, "template": template, "title": title, "item": item}
    return render(request, "responsibility/template_item_form.html", context)


@login_required
@require_POST
def template_item_delete(request, pk: int, item_pk: int):
    template = _template_for(request, pk)
    item = TemplateItem.objects.filter(template=template, pk=item_pk).first()
    if item is None:
        get_in_scope(request, TemplateItem.objects.none(), pk=item_pk)
    try:
        services.template_item_delete(item=item, actor=request.user)
        messages.success(request, f"已删除“{item.title}”。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect(_templates_url(template, template.year))
