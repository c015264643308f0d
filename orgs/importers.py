"""Excel import of organizations and units: validate every row, then write all rows in bulk or none."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from django.utils import timezone

from core import audit, roles
from core.importing import Column, ImportResult, Row, Sheet, choice_map, keep_blank, run_import
from core.scoping import scope_for
from orgs.models import (
    BRANCH_KINDS,
    Organization,
    OrganizationEvent,
    OrgKind,
    Term,
    Unit,
    path_segment,
)

BATCH = 500
UPDATE_BATCH = 100  # bulk_update builds CASE WHEN per row and column: keep batches small
PATH_SEPARATORS = ("/", "／")
AMBIGUOUS = "组织名称不唯一，请使用'上级组织/组织名称'的写法"
ORG_KINDS = choice_map(OrgKind)
UNIT_KINDS = choice_map(Unit.Kind)
ORG_LABELS = tuple(str(label) for label in OrgKind.labels)
ORG_NAME_HELP = "须为您有权管理的党组织的全称；名称重复时写作“上级组织名称/组织名称”"

ORGANIZATION_SHEET = Sheet(
    kind="organizations",
    title="党组织",
    columns=(
        Column(
            "组织名称",
            "党组织全称，不超过120字；与“上级组织”一起确定一个组织，再次导入时不会重复新建",
            True,
            "预算处党支部",
        ),
        Column("组织类型", "可选：" + "、".join(ORG_LABELS), True, "党支部", ORG_LABELS),
        Column(
            "上级组织",
            ORG_NAME_HELP + "；也可以是本表中前面行新建的组织",
            True,
            "中共某市财政局机关委员会",
        ),
        Column("所在单位", "须与系统中已登记的机关单位名称完全一致，可不填", example="市财政局"),
        Column("成立日期", "如2020-07-01、2020/7/1、2020年7月1日，可不填", example="2018-05-10"),
        Column(
            "本届开始日期",
            "本届委员会选举产生之日；与“届满日期”同时填写或同时不填",
            example="2024-01-10",
        ),
        Column("届满日期", "本届任期届满之日，须晚于本届开始日期", example="2027-01-09"),
    ),
    notes=(
        "第一个工作表“党组织”为数据表，第一行是表头，请勿修改表头文字；从第二行起每行一个党组织。",
        "上级组织须在您的管理范围内，或是本表中位于前面行的新建组织。",
        "已有的记录中，表内留空的选填项保持原值不变：导入不会清除已有数据。",
        "导入时先校验全部行，任一行有错误则不写入任何数据；可先勾选“仅校验（试运行）”。",
    ),
)

UNIT_SHEET = Sheet(
    kind="units",
    title="机关单位",
    columns=(
        Column(
            "单位名称", "机关单位全称，全市唯一；再次导入同名单位时更新其数据", True, "市财政局"
        ),
        Column(
            "单位类别",
            "可选：" + "、".join(Unit.Kind.labels) + "；新单位不填按党政机关",
            example="党政机关",
            choices=tuple(Unit.Kind.labels),
        ),
        Column("所属党组织", ORG_NAME_HELP, True, "中共某市财政局机关委员会"),
        Column("在编人数", "不小于0的整数", True, "120"),
        Column(
            "专职党务干部数",
            "不小于0的整数，新单位不填按0；专职与兼职之和不能超过在编人数",
            example="3",
        ),
        Column("兼职党务干部数", "不小于0的整数，新单位不填按0", example="5"),
    ),
    notes=(
        "第一个工作表“机关单位”为数据表，第一行是表头，请勿修改表头文字；从第二行起每行一个单位。",
        "已有的记录中，表内留空的选填项保持原值不变：导入不会清除已有数据。",
        "导入时先校验全部行，任一行有错误则不写入任何数据；可先勾选“仅校验（试运行）”。",
    ),
)


@dataclass(eq=False)
class _Node:
    """An organization known to the import: an existing one, or one created by an earlier row."""

    name: str
    parent_name: str
    kind: str
    active: bool = True
    org: Organization | None = None
    parent: "_Node | None" = None
    row: int | None = None  # the file row that creates it
    level: int = 0  # creation order: new organizations under existing ones first
    # name -> _Node: an organization is keyed by (parent, name)
    children: dict = field(default_factory=dict)


class OrgDirectory:
    """Organizations the actor may write, found by exact name or by '上级组织名称/组织名称'."""

    def __init__(self, actor):
        self.by_name: dict[str, list] = defaultdict(list)
        orgs = (
            Organization.objects.writable_by(actor)
            .select_related("parent")
            .only(
                "id",
                "name",
                "kind",
                "status",
                "path",
                "depth",
                "unit_id",
                "established_on",
                "parent__name",
            )
        )
        self.nodes = {
            org.pk: _Node(
                org.name, org.parent.name if org.parent else "", org.kind, org.is_active, org
            )
            for org in orgs
        }
        for node in self.nodes.values():
            self.by_name[node.name].append(node)
            parent = self.nodes.get(node.org.parent_id)
            if parent is not None:
                parent.children[node.name] = node
        self._cache: dict[str, tuple] = {}

    def add(self, node: _Node) -> None:
        self.by_name[node.name].append(node)
        self._cache.clear()

    def resolve(self, text: str) -> tuple[_Node | None, str]:
        """(node, "") or (None, reason); outside the actor's scope counts as not found."""
        if text not in self._cache:
            self._cache[text] = self._resolve(text)
        return self._cache[text]

    def _resolve(self, text: str) -> tuple[_Node | None, str]:
        for separator in PATH_SEPARATORS:
            if separator in text:
                parent_name, _, name = (part.strip() for part in text.rpartition(separator))
                matches = [n for n in self.by_name.get(name, ()) if n.parent_name == parent_name]
                break
        else:
            matches = self.by_name.get(text, [])
        if not matches:
            return None, f"未找到党组织“{text}”，或该组织不在您的管理范围内"
        if len(matches) > 1:
            return None, AMBIGUOUS
        return matches[0], ""


