"""Validators for Chinese identity data, with messages that name the reason."""

import re
from datetime import date

from django.core.exceptions import ValidationError

# GB 11643-1999: weights of the first 17 digits and the check characters for sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_number_birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    value = normalize_id_number(value)
    if not ID_PATTERN.match(value):
        raise ValidationError("身份证号应为18位，前17位为数字，末位为数字或X", code="format")
    if id_number_birth_date(value) is None:
        raise ValidationError("身份证号中的出生日期无效", code="birth_date")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号校验位不正确（GB 11643）", code="checksum")


def validate_phone(value: str) -> None:
    if value and not PHONE_PATTERN.match(value.strip()):
        raise ValidationError("手机号应为以1开头的11位数字", code="phone")
