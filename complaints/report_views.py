"""Complaint reports: the Monitoring Officer's register and the standards annual report.

Each is an HTML page first, with the same content as a PDF (``?format=pdf``) and a CSV
(``?format=csv``). The register names councillors, so it is for the Monitoring Officer and
deputies only, and lists only the cases ``cases_for`` lets them see (a conflicted officer's
cases stay hidden). The annual report holds counts only, for anyone who may see reports.
"""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size, Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from council import report_jobs
from council.access import capability_required, role_required
from council.audit import log_action
from council.exports import download, safe_cell
from council.roles import Capability, Role, user_has_role

from . import reports
from .models import Stage

# Shown on the page; the CSV and PDF carry every row up to the PDF limit.
REGISTER_PAGE_ROWS = 200
# Up to REPORT_BACKGROUND_ROWS rows a PDF is made while the person waits; up to this many it is
# made in the background (council.report_jobs); beyond, they narrow the period or take the CSV.
REGISTER_PDF_MAX_ROWS = 5000
REGISTER_ROLES = (Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER)


class _ReportDateField(DateInputField):
    """An optional date input whose impossible dates get a message for people, not Python's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("require_all_fields", False)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.error_messages["incomplete"] = "Enter the date as a day, month and year"

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except (forms.ValidationError, ValueError, OverflowError) as exc:
            raise forms.ValidationError("The date must be a real date, like 1 4 2025") from exc


class PeriodForm(forms.Form):
    """A period by date received. Filters come by GET, so errors appear on the same page."""

    date_from = _ReportDateField(label="Received from", help_text="For example, 1 4 2025")
    date_to = _ReportDateField(label="Received up to and including", help_text="For example, 31 3 2026")

    def __init__(self, *args: Any, default: reports.Period | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *self.layout_fields(), Submit("apply", "Apply", css_class="govuk-button--secondary")
        )

    def layout_fields(self) -> list:
        return [
            Fieldset(Field("date_from"), Field("date_to"), legend="Period", legend_size=Size.SMALL),
        ]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be the same as or after the start")
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                self.add_error(name, "Enter a date between 2000 and 2100")
        return data

    def period(self) -> reports.Period | None:
        """The chosen period (call after ``is_valid``); open ends take the default or no limit."""
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        if self.default is not None:
            return reports.Period(start or self.default.start, end or self.default.end)
        if start or end:
            return reports.Period(start or date(2000, 1, 1), end or date(2100, 12, 31))
        return None


class RegisterFilterForm(PeriodForm):
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[("", "Any stage"), *[(value, label) for value, label in Stage.choices if value != Stage.DRAFT]],
        error_messages={"invalid_choice": "Choose a stage from the list"},
    )

    def layout_fields(self) -> list:
        return [*super().layout_fields(), Field.select("stage")]


def _bound(request: HttpRequest) -> bool:
    # An export is bound too, so an error about it (too many rows) can be added to the form.
    return any(key in request.GET for key in ("date_from_0", "date_to_0", "stage", "apply", "format"))


def _dated_name(stem: str, extension: str) -> str:
    """A download's file name: ``complaint-register-2026-11-25.pdf``."""
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def _filename(stem: str, extension: str) -> str:
    return f'attachment; filename="{_dated_name(stem, extension)}"'


def _pdf_response(template_name: str, context: dict, stem: str) -> HttpResponse:
    from council.pdf import render_pdf  # WeasyPrint is slow to import: only where a PDF is made

    return download(render_pdf(template_name, context), filename=_dated_name(stem, "pdf"))


# --- The register ---------------------------------------------------------------------------------


@role_required(*REGISTER_ROLES)
def report_register(request: HttpRequest) -> HttpResponse:
    """The register of complaints the officer may see, filtered by period received and stage."""
    form = RegisterFilterForm(request.GET if _bound(request) else None)
    if form.is_bound and not form.is_valid():
        return render(request, "complaints/report_register.html", {"form": form, "rows": [], "total": 0})
    period = form.period() if form.is_bound else None
    stage = form.cleaned_data.get("stage", "") if form.is_bound else ""
    cases = reports.register_cases(request.user, period=period, stage=stage)
    export = request.GET.get("format", "")
    if export == "csv":
        return _register_csv(request, cases)
    if export == "pdf":
        total = cases.count()
        if total > REGISTER_PDF_MAX_ROWS:
            form.add_error(
                None,
                f"The register has {total:,} complaints for these filters. A PDF can hold up to "
                f"{REGISTER_PDF_MAX_ROWS:,}: choose a shorter period, or download the CSV.",
            )
        elif total > settings.REPORT_BACKGROUND_ROWS:
            job = report_jobs.start(
                request.user,
                "complaints.register",
                title=_register_title(period, stage),
                params=report_jobs.params_from(request.GET),
                rows=total,
            )
            messages.success(request, f"The register has {total:,} complaints, so it is being made in the background.")
            return redirect(job)
        else:
            return _register_pdf(request, cases, period, stage)
    total = cases.count()
    context = {
        "form": form,
        "rows": reports.register_rows(cases, limit=REGISTER_PAGE_ROWS),
        "total": total,
        "query": request.GET.copy(),
        "csv_query": _with_format(request, "csv"),
        "pdf_query": _with_format(request, "pdf"),
        "background_rows": settings.REPORT_BACKGROUND_ROWS,
    }
    return render(request, "complaints/report_register.html", context)


def _with_format(request: HttpRequest, export: str) -> str:
    query = request.GET.copy()
    query["format"] = export
    return query.urlencode()


def _log_export(actor, export: str, count: int, how: str = "") -> None:
    # Personal data leaving the portal: say who took it.
    log_action(
        actor=actor,
        action="complaints.register_exported",
        summary=f"Exported the complaint register as {export} ({count} rows){how}",
        format=export,
        rows=count,
    )


