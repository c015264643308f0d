from decimal import Decimal, InvalidOperation

from django import forms

from orgs.models import Organization, OrgKind
from secretary_review.models import DEFAULT_BANDS, DEFAULT_GRADES, Round
from secretary_review.services import ROUND_FIELDS, manager_paths

PLAIN_FIELDS = [f for f in ROUND_FIELDS if f not in ("grades", "bands")]


def _lines(text: str, what: str) -> list[tuple[str, Decimal]]:
    """'名称 分值' per line."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.replace("：", " ").replace(":", " ").split()
        try:
            if len(parts) != 2:
                raise InvalidOperation
            out.append((parts[0], Decimal(parts[1])))
        except InvalidOperation:
            raise forms.ValidationError(
                f"第{number}行应为“{what} 分数”，如“好 100”，收到“{line.strip()}”"
            ) from None
    return out


def _number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


class RoundForm(forms.ModelForm):
    """The round's settings; grades and bands are edited as one '名称 分数' line each."""

    grades_text = forms.CharField(
        label="测评等次及分值",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个等次：名称 分值（0–100），如“好 100”。默认为 好/较好/一般/差，可调整。",
    )
    bands_text = forms.CharField(
        label="考核等次分数线",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个等次：名称 最低分，如“优秀 90”。",
    )

    class Meta:
        model = Round
        fields = ["area", "year", *PLAIN_FIELDS]
        widgets = {
            "report_due": forms.DateInput(attrs={"type": "date"}),
            "rating_due": forms.DateInput(attrs={"type": "date"}),
            "template_body": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "template_body": "可用占位符：{year} 年度、{name} 姓名、{organization} 党组织、"
            "{level} 层级、{report} 述职内容、{date} 日期",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        round_ = self.instance
        self.fields["name"].required = False
        self.fields["name"].help_text = "留空则按年度和范围自动命名"
        paths = manager_paths(user)
        areas = Organization.objects.filter(
            kind__in=[OrgKind.ORGANS_WORK_COMMITTEE, OrgKind.PARTY_GROUP],
            status=Organization.Status.ACTIVE,
        )
        query = Organization.objects.none()
        for path in paths:
            query = query | areas.filter(path__startswith=path)
        self.fields["area"].queryset = query.order_by("path")
        self.fields["area"].label_from_instance = lambda o: o.name
        if round_.pk:
            del self.fields["area"], self.fields["year"]
        grades = round_.grades if round_.pk else None
        bands = round_.bands if round_.pk else None
        self.fields["grades_text"].initial = "\n".join(
            f"{g['label']} {g['points']}" for g in grades or DEFAULT_GRADES
        )
        self.fields["bands_text"].initial = "\n".join(
            f"{b['label']} {b['min']}" for b in bands or DEFAULT_BANDS
        )
        self._known_codes = {g["label"]: g["code"] for g in (grades or DEFAULT_GRADES)}

    def clean_grades_text(self):
        grades, used = [], set()
        for index, (label, points) in enumerate(_lines(self.cleaned_data["grades_text"], "等次")):
            code = self._known_codes.get(label) or f"grade{index + 1}"
            while code in used:
                code += "x"
            used.add(code)
            grades.append({"code": code, "label": label, "points": _number(points)})
        return grades

    def clean_bands_text(self):
        return [
            {"label": label, "min": _number(minimum)}
            for label, minimum in _lines(self.cleaned_data["bands_text"], "等次")
        ]

    def service_data(self) -> dict:
        data = {f: self.cleaned_data[f] for f in PLAIN_FIELDS if f in self.cleaned_data}
        if not data.get("name"):
            data.pop("name", None)
        data["grades"] = self.cleaned_data["grades_text"]
        data["bands"] = self.cleaned_data["bands_text"]
        return data


class ReportForm(forms.Form):
    text = forms.CharField(
        label="述职内容",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="围绕履行管党治党责任、抓机关党建工作情况、存在问题和下一步打算撰写。",
    )
