from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Councillor training"

    def ready(self) -> None:
        # Importing registers the home and profile panels (councillors' and Member Services')
        # and the councillor record section.
        from . import manage_panels, panels, record  # noqa: F401
