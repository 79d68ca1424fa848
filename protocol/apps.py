from django.apps import AppConfig


class ProtocolConfig(AppConfig):
    name = "protocol"
    verbose_name = "Social media protocol"

    def ready(self) -> None:
        # Importing registers the home and profile panels, the councillor record section
        # and the new-councillor hook.
        from . import panels, record, signals  # noqa: F401
