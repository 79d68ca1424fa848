from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Code of conduct complaints"

    def ready(self) -> None:
        # Importing registers the home panels and the reports made in the background.
        from . import panels, report_views  # noqa: F401
