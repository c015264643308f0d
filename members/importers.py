"""Excel import of the 党员花名册: every row validated in memory, then bulk writes, all or nothing.

Built for tens of thousands of rows: branches, units and existing members are loaded up front (members by
ID-number digest, in chunks), so the number of queries does not grow per row. The checks mirror
members.services.member_validate, which cannot be called per row here because full_clean queries each
foreign key.
"""

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils import timezone

from core import audit, crypto, roles
from core.importing import (
    Column,
    ImportResult,
    Row,
    Sheet,
    bulk_update_rows,
    choice_map,
    keep_blank,
    run_import,
)
from core.scoping import scope_for
from core.validators import (
    id_number_birth_date,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from members.models import Member, MembershipPeriod
from members.services import name_initials
from orgs.importers import ORG_NAME_HELP, OrgDirectory
from orgs.models import BRANCH_KINDS, Unit

BATCH = 500
LOOKUP_CHUNK = 900  # digests per IN (...) query: below SQLite's 999 parameters
IMPORT_REASON = "导入"
MOVE_REASON = "导入：组织关系调整"
EXISTS_ELSEWHERE = "该身份证号已登记在其他组织，请通过组织关系转接办理"

GENDERS = choice_map(Member.Gender, {"男性": "male", "女性": "female"})
EDUCATIONS = choice_map(
    Member.Education,
    {
        "本科": "bachelor",
        "大学": "bachelor",
        "大专": "college",
        "专科": "college",
        "硕士": "postgraduate",
        "博士": "postgraduate",
        "硕士研究生": "postgraduate",
        "博士研究生": "postgraduate",
        "初中": "junior_or_below",
        "小学": "junior_or_below",
        "中等专科": "secondary_vocational",
        "技校": "secondary_vocational",
    },
)
MEMBERSHIP_KINDS = choice_map(Member.MembershipKind, {"正式": "full", "预备": "probationary"})
CATEGORIES = choice_map(
    Member.Category,
    {"离休": "retired", "退休": "retired", "流动": "mobile", "失联": "lost_contact"},
)

# Optional columns: blank keeps the stored value of an existing member, or takes the default for a new one.
KEEP_IF_BLANK = ("ethnicity", "education", "unit_id", "post", "confirmed_on", "category")
NEW_MEMBER = SimpleNamespace(
    ethnicity="汉族",
    education="",
    unit_id=None,
    post="",
    confirmed_on=None,
    category=Member.Category.EMPLOYED,
)

# Fields an import sets; compared to decide between "updated" and "unchanged".
COMPARED = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "unit_id",
    "post",
    "joined_on",
    "confirmed_on",
    "membership_kind",
    "category",
    "branch_id",
)


def _labels(choices) -> tuple[str, ...]:
    return tuple(str(label) for label in choices.labels)


