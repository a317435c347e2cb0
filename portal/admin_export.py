"""Wagtail's own spreadsheet paths, made to go through portal.xlsx like ours.

- Exports: every Wagtail view with `list_export` (our admin viewsets such as the certificate
  listing, and Wagtail's reports: locked pages, aging pages, site history, workflows, redirects)
  writes each cell through `SpreadsheetExportMixin.preprocess_field_value`, CSV and xlsx alike.
  Wagtail neutralises nothing in CSV (`=HYPERLINK(...)` in a name came out as a live formula), so
  `install()` wraps that one method with `portal.xlsx.safe_cell`: a viewset added later is covered
  without doing anything.
- Imports: Wagtail's redirect import (admin and `import_redirects`) parses an .xlsx with openpyxl's
  plain reader and every row into memory; its reader is replaced by `portal.xlsx.read_sheet`
  (spreadsheet-bomb checks, streaming, row limit), and its upload page says why a file is refused
  (Wagtail's own message names only the exception class): `install()` runs in AppConfig.ready(),
  `install_redirect_import_check()` from portal/wagtail_hooks.py, once every app is ready.

Both are checked by tests/security/test_export_injection.py and test_spreadsheet_bombs.py, which
fail if a Wagtail upgrade renames what is wrapped here.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.contrib.redirects import base_formats

from portal.xlsx import SpreadsheetError, read_sheet, safe_cell


def install() -> None:
    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "neutralises_formulas", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(original(self, field, value, export_format))

    preprocess_field_value.neutralises_formulas = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    base_formats.XLSX.create_dataset = _redirects_dataset


def install_redirect_import_check() -> None:
    """Wraps the upload page of Wagtail's redirect import (its URL pattern, so the order in which
    modules were imported does not matter)."""
    from wagtail.contrib.redirects import urls

    for pattern in urls.urlpatterns:
        if pattern.name == "start_import" and not hasattr(pattern.callback, "checks_xlsx"):
            pattern.callback = _checked_redirect_import(pattern.callback)


def _redirects_dataset(self, data: bytes) -> base_formats.Dataset:
    return base_formats.Dataset(values for _number, values in read_sheet(data))


def _checked_redirect_import(view):
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.permissions import policy_registry

    @wraps(view)
    def start_import(request):
        upload = request.FILES.get("import_file")
        if (
            request.method == "POST"
            and upload is not None
            and upload.name.lower().endswith(".xlsx")
            and policy_registry.get_by_type(Redirect).user_has_permission(request.user, "add")
        ):
            try:
                for _row in read_sheet(upload):
                    pass
            except SpreadsheetError as exc:
                messages.error(request, str(exc))
                return redirect("wagtailredirects:start_import")
            upload.seek(0)
        return view(request)

    start_import.checks_xlsx = True
    return start_import
