"""Bulk entry pages: download the entity's workbook, upload it back, see problems or the result."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from . import permissions, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "workbook_import_summary"


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Completed workbook (.xlsx)"),
        error_messages={"required": _("Choose the completed workbook (.xlsx) to upload.")},
    )


def _entity(user):
    entity = permissions.can_record_for(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can use workbooks."))
    return entity


@login_required
@require_http_methods(["GET", "POST"])
def workbook_page(request):
    entity = _entity(request.user)
    form = WorkbookUploadForm(request.POST, request.FILES) if request.method == "POST" else WorkbookUploadForm()
    context = {"entity": entity, "form": form, "max_mb": settings.MAX_UPLOAD_MB}
    context["evidence_sheet"] = workbook.SHEET_EVIDENCE
    if request.method == "POST" and form.is_valid():
        try:
            summary = workbook.import_workbook(user=request.user, upload=form.cleaned_data["file"])
        except workbook.WorkbookRefused as exc:
            form.add_error("file", exc.message)
        except workbook.WorkbookProblems as exc:
            context["problems"] = exc.problems
        else:
            # Post/redirect/get: reloading the result page does not upload again.
            request.session[SESSION_KEY] = summary.as_session()
            return redirect(reverse("commitments:workbook") + "#result")
    if request.method == "GET":
        context["summary"] = request.session.pop(SESSION_KEY, None)
    return render(request, "commitments/workbook.html", context)


@login_required
@require_GET
def workbook_download(request):
    entity = _entity(request.user)
    response = HttpResponse(workbook.build_workbook(request.user), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{workbook.file_name(entity)}"'
    response["Cache-Control"] = "private, no-store"
    return response