def _kind_error(parent_kind: str, kind: str) -> str:
    if parent_kind == OrgKind.GROUP:
        return "党小组下不能再设组织"
    if parent_kind in BRANCH_KINDS and kind != OrgKind.GROUP:
        return "党支部下只能设党小组"
    if kind == OrgKind.GROUP and parent_kind not in BRANCH_KINDS:
        return "党小组只能设在党支部或联合党支部下"
    return ""


@dataclass
class _OrgPlan:
    new: list[_Node] = field(default_factory=list)
    changed: list[tuple[Organization, dict]] = field(default_factory=list)
    terms: list[tuple[_Node, date, date]] = field(default_factory=list)  # to create
    # an existing term (same start) with a new expiry date
    term_changes: list[tuple[Term, date]] = field(default_factory=list)


def import_organizations(file, *, actor, dry_run: bool) -> ImportResult:
    """Import 党组织 rows keyed by (上级组织, 组织名称); the same file again changes nothing."""

    def process(rows: list[Row], result: ImportResult) -> None:
        plan = _plan_organizations(rows, actor, result)
        if not result.errors:
            _write_organizations(plan, actor)

    return run_import(
        file,
        ORGANIZATION_SHEET,
        actor=actor,
        dry_run=dry_run,
        process=process,
        object_type="orgs.organization",
    )


def _plan_organizations(rows: list[Row], actor, result: ImportResult) -> _OrgPlan:
    directory, plan = OrgDirectory(actor), _OrgPlan()
    units = {u.name: u.pk for u in Unit.objects.filter(is_active=True).only("id", "name")}
    seen: dict[tuple, int] = {}
    existing_rows: list[tuple[Row, _Node, date | None, date | None]] = []
    for row in rows:
        name = row.text("组织名称", required=True, max_length=120)
        kind = row.choice("组织类型", ORG_KINDS, required=True)
        parent_text = row.text("上级组织", required=True)
        unit_name = row.text("所在单位")
        established_on = row.date("成立日期")
        term_start, term_end = row.date("本届开始日期"), row.date("届满日期")
        parent, reason = directory.resolve(parent_text) if parent_text else (None, "")
        if reason:
            row.error("上级组织", reason)
        elif parent is not None and not parent.active:
            row.error("上级组织", f"上级组织“{parent_text}”已撤销或合并，不能在其下设立组织")
        elif parent is not None and kind and _kind_error(parent.kind, kind):
            row.error("组织类型", _kind_error(parent.kind, kind))
        if unit_name and unit_name not in units:
            row.error("所在单位", f"未找到机关单位“{unit_name}”，请先导入或登记该单位")
        if bool(term_start) != bool(term_end):
            row.error(
                "届满日期" if term_start else "本届开始日期", "本届开始日期与届满日期须同时填写"
            )
        elif term_start and term_end <= term_start:
            row.error("届满日期", "届满日期须晚于本届开始日期")
        if parent is None or not name:
            continue
        key = (id(parent), name)
        if key in seen:
            row.error("组织名称", f"与第{seen[key]}行重复（同一上级组织下的同名组织）")
            continue
        seen[key] = row.number
        if row.failed:
            continue
        node = parent.children.get(name)
        if node is None:
            level = parent.level + 1 if parent.row is not None else 0
            node = _Node(name, parent.name, kind, parent=parent, row=row.number, level=level)
            node.org = Organization(
                name=name, kind=kind, unit_id=units.get(unit_name), established_on=established_on
            )
            parent.children[name] = node
            directory.add(node)
            plan.new.append(node)
            if term_start:
                plan.terms.append((node, term_start, term_end))
            result.created += 1
            continue
        fields = {"kind": kind, "unit_id": units.get(unit_name), "established_on": established_on}
        changes = _existing_changes(row, node, fields)
        if changes:
            plan.changed.append((node.org, changes))
        existing_rows.append((row, node, term_start, term_end))
        if not changes:
            result.unchanged += 1
        else:
            result.updated += 1
    _plan_existing_terms(existing_rows, plan, result)
    return plan


