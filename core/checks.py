"""Deploy checks: refuse development keys in production."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def field_keys_are_real(app_configs, **kwargs):
    errors = []
    if {settings.FIELD_ENCRYPTION_KEY, settings.FIELD_HASH_KEY} & settings.DEV_FIELD_KEYS:
        errors.append(
            Error(
                "DANGJIAN_FIELD_KEY / DANGJIAN_HASH_KEY still hold the development keys.",
                hint="Set both to 32 random hex characters (16 bytes) each, and keep them safe: data encrypted with a lost key is lost.",
                id="dangjian.E001",
            )
        )
    if settings.FIELD_ENCRYPTION_KEY == settings.FIELD_HASH_KEY:
        errors.append(Error("The encryption and hash keys must differ.", id="dangjian.E002"))
    return errors
