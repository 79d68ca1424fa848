from django.apps import AppConfig


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = "Council directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import panels, signals  # noqa: F401