def _existing_changes(row: Row, node: _Node, fields: dict) -> dict:
    """Fields of an existing organization that the row changes; blank cells keep what is stored."""
    fields = keep_blank(fields, node.org, ("unit_id", "established_on"))
    changes = {k: v for k, v in fields.items() if getattr(node.org, k) != v}
    if changes and not node.active:
        row.error("组织名称", "该组织已撤销或合并，不能通过导入修改")
    elif "kind" in changes and (node.kind in BRANCH_KINDS) != (changes["kind"] in BRANCH_KINDS):
        row.error("组织类型", "党支部与其他类型组织之间的调整涉及党员编入，请在组织详情页办理")
    else:
        return changes
    return {}


def _plan_existing_terms(existing_rows, plan: _OrgPlan, result: ImportResult) -> None:
    """A term given for an existing organization is added unless one with the same start exists."""
    wanted = [(row, node, start, end) for row, node, start, end in existing_rows if start]
    ids = [node.org.pk for _, node, _, _ in wanted]
    terms = {}
    for chunk in range(0, len(ids), BATCH):
        for term in Term.objects.filter(organization_id__in=ids[chunk : chunk + BATCH]):
            terms[(term.organization_id, term.started_on)] = term
    changed_orgs = {org.pk for org, _ in plan.changed}
    for row, node, start, end in wanted:
        term = terms.get((node.org.pk, start))
        if term is not None and term.expires_on == end:
            continue
        if not node.active:
            row.error("本届开始日期", "该组织已撤销或合并，不能通过导入登记任期")
        elif term is None:
            plan.terms.append((node, start, end))
        else:
            plan.term_changes.append((term, end))
        if node.org.pk not in changed_orgs:  # the row was counted unchanged above
            result.unchanged -= 1
            result.updated += 1
            changed_orgs.add(node.org.pk)


def _write_organizations(plan: _OrgPlan, actor) -> None:
    """New organizations level by level (a path needs the parent's path and its own pk), then updates."""
    recorder = actor if getattr(actor, "pk", None) else None
    for level in sorted({node.level for node in plan.new}):
        nodes = [node for node in plan.new if node.level == level]
        marker = uuid.uuid4().hex[:12]
        for index, node in enumerate(nodes):
            node.org.parent = node.parent.org
            node.org.path = f"tmp-{marker}-{index}"
        Organization.objects.bulk_create([n.org for n in nodes], batch_size=BATCH)
        for node in nodes:
            node.org.path = node.parent.org.path + path_segment(node.org.pk)
            node.org.depth = node.parent.org.depth + 1
        Organization.objects.bulk_update(
            [n.org for n in nodes], ["path", "depth"], batch_size=UPDATE_BATCH
        )
    created = [node.org for node in plan.new]
    OrganizationEvent.objects.bulk_create(
        [
            OrganizationEvent(
                organization=org,
                kind=OrganizationEvent.Kind.CREATED,
                new_value=org.name[:255],
                happened_on=org.established_on or date.today(),
                note="导入",
                recorded_by=recorder,
            )
            for org in created
        ],
        batch_size=BATCH,
    )
    audit.record_many(
        audit.Action.CREATE,
        [(org, audit.diff({}, audit.snapshot(org))) for org in created],
        actor,
        detail="导入",
    )
    if plan.changed:
        audit_rows, now = [], timezone.now()
        for org, changes in plan.changed:
            before = audit.snapshot(org, fields=list(changes))
            for key, value in changes.items():
                setattr(org, key, value)
            audit_rows.append((org, audit.diff(before, audit.snapshot(org, fields=list(changes)))))
            org.updated_at = now
        Organization.objects.bulk_update(
            [org for org, _ in plan.changed],
            ["kind", "unit_id", "established_on", "updated_at"],
            batch_size=UPDATE_BATCH,
        )
        audit.record_many(audit.Action.UPDATE, audit_rows, actor, detail="导入")
    _write_terms(plan, actor)