MEMBER_SHEET = Sheet(
    kind="members",
    title="党员花名册",
    columns=(
        Column("姓名", "党员姓名，不超过50字", True, "张三"),
        Column("性别", "男或女", True, "男", _labels(Member.Gender)),
        Column("民族", "如汉族、回族；不填按汉族", example="汉族"),
        Column(
            "身份证号",
            "18位居民身份证号，末位X大写；请以文本格式填写，避免Excel把它变成科学计数法。"
            "同一身份证号再次导入时更新原档案，不会重复建档",
            True,
            "330602198506010010",
            text=True,
        ),
        Column("出生日期", "可不填，按身份证号推算；填写时须与身份证号一致", example="1985-06-01"),
        Column("手机号", "11位手机号，可不填", example="13800001111", text=True),
        Column(
            "学历",
            "可选：" + "、".join(_labels(Member.Education)) + "，可不填",
            example="大学本科",
            choices=_labels(Member.Education),
        ),
        Column("工作单位", "须与系统中已登记的机关单位名称完全一致，可不填", example="市财政局"),
        Column("职务", "职务（岗位），不超过100字，可不填", example="科员"),
        Column(
            "入党日期",
            "支部大会通过接收为预备党员之日，如2010-07-01、2010/7/1、2010年7月1日、2010.07.01",
            True,
            "2010-07-01",
        ),
        Column("转正日期", "正式党员填写，须晚于入党日期；预备党员不填", example="2011-07-01"),
        Column("党员类型", "正式党员或预备党员", True, "正式党员", _labels(Member.MembershipKind)),
        Column(
            "党员类别",
            "在职、离退休、流动党员或失联党员；不填按在职",
            example="在职",
            choices=_labels(Member.Category),
        ),
        Column("所在党支部", ORG_NAME_HELP + "；须为党支部或联合党支部", True, "预算处党支部"),
    ),
    notes=(
        "第一个工作表“党员花名册”为数据表，第一行是表头，请勿修改表头文字；从第二行起每行一名党员。",
        "日期可以是Excel日期，也可以写作2020-07-01、2020/7/1、2020年7月1日或2020.07.01。",
        "党员以身份证号识别：已在您管理范围内的党员按表中内容更新，所在党支部不同的按组织关系调整处理；"
        "已登记在其他组织的党员须通过组织关系转接办理。",
        "已有党员的档案中，表内留空的选填项（如手机号、学历、工作单位）保持原值不变：导入不会清除已有数据。",
        "导入时先校验全部行，任一行有错误则不写入任何数据；可先勾选“仅校验（试运行）”。",
    ),
)


@dataclass
class _Parsed:
    row: Row
    fields: dict
    id_number: str
    digest: str
    phone: str


@dataclass
class _Change:
    member: Member
    changes: dict  # for the audit log, masked
    columns: tuple[str, ...]  # to update
    moved: bool  # to another branch


@dataclass
class _Plan:
    new: list[Member] = field(default_factory=list)
    changed: list[_Change] = field(default_factory=list)


def import_members(file, *, actor, dry_run: bool) -> ImportResult:
    """Import a 党员花名册 (.xlsx path or file object); members are keyed by ID number."""

    def process(rows: list[Row], result: ImportResult) -> None:
        parsed = _parse_rows(rows, actor)
        plan = _plan(parsed, actor, result)
        if not result.errors:
            _write(plan, actor)

    return run_import(
        file,
        MEMBER_SHEET,
        actor=actor,
        dry_run=dry_run,
        process=process,
        object_type="members.member",
    )


def _parse_rows(rows: list[Row], actor) -> list[_Parsed]:
    directory = OrgDirectory(actor)
    units = {u.name: u.pk for u in Unit.objects.filter(is_active=True).only("id", "name")}
    first_row_of: dict[str, int] = {}
    parsed = []
    for row in rows:
        fields, id_number, phone = _row_fields(row, directory, units)
        digest = crypto.digest(id_number) if id_number else ""
        if digest and digest in first_row_of:
            row.error("身份证号", f"与第{first_row_of[digest]}行的身份证号重复")
        elif digest:
            first_row_of[digest] = row.number
        if not row.failed:
            parsed.append(_Parsed(row, fields, id_number, digest, phone))
    return parsed


def _row_fields(row: Row, directory: OrgDirectory, units: dict) -> tuple[dict, str, str]:
    fields = {
        "name": row.text("姓名", required=True, max_length=50),
        "gender": row.choice("性别", GENDERS, required=True),
        "ethnicity": row.text("民族", max_length=20),
        "education": row.choice("学历", EDUCATIONS),
        "post": row.text("职务", max_length=100),
        "joined_on": row.date("入党日期", required=True),
        "confirmed_on": row.date("转正日期"),
        "membership_kind": row.choice("党员类型", MEMBERSHIP_KINDS, required=True),
        "category": row.choice("党员类别", CATEGORIES),
    }
    id_number = _id_number(row)
    born = id_number_birth_date(id_number) if id_number else None
    birth_date = row.date("出生日期")
    if birth_date and born and birth_date != born:
        row.error("出生日期", "出生日期与身份证号不一致")
    fields["birth_date"] = born
    phone = row.text("手机号")
    try:
        validate_phone(phone)
    except ValidationError as error:
        row.error("手机号", error.messages[0])
    unit_name = row.text("工作单位")
    fields["unit_id"] = units.get(unit_name)
    if unit_name and fields["unit_id"] is None:
        row.error("工作单位", f"未找到机关单位“{unit_name}”，请先登记该单位")
    fields["branch"] = _branch(row, directory)
    _check_dates(row, fields)
    return fields, id_number, phone


