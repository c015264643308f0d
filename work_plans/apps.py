from django.apps import AppConfig


class WorkPlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "work_plans"
    verbose_name = "规划计划"