def _register_csv(request: HttpRequest, cases) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename("complaint-register", "csv")
    writer = csv.writer(response)
    writer.writerow(["Reference", "Received", "Councillors", "Principal authority", "Stage", "Outcome", "Closed"])
    rows = reports.register_rows(cases)
    for row in rows:
        writer.writerow(
            [
                safe_cell(row["reference"]),
                row["received"].isoformat() if row["received"] else "",
                safe_cell("; ".join(row["councillors"])),
                safe_cell(row["principal_authority__name"]),
                row["stage_label"],
                row["outcome"],
                row["closed"].isoformat() if row["closed"] else "",
            ]
        )
    _log_export(request.user, "csv", len(rows))
    return response


def _register_pdf(request: HttpRequest, cases, period: reports.Period | None, stage: str) -> HttpResponse:
    from . import register_pdf  # WeasyPrint is slow to import: only where a PDF is made

    rows = reports.register_rows(cases)
    _log_export(request.user, "pdf", len(rows))
    return download(register_pdf.render(rows, period, stage), filename=_dated_name("complaint-register", "pdf"))


def _register_title(period: reports.Period | None, stage: str) -> str:
    title = "Complaint register"
    if period:
        title += f", received {period}"
    if stage:
        title += f", at stage: {reports.STAGE_LABELS.get(stage, stage)}"
    return title


def build_register_pdf(owner, params: dict, progress: report_jobs.Progress) -> report_jobs.Built:
    """The register PDF in the background, with the filters chosen on the page and the owner's cases."""
    from . import register_pdf

    form = RegisterFilterForm(report_jobs.query_from(params))
    if not form.is_valid():
        raise ValueError(f"The register's filters are not valid: {form.errors.as_text()}")
    period, stage = form.period(), form.cleaned_data.get("stage", "")
    progress(2, "Finding the complaints")
    rows = reports.register_rows(reports.register_cases(owner, period=period, stage=stage), limit=REGISTER_PDF_MAX_ROWS)
    _log_export(owner, "pdf", len(rows), ", made in the background")
    content = register_pdf.render(rows, period, stage, progress=progress)
    return report_jobs.Built(content=content, filename=_dated_name("complaint-register", "pdf"), rows=len(rows))


report_jobs.register(
    "complaints.register",
    allowed=lambda user: user_has_role(user, *REGISTER_ROLES),
    build=build_register_pdf,
)


# --- The annual report ------------------------------------------------------------------------------


@capability_required(Capability.VIEW_REPORTS)
def report_annual(request: HttpRequest) -> HttpResponse:
    """The standards annual report for a period (by default the last full financial year)."""
    default = reports.last_financial_year()
    form = PeriodForm(request.GET if _bound(request) else None, default=default)
    if form.is_bound and not form.is_valid():
        return render(request, "complaints/report_annual.html", {"form": form, "report": None})
    report = reports.annual_report(form.period() if form.is_bound else default)
    export = request.GET.get("format", "")
    if export == "pdf":
        return _pdf_response("pdf/annual_report.html", annual_pdf_context(report), "annual-report")
    if export == "csv":
        return _annual_csv(report)
    authorities, authorities_note = _authority_table(report)
    context = {
        "form": form,
        "report": report,
        "authorities": authorities,
        "authorities_note": authorities_note,
        "csv_query": _with_format(request, "csv"),
        "pdf_query": _with_format(request, "pdf"),
    }
    return render(request, "complaints/report_annual.html", context)


def _authority_table(report: dict) -> tuple[list[tuple[str, int]], str]:
    """The by-authority rows for the page and the PDF (the CSV has them all), and a note saying so
    when some are summed."""
    rows = reports.top_authorities(report["by_authority"])
    if len(rows) == len(report["by_authority"]):
        return rows, ""
    return rows, (
        f"Complaints concerned councillors of {len(report['by_authority']):,} authorities. The "
        f"{reports.AUTHORITY_ROWS} with the most complaints are listed, then the others together; "
        "the spreadsheet (CSV) lists every authority."
    )


def annual_pdf_context(report: dict) -> dict:
    authorities, authorities_note = _authority_table(report)
    tables = [
        ("By authority", "Authority", authorities, authorities_note),
        ("By Code of Conduct heading", "Heading", report["by_heading"], "A complaint may cite more than one heading."),
        ("By outcome", "Outcome", report["by_outcome"], ""),
    ]
    return {"title": "Standards annual report", "tables": tables, **report}


def _annual_csv(report: dict) -> HttpResponse:
    """Every table of the report in one sheet: (table, item, value) rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename("standards-annual-report", "csv")
    writer = csv.writer(response)
    writer.writerow(["Table", "Item", "Complaints"])
    writer.writerow(["Period", str(report["period"]), report["total"]])
    for month, count in report["by_month"]:
        writer.writerow(["By month received", f"{month:%B %Y}", count])
    for table, key in (
        ("By authority", "by_authority"),
        ("By Code heading", "by_heading"),
        ("By outcome", "by_outcome"),
    ):
        for label, count in report[key]:
            writer.writerow([table, safe_cell(label), count])
    for timing in report["timings"]:
        median = "" if timing.median is None else timing.median
        share = "" if timing.percent_within is None else f"{timing.percent_within}%"
        writer.writerow([f"{timing.name} (target {timing.target} working days)", "Measured", timing.measured])
        writer.writerow([f"{timing.name} (target {timing.target} working days)", "Median working days", median])
        writer.writerow([f"{timing.name} (target {timing.target} working days)", "Within target", share])
    return response
