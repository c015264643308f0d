"""Model fields that keep personal data encrypted at rest."""

from django.db import models

from core import crypto


class EncryptedTextField(models.TextField):
    """Stores SM4-GCM ciphertext; Python code sees plaintext. Not searchable: pair with a digest."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)