def _id_number(row: Row) -> str:
    if isinstance(row.raw("身份证号"), float):
        row.error(
            "身份证号", "身份证号被Excel存成了数字，末几位已丢失；请把该列设为文本格式后重新填写"
        )
        return ""
    id_number = normalize_id_number(row.text("身份证号", required=True))
    if not id_number:
        return ""
    try:
        validate_id_number(id_number)
    except ValidationError as error:
        row.error("身份证号", error.messages[0])
        return ""
    return id_number


def _branch(row: Row, directory: OrgDirectory):
    text = row.text("所在党支部", required=True)
    if not text:
        return None
    node, reason = directory.resolve(text)
    if node is None:
        row.error("所在党支部", reason)
    elif node.kind not in BRANCH_KINDS:
        row.error("所在党支部", f"“{text}”不是党支部或联合党支部，党员须编入党支部")
    elif not node.active:
        row.error("所在党支部", f"“{text}”已撤销或合并，不能编入党员")
    else:
        return node.org
    return None


def _check_dates(row: Row, fields: dict) -> None:
    """The date rules of member_validate, plus no dates in the future."""
    born, joined, confirmed = fields["birth_date"], fields["joined_on"], fields["confirmed_on"]
    today = date.today()
    if joined and joined > today:
        row.error("入党日期", "入党日期不能晚于今天")
    if (
        joined
        and born
        and joined.year - born.year - ((joined.month, joined.day) < (born.month, born.day)) < 18
    ):
        row.error("入党日期", "入党时须年满18周岁")
    if confirmed and confirmed > today:
        row.error("转正日期", "转正日期不能晚于今天")
    _check_confirmation(row, fields)


def _check_confirmation(row: Row, fields: dict) -> None:
    joined, confirmed = fields["joined_on"], fields["confirmed_on"]
    if confirmed and joined and confirmed <= joined:
        row.error("转正日期", "转正日期须晚于入党日期")
    if confirmed and fields["membership_kind"] == Member.MembershipKind.PROBATIONARY:
        row.error("转正日期", "预备党员不应有转正日期")


def _existing(digests: list[str]) -> dict[str, Member]:
    """Members already on record by ID digest; the encrypted ID column is not loaded (never decrypted)."""
    found = {}
    for start in range(0, len(digests), LOOKUP_CHUNK):
        members = (
            Member.objects.filter(id_number_digest__in=digests[start : start + LOOKUP_CHUNK])
            .select_related("branch")
            .only(
                *COMPARED,
                "id_number_digest",
                "phone_enc",
                "phone_digest",
                "group_id",
                "status",
                "name_initials",
                "branch__path",
            )
        )
        found.update({m.id_number_digest: m for m in members})
    return found


def _plan(parsed: list[_Parsed], actor, result: ImportResult) -> _Plan:
    scope, plan = scope_for(actor), _Plan()
    existing = _existing([p.digest for p in parsed])
    for item in parsed:
        fields = {**item.fields, "branch_id": item.fields.pop("branch").pk}
        member = existing.get(item.digest)
        if member is None:
            plan.new.append(_new_member(item, fields))
            result.created += 1
        elif not scope.allows(roles.WRITE, member.branch.path):
            item.row.error("身份证号", EXISTS_ELSEWHERE)
        elif member.status != Member.Status.ACTIVE:
            item.row.error(
                "身份证号", f"该党员党籍状态为“{member.get_status_display()}”，不能通过导入修改"
            )
        else:
            merged = _merged(item, member, fields)
            if item.row.failed:
                continue
            if _apply(member, merged, item.phone, plan):
                result.updated += 1
            else:
                result.unchanged += 1
    return plan


