from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from council.services import DomainError
from protocol import services
from protocol.importer import ImportError_, parse_protocol
from protocol.models import Version


class Command(BaseCommand):
    help = "Turn a plain-text (or Markdown) protocol into a new version with sections."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--slug", default=services.DEFAULT_PROTOCOL_SLUG, help="Which protocol (default: social-media)."
        )
        parser.add_argument("--publish", action="store_true", help="Publish the new version at once.")
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing if the protocol already has a version (used by load_demo so it can run twice).",
        )

    def handle(self, *args, file: Path, slug: str, publish: bool, if_absent: bool, **options):
        if if_absent and Version.objects.filter(protocol__slug=slug).exists():
            self.stdout.write("The protocol already has a version; nothing imported.")
            return
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text.") from exc
        try:
            parsed = parse_protocol(text)
        except ImportError_ as exc:
            raise CommandError(str(exc)) from exc
        version = services.import_version(actor=None, parsed=parsed, protocol_slug=slug)
        if publish:
            try:
                services.publish_version(actor=None, version=version)
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
        state = "published" if publish else "saved as a draft"
        self.stdout.write(self.style.SUCCESS(f"{version} {state} with {version.sections.count()} sections."))
