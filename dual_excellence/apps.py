from django.apps import AppConfig


class DualExcellenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dual_excellence"
    verbose_name = "双优引领"
