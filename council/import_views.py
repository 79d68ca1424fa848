"""Uploading a ModernGov XML feed or a CSV of councillors, with a preview before anything changes.

The uploaded file is kept in private storage under a random token that is remembered in the
uploader's session; the preview is a dry run of the same import (rolled back), and confirming
runs it for real and deletes the file.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size, Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .access import capability_required
from .importers import (
    CSV_OPTIONAL_COLUMNS,
    CSV_REQUIRED_COLUMNS,
    SOURCE_LABELS,
    ImportFormatError,
    ImportReport,
    parse_upload,
    run_import,
    source_of,
)
from .models import Authority
from .roles import Capability

SESSION_KEY = "council_imports"
MAX_IMPORTS_PER_SESSION = 5
STALE_AFTER = timedelta(days=1)
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class ImportUploadForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.all(),
        required=False,
        label="Existing authority",
        empty_label="Choose an authority",
    )
    new_authority = forms.CharField(
        required=False,
        max_length=200,
        label="Or the name of a new authority",
        help_text="Only if it is not in the list. It is added as a principal council.",
    )
    nation = forms.ChoiceField(
        choices=Authority.Nation.choices,
        initial=Authority.Nation.ENGLAND,
        label="Nation of a new authority",
    )
    file = forms.FileField(
        label="ModernGov XML or CSV file",
        error_messages={
            "required": "Choose a ModernGov XML file or a CSV file to upload",
            "empty": "The file is empty",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A ModernGov GetCouncillorsByWard XML file, or a CSV file saved as UTF-8, up to "
            f"{settings.IMPORT_MAX_BYTES // (1024 * 1024) or 1} MB. The CSV's first row must name the columns "
            f"{', '.join(CSV_REQUIRED_COLUMNS)}, and optionally {', '.join(CSV_OPTIONAL_COLUMNS)}. "
            "Dates are dd/mm/yyyy or yyyy-mm-dd."
        )
        self.data_bytes = b""
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                Field.select("authority"),
                Field.text("new_authority"),
                Field.select("nation"),
                legend="Which authority are the councillors in?",
                legend_size=Size.MEDIUM,
            ),
            Field("file"),
            Submit("upload", "Upload and check"),
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file must be smaller than {limit / (1024 * 1024):g} MB")
        data = upload.read(limit + 1)
        try:
            # Parse it all now, so a bad file is reported here rather than on the preview.
            parse_upload(data)
        except ImportFormatError as error:
            raise forms.ValidationError(str(error)) from error
        self.data_bytes = data
        return upload

    def clean(self):
        cleaned = super().clean()
        authority, new_name = cleaned.get("authority"), " ".join(cleaned.get("new_authority", "").split())
        if authority and new_name:
            self.add_error("new_authority", "Choose an existing authority or type the name of a new one, not both")
        elif not authority and not new_name:
            self.add_error("authority", "Choose the authority the councillors are in, or type the name of a new one")
        elif new_name:
            # Typing the name of one that exists means that one.
            cleaned["authority"] = Authority.objects.filter(name__iexact=new_name).first()
        cleaned["new_authority"] = new_name
        return cleaned


def _imports(request: HttpRequest) -> dict:
    return request.session.setdefault(SESSION_KEY, {})


def _path(token: str, source: str) -> str:
    return f"imports/{token}.{'xml' if source == 'moderngov' else 'csv'}"


def _delete_stale_uploads() -> None:
    """Uploads that were never confirmed are personal data nobody needs: drop them after a day."""
    storage = storages["private"]
    try:
        _, files = storage.listdir("imports")
    except FileNotFoundError:
        return
    cutoff = timezone.now() - STALE_AFTER
    for name in files:
        try:
            if storage.get_modified_time(f"imports/{name}") < cutoff:
                storage.delete(f"imports/{name}")
        except FileNotFoundError:
            continue


def _store_upload(request: HttpRequest, form: ImportUploadForm) -> str:
    _delete_stale_uploads()
    token = secrets.token_hex(16)
    source = source_of(form.data_bytes)
    path = storages["private"].save(_path(token, source), ContentFile(form.data_bytes))
    imports = _imports(request)
    authority = form.cleaned_data["authority"]
    imports[token] = {
        "path": path,
        "source": source,
        "filename": form.cleaned_data["file"].name[:200],
        "authority_id": authority.pk if authority else None,
        "authority_name": authority.name if authority else form.cleaned_data["new_authority"],
        "nation": form.cleaned_data["nation"],
        "report": None,
    }
    for old in list(imports)[:-MAX_IMPORTS_PER_SESSION]:
        _forget(request, old)
    request.session.modified = True
    return token


def _forget(request: HttpRequest, token: str) -> None:
    entry = _imports(request).pop(token, None)
    request.session.modified = True
    if entry and not entry.get("report"):
        storages["private"].delete(entry["path"])


def _entry_for_session(request: HttpRequest, token: str) -> dict:
    """The upload this token names, only if this session made it."""
    entry = _imports(request).get(token) if TOKEN_PATTERN.match(token) else None
    if entry is None:
        raise Http404("No such import")
    return entry


@capability_required(Capability.IMPORT_DIRECTORY)
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            return redirect("council:import_preview", batch=_store_upload(request, form))
    else:
        form = ImportUploadForm()
    return render(request, "council/import_upload.html", {"form": form})


@capability_required(Capability.IMPORT_DIRECTORY)
def import_preview(request: HttpRequest, batch: str) -> HttpResponse:
    entry = _entry_for_session(request, batch)
    if entry.get("report"):
        return _render_report(request, entry, ImportReport.from_dict(entry["report"]), done=True)
    storage = storages["private"]
    if not storage.exists(entry["path"]):
        _forget(request, batch)
        messages.error(request, "That upload has expired. Upload the file again.")
        return redirect("council:import_upload")
    with storage.open(entry["path"], "rb") as handle:
        data = handle.read()
    authority = None
    if entry["authority_id"]:
        authority = Authority.objects.filter(pk=entry["authority_id"]).first()
        if authority is None:
            _forget(request, batch)
            messages.error(request, "That authority no longer exists. Upload the file again.")
            return redirect("council:import_upload")
    confirm = request.method == "POST"
    try:
        # The preview and the import are the same code: the preview is rolled back.
        report = run_import(
            actor=request.user,
            feed=parse_upload(data),
            authority=authority,
            authority_name=entry["authority_name"],
            nation=entry["nation"],
            dry_run=not confirm,
            filename=entry["filename"],
        )
    except ImportFormatError as error:
        _forget(request, batch)
        messages.error(request, f"{error} Nothing was changed.")
        return redirect("council:import_upload")
    if not confirm:
        return _render_report(request, entry, report, done=False)
    storage.delete(entry["path"])
    entry["report"] = report.to_dict()
    request.session.modified = True
    messages.success(request, f"{report.summary()}.")
    return redirect("council:import_preview", batch=batch)


def _render_report(request: HttpRequest, entry: dict, report: ImportReport, *, done: bool) -> HttpResponse:
    return render(
        request,
        "council/import_preview.html",
        {
            "report": report,
            "done": done,
            "entry": entry,
            "source_label": SOURCE_LABELS[report.source],
            "counts": report.counts,
        },
    )
