from django.apps import AppConfig


class MemberReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "member_review"
    verbose_name = "民主评议党员"
