from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core import crypto
from core.masking import mask_id_number, mask_phone
from core.validators import validate_id_number
from dangjian.testing import MemberFactory, make_id_number


def test_gb11643_checksum_accepts_the_standard_example():
    validate_id_number("11010519491231002X")


@pytest.mark.parametrize(
    "bad", ["110105194912310021", "11010519491331002X", "1101051949123100", "abc"]
)
def test_gb11643_rejects_bad_numbers(bad):
    with pytest.raises(ValidationError):
        validate_id_number(bad)


def test_masks_keep_only_the_agreed_digits():
    assert mask_id_number("330602199001011234") == "330602********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_sm4_round_trip_and_random_nonce():
    a, b = crypto.encrypt("330602199001011234"), crypto.encrypt("330602199001011234")
    assert a != b and crypto.decrypt(a) == crypto.decrypt(b) == "330602199001011234"


@pytest.mark.django_db
def test_member_id_number_is_not_stored_in_plaintext(city):
    number = make_id_number(date(1990, 1, 1), 77)
    member = MemberFactory(branch=city.branch_a, id_number=number, phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_enc, phone_enc FROM members_member WHERE id = %s", [member.pk]
        )
        stored_id, stored_phone = cursor.fetchone()
    assert number not in stored_id and "13912345678" not in stored_phone
    assert type(member).objects.by_id_number(number.lower()).get() == member
