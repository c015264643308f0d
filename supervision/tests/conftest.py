"""Shared fixtures of the supervision tests: media in a temporary folder, photos, a recorded finding."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from supervision import services
from supervision.models import FindingCategory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def photo(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return FindingCategory.objects.get(code="three_meetings_one_lesson")


@pytest.fixture
def record(city, category):
    """record(**overrides) -> a finding on branch A recorded by the city admin."""

    def _record(**overrides):
        fields = {
            "actor": city.users["city_admin"],
            "organization": city.branch_a,
            "category": category,
            "description": "预算处党支部第二季度未召开支部党员大会",
            "deadline": timezone.localdate() + timedelta(days=30),
            "photos": [photo()],
        }
        fields.update(overrides)
        return services.finding_record(**fields)

    return _record


def days_from_today(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)
