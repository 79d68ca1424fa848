from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Code of conduct complaints"

    def ready(self) -> None:
        # Importing registers the home panels.
        from . import panels  # noqa: F401
