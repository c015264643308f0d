from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self):
        from core import checks  # noqa: F401
