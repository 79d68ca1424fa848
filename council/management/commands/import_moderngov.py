"""manage.py import_moderngov FILE_OR_URL --authority NAME [--nation wales] [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from council.importers import ImportFormatError, ImportReport, parse_moderngov, read_source, run_import
from council.models import Authority


class Command(BaseCommand):
    help = (
        "Import councillors from a ModernGov GetCouncillorsByWard XML file or web service address. "
        "Upserts by ModernGov councillor id; never imports home addresses or phone numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="FILE_OR_URL", help="A path, or an http(s) address of the web service.")
        parser.add_argument(
            "--authority", required=True, help="The authority's name; it is created if there is none by that name."
        )
        parser.add_argument(
            "--nation",
            choices=Authority.Nation.values,
            default=Authority.Nation.ENGLAND,
            help="The nation of a newly created authority (default: england).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, and change nothing.")

    def handle(self, *args, source: str, authority: str, nation: str, dry_run: bool, **options):
        try:
            # Parse the whole feed before anything is written.
            feed = parse_moderngov(read_source(source))
            report = run_import(
                actor=None, feed=feed, authority_name=authority, nation=nation, dry_run=dry_run, filename=source
            )
        except ImportFormatError as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        self._print_report(report)

    def _print_report(self, report: ImportReport) -> None:
        heading = "Dry run, nothing was changed: " if report.dry_run else ""
        self.stdout.write(heading + report.summary() + ".")
        if report.authority_created:
            self.stdout.write(f"Authority created: {report.authority}.")
        if report.wards_created:
            self.stdout.write(f"Wards created: {len(report.wards_created)}.")
        if report.groups_created:
            self.stdout.write(f"Political groups created: {', '.join(report.groups_created)}.")
        for outcome in report.updated:
            self.stdout.write(f"Updated {outcome.name} ({outcome.moderngov_id}): {'; '.join(outcome.changes)}.")
        for outcome in report.deactivated:
            self.stdout.write(f"Deactivated {outcome.name} ({outcome.moderngov_id}): no longer in the feed.")
        for skipped in report.skipped:
            self.stdout.write(
                self.style.WARNING(f"Skipped {skipped.where} ({skipped.name or 'no name'}): {skipped.reason}.")
            )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(self.style.SUCCESS("Done." if not report.dry_run else "Dry run finished."))