def _merged(item: _Parsed, member: Member, fields: dict) -> dict:
    """File values over the stored record; blank optional cells keep what is stored."""
    merged = keep_blank(fields, member, KEEP_IF_BLANK)
    if fields["confirmed_on"] is None:  # a kept 转正日期 must still fit the row's type and 入党日期
        _check_confirmation(item.row, merged)
    return merged


def _new_member(item: _Parsed, fields: dict) -> Member:
    fields = keep_blank(fields, NEW_MEMBER, KEEP_IF_BLANK)
    member = Member(**fields, name_initials=name_initials(fields["name"]))
    member.id_number_enc, member.id_number_digest = (
        item.id_number,
        item.digest,
    )  # digest already computed
    member.phone = item.phone
    return member


def _apply(member: Member, fields: dict, phone: str, plan: _Plan) -> bool:
    """Set changed fields on an existing member; False when the row matches the record."""
    changed = [k for k in COMPARED if getattr(member, k) != fields[k]]
    phone_changed = bool(phone) and member.phone_digest != crypto.digest(
        phone
    )  # blank keeps the number
    if not changed and not phone_changed:
        return False
    names = changed + (["phone"] if phone_changed else [])
    before = audit.snapshot(member, fields=names)
    for key in changed:
        setattr(member, key, fields[key])
    if phone_changed:
        member.phone = phone
    columns = set(changed) | ({"phone_enc", "phone_digest"} if phone_changed else set())
    moved = "branch_id" in changed
    if moved:
        member.group_id = None
        columns.add("group_id")
    if "name" in changed:
        member.name_initials = name_initials(member.name)
        columns.add("name_initials")
    changes = audit.diff(before, audit.snapshot(member, fields=names))
    plan.changed.append(_Change(member, changes, tuple(sorted(columns)), moved))
    return True


def _update_changed(changed: list[_Change], now) -> None:
    """One bulk update per set of changed columns."""
    by_columns: dict[tuple, list[Member]] = {}
    for change in changed:
        change.member.updated_at = now
        by_columns.setdefault(change.columns, []).append(change.member)
    for columns, members in by_columns.items():
        bulk_update_rows(Member, members, [*columns, "updated_at"])


def _write(plan: _Plan, actor) -> None:
    today, now = date.today(), timezone.now()
    Member.objects.bulk_create(plan.new, batch_size=BATCH)
    periods = [
        MembershipPeriod(
            member=m, organization_id=m.branch_id, started_on=m.joined_on, reason=IMPORT_REASON
        )
        for m in plan.new
    ]
    _update_changed(plan.changed, now)
    moved = [c.member for c in plan.changed if c.moved]
    for start in range(0, len(moved), LOOKUP_CHUNK):
        MembershipPeriod.objects.filter(
            member__in=moved[start : start + LOOKUP_CHUNK], ended_on__isnull=True
        ).update(ended_on=today)
    periods += [
        MembershipPeriod(
            member=m, organization_id=m.branch_id, started_on=today, reason=MOVE_REASON
        )
        for m in moved
    ]
    MembershipPeriod.objects.bulk_create(periods, batch_size=BATCH)
    audit.record_many(
        audit.Action.CREATE,
        [(m, audit.diff({}, audit.snapshot(m))) for m in plan.new],
        actor,
        detail=IMPORT_REASON,
    )
    audit.record_many(
        audit.Action.UPDATE,
        [(c.member, c.changes) for c in plan.changed if not c.moved],
        actor,
        detail=IMPORT_REASON,
    )
    audit.record_many(
        audit.Action.UPDATE,
        [(c.member, c.changes) for c in plan.changed if c.moved],
        actor,
        detail=f"组织关系转接：{MOVE_REASON}",
    )