def _write_terms(plan: _OrgPlan, actor) -> None:
    terms = [
        Term(organization=node.org, started_on=start, expires_on=end, note="导入")
        for node, start, end in plan.terms
    ]
    Term.objects.bulk_create(terms, batch_size=BATCH)
    audit.record_many(
        audit.Action.CREATE,
        [(t, audit.diff({}, audit.snapshot(t))) for t in terms],
        actor,
        detail="导入",
    )
    audit_rows = []
    for term, expires_on in plan.term_changes:
        audit_rows.append((term, {"expires_on": [str(term.expires_on), str(expires_on)]}))
        term.expires_on = expires_on
    Term.objects.bulk_update(
        [t for t, _ in plan.term_changes], ["expires_on"], batch_size=UPDATE_BATCH
    )
    audit.record_many(audit.Action.UPDATE, audit_rows, actor, detail="导入")


def import_units(file, *, actor, dry_run: bool) -> ImportResult:
    """Import 机关单位 rows keyed by name (unique city-wide); the same file again changes nothing."""

    def process(rows: list[Row], result: ImportResult) -> None:
        creates, updates = _plan_units(rows, actor, result)
        if not result.errors:
            _write_units(creates, updates, actor)

    return run_import(
        file, UNIT_SHEET, actor=actor, dry_run=dry_run, process=process, object_type="orgs.unit"
    )


NEW_UNIT = SimpleNamespace(
    kind=Unit.Kind.PARTY_GOVERNMENT, full_time_party_workers=0, part_time_party_workers=0
)
UNIT_FIELDS = (
    "kind",
    "organization_id",
    "total_staff",
    "full_time_party_workers",
    "part_time_party_workers",
)


def _plan_units(rows: list[Row], actor, result: ImportResult):
    directory, scope = OrgDirectory(actor), scope_for(actor)
    names = list({str(row.raw("单位名称") or "").strip() for row in rows})
    existing = {}
    for chunk in range(0, len(names), BATCH):
        for unit in Unit.objects.filter(name__in=names[chunk : chunk + BATCH]).select_related(
            "organization"
        ):
            existing[unit.name] = unit
    seen: dict[str, int] = {}
    creates, updates = [], []
    for row in rows:
        name = row.text("单位名称", required=True, max_length=120)
        fields = {
            "kind": row.choice("单位类别", UNIT_KINDS),
            "total_staff": row.integer("在编人数", required=True),
            "full_time_party_workers": row.integer("专职党务干部数", default=None),
            "part_time_party_workers": row.integer("兼职党务干部数", default=None),
        }
        org_text = row.text("所属党组织", required=True)
        node, reason = directory.resolve(org_text) if org_text else (None, "")
        if reason:
            row.error("所属党组织", reason)
        elif node is not None and not node.active:
            row.error("所属党组织", f"党组织“{org_text}”已撤销或合并")
        if name in seen:
            row.error("单位名称", f"与第{seen[name]}行的单位名称重复")
        seen.setdefault(name, row.number)
        unit = existing.get(name)
        if (
            unit is not None
            and unit.organization is not None
            and not scope.allows(roles.WRITE, unit.organization.path)
        ):
            row.error("单位名称", "该单位已登记在其他党组织名下，您无权修改")
        fields = keep_blank(
            fields, unit or NEW_UNIT, ("kind", "full_time_party_workers", "part_time_party_workers")
        )
        staff, full, part = (
            fields["total_staff"],
            fields["full_time_party_workers"],
            fields["part_time_party_workers"],
        )
        if not row.failed and full + part > staff:
            row.error(
                "兼职党务干部数",
                f"专职与兼职党务干部数之和（{full + part}）超过在编人数（{staff}）",
            )
        if row.failed:
            continue
        fields["organization_id"] = node.org.pk
        if unit is None:
            creates.append(Unit(name=name, **fields))
            result.created += 1
            continue
        changes = {k: v for k, v in fields.items() if getattr(unit, k) != v}
        if changes:
            updates.append((unit, changes))
            result.updated += 1
        else:
            result.unchanged += 1
    return creates, updates


def _write_units(creates: list[Unit], updates: list[tuple[Unit, dict]], actor) -> None:
    Unit.objects.bulk_create(creates, batch_size=BATCH)
    audit.record_many(
        audit.Action.CREATE,
        [(u, audit.diff({}, audit.snapshot(u))) for u in creates],
        actor,
        detail="导入",
    )
    audit_rows, now = [], timezone.now()
    for unit, changes in updates:
        before = audit.snapshot(unit, fields=list(changes))
        for key, value in changes.items():
            setattr(unit, key, value)
        audit_rows.append((unit, audit.diff(before, audit.snapshot(unit, fields=list(changes)))))
        unit.updated_at = now
    Unit.objects.bulk_update(
        [u for u, _ in updates], [*UNIT_FIELDS, "updated_at"], batch_size=UPDATE_BATCH
    )
    audit.record_many(audit.Action.UPDATE, audit_rows, actor, detail="导入")
