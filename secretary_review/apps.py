from django.apps import AppConfig


class SecretaryReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "secretary_review"
    verbose_name = "联述联评联考"
