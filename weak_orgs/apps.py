from django.apps import AppConfig


class WeakOrgsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "weak_orgs"
    verbose_name = "软弱涣散整顿"
