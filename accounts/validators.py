"""Password rules of 等保2.0 level 3."""

import string

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """At least N of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含以下{self.min_classes}类字符：小写字母、大写字母、数字、符号",
                code="password_character_classes",
            )

    def get_help_text(self):
        return f"密码须至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类"
