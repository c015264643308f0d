"""Reads of member records shared by pages, API and exports: search and masking."""

from django.db.models import Q, QuerySet

from core import crypto, roles
from core.masking import mask_id_number, mask_phone
from core.scoping import scope_for
from core.validators import PHONE_PATTERN, normalize_id_number
from members.models import Member
from orgs.models import Unit


def member_search(queryset: QuerySet, text: str) -> QuerySet:
    """Search by name, pinyin initials or unit name; a full phone number matches exactly (by digest)."""
    text = (text or "").strip()
    if not text:
        return queryset
    if PHONE_PATTERN.match(text):
        return queryset.filter(phone_digest=crypto.digest(text))
    # Matching units first (a few dozen rows) beats joining the unit table for every member.
    unit_ids = list(Unit.objects.filter(name__icontains=text).values_list("pk", flat=True))
    if text.isascii() and text.isalpha():
        # Latin letters are pinyin initials (zw -> 张伟): an indexed prefix match, no scan of names.
        query = Q(name_initials__startswith=text.lower())
    else:
        # Chinese has no letter case: a plain LIKE skips the UPPER() that icontains puts on every row.
        query = Q(name__contains=text)
    if unit_ids:
        query |= Q(unit_id__in=unit_ids)
    return queryset.filter(query)


def sees_sensitive(user, member: Member) -> bool:
    """Full ID/phone numbers: roles holding SENSITIVE over the member's branch, and the member themself."""
    scope = scope_for(user)
    return scope.member_id == member.pk or scope.allows(roles.SENSITIVE, member.branch.path)


def shown_id_number(user, member: Member) -> str:
    return member.id_number if sees_sensitive(user, member) else mask_id_number(member.id_number)


def shown_phone(user, member: Member) -> str:
    return member.phone if sees_sensitive(user, member) else mask_phone(member.phone)


def member_by_id_number(queryset: QuerySet, id_number: str) -> QuerySet:
    """Exact lookup by ID number through its keyed digest (the number arrives by POST, never in a URL)."""
    return queryset.filter(id_number_digest=crypto.digest(normalize_id_number(id_number)))


def members_for_list(user) -> QuerySet:
    """The visible members with what list pages, API and exports show, in a fixed number of queries."""
    return Member.objects.visible_to(user).select_related("branch", "unit")
