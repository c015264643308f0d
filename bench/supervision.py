"""Issue 5 figures: 工委's supervision overview (≤200 ms) and recording a finding with three photos (≤150 ms).

Runs inside bench/measure.py's process on the city demo data (about 20,000 findings). The issue fixes
the overview's figure at 20,000 findings: when the demo has fewer, copies of its own findings (same
organizations, categories, states and dates) top it up inside a transaction rolled back after timing.
Recording calls
supervision.services.finding_record directly with three in-memory photos (so no upload time), each
run in a transaction rolled back afterwards, files stored under a temporary MEDIA_ROOT.
"""

import tempfile
from datetime import timedelta

from measure import failed, log, not_measured, time_call, time_page

FINDINGS = 20_000  # the figure for the overview

# A valid 1×1 PNG; the service checks the signature, stores the file and its location and time.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def time_record(user, runs: int, warmups: int) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings
    from django.utils import timezone

    from orgs.models import BRANCH_KINDS, Organization
    from supervision.forms import supervised_orgs
    from supervision.models import FindingCategory
    from supervision.services import Photo, finding_record

    branch = supervised_orgs(user).filter(kind__in=BRANCH_KINDS).order_by("path").first()
    category = FindingCategory.objects.filter(is_active=True).first()
    if branch is None or category is None:
        return not_measured("没有可检查的支部或问题类别")

    def three_photos():
        return [
            Photo(
                SimpleUploadedFile(f"现场{i}.png", PNG, "image/png"), 30.0, 120.58, timezone.now()
            )
            for i in range(3)
        ]

    def record(photos):
        finding_record(
            actor=user, organization=Organization.objects.get(pk=branch.pk),
            category=category, description="基准测试：三会一课未按规定开展",
            deadline=timezone.localdate() + timedelta(days=30), photos=photos,
        )  # fmt: skip

    try:
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            timing = time_call(record, runs, warmups, prepare=three_photos)
    except Exception as error:
        return failed(error)
    return timing.figure(f"{branch.name}，三张照片（含经纬度和拍摄时间），直接调用服务，")


def measure(runs: int, warmups: int) -> dict:
    from django.db import transaction
    from django.test import Client

    from accounts.models import User

    user = User.objects.get(username="gwadmin")
    client = Client()
    client.force_login(user)
    results = {}
    with transaction.atomic():  # the top-up is rolled back
        demo, total = top_up_findings()
        log(f"timing /supervision/overview/ over {total:,} findings")
        results["supervision_overview"] = time_page(
            client, "/supervision/overview/?year=all", runs, warmups
        )
        transaction.set_rollback(True)
    if results["supervision_overview"]["seconds"] is not None:
        added = f"（演示数据 {demo:,} 个，另复制 {total - demo:,} 个补足）" if total > demo else ""
        results["supervision_overview"]["note"] += f"，全市 {total:,} 个督查问题{added}"
    log("timing /supervision/ (work page) as gwadmin")
    results["supervision_index"] = time_page(client, "/supervision/", runs, warmups)
    log("timing finding_record with three photos")
    results["supervision_record_3_photos"] = time_record(user, runs, warmups)
    return results


def top_up_findings() -> tuple[int, int]:
    """(findings in the demo, findings now): copies of existing findings up to FINDINGS."""
    from itertools import cycle, islice

    from supervision.models import Finding

    demo = Finding.objects.count()
    missing = FINDINGS - demo
    if missing <= 0 or not demo:
        return demo, demo
    copies = []
    for finding in islice(cycle(Finding.objects.order_by("pk").iterator()), missing):
        finding.pk = None
        copies.append(finding)
    Finding.objects.bulk_create(copies, batch_size=2000)
    return demo, Finding.objects.count()
