"""Reads of 公示 for the apps whose results are noticed (evaluation, dual_excellence)."""

from django.db.models import Count, Q

from publicity.models import NoticeItem, Objection, PublicNotice

# States of a subject: never noticed, noticed without open or upheld objections, an objection
# still unanswered, an objection upheld.
NONE, CLEAR, PENDING, UPHELD = "none", "clear", "pending", "upheld"


def item_states(instances) -> dict[int, str]:
    """State of each instance (all of one model) in its latest notice; "none" if never noticed."""
    instances = list(instances)
    if not instances:
        return {}
    label = instances[0]._meta.label_lower
    ids = [obj.pk for obj in instances]
    items = (
        NoticeItem.objects.filter(subject_type=label, subject_id__in=ids)
        .annotate(
            pending=Count("objections", filter=Q(objections__status=Objection.Status.PENDING)),
            upheld=Count("objections", filter=Q(objections__status=Objection.Status.UPHELD)),
        )
        .order_by("subject_id", "-notice__starts_on", "-notice_id")
    )
    states = dict.fromkeys(ids, NONE)
    seen = set()
    for item in items:
        if item.subject_id in seen:
            continue  # an older notice of the same subject
        seen.add(item.subject_id)
        states[item.subject_id] = PENDING if item.pending else UPHELD if item.upheld else CLEAR
    return states


def notice_for(instance) -> PublicNotice | None:
    """The latest notice listing this instance."""
    return (
        PublicNotice.objects.filter(
            items__subject_type=instance._meta.label_lower, items__subject_id=instance.pk
        )
        .order_by("-starts_on", "-pk")
        .first()
    )


def notice_items(notice: PublicNotice):
    return notice.items.annotate(
        objection_count=Count("objections"),
        pending_count=Count("objections", filter=Q(objections__status=Objection.Status.PENDING)),
    )
