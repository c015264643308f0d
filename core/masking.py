"""Masking of ID and phone numbers wherever a role does not need them in full."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
