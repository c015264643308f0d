"""The member register as spreadsheet rows, in the import template's column order."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.masking import mask_id_number, mask_phone
from members.importers import MEMBER_SHEET
from members.models import Member
from members.selectors import sees_sensitive

# Same order as the member import template, so a full (unmasked) export re-imports cleanly.
MEMBER_EXPORT_HEADERS = tuple(column.header for column in MEMBER_SHEET.columns)
# Only the columns the sheet needs: model instances are most of the cost of a 40,000-row export.
EXPORT_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_enc",
    "phone_enc",
    "education",
    "post",
    "joined_on",
    "confirmed_on",
    "membership_kind",
    "category",
    "unit__name",
    "branch__name",
    "branch__path",
)
# get_FOO_display() rebuilds its choices dict on every call; these are built once.
GENDERS = dict(Member.Gender.choices)
EDUCATIONS = dict(Member.Education.choices)
KINDS = dict(Member.MembershipKind.choices)
CATEGORIES = dict(Member.Category.choices)


def member_export_rows(queryset: QuerySet, user) -> Iterator[list]:
    """One row per member, ID and phone numbers masked unless the user sees them in full (sees_sensitive)."""
    members = (
        queryset.select_related("branch", "unit").only(*EXPORT_FIELDS).iterator(chunk_size=2000)
    )
    for member in members:
        full = sees_sensitive(user, member)
        yield [
            member.name,
            GENDERS.get(member.gender, member.gender),
            member.ethnicity,
            member.id_number if full else mask_id_number(member.id_number),
            member.birth_date,
            member.phone if full else mask_phone(member.phone),
            EDUCATIONS.get(member.education, ""),
            member.unit.name if member.unit_id else "",
            member.post,
            member.joined_on,
            member.confirmed_on,
            KINDS.get(member.membership_kind, member.membership_kind),
            CATEGORIES.get(member.category, member.category),
            member.branch.name,
        ]
