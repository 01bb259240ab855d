"""Pages of the review cycle and compiled reports: the calendar, the report list, one report
with its downloads and progress, and the form to compile one on demand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from commitments import permissions

from . import cycle, reports
from .forms import ReportRequestForm
from .models import Report, ReportFile, ReportKind, ReviewCycle
from .tasks import queue_compile

PAGE_SIZE = 50
QUEUED_MESSAGE = gettext_lazy(
    "The report is queued: the task service is unavailable right now; it will be compiled when it is back."
)


def calendar(request):
    if not ReviewCycle.objects.exists():
        cycle.ensure_calendar()
    today = timezone.localdate()
    cycles = list(cycle.calendar_rows())
    current = next((c for c in cycles if c.start <= today <= c.closes_on), None)
    return render(request, "reporting/calendar.html", {"cycles": cycles, "current": current, "today": today})


def _report_queryset(user):
    return reports.visible_reports(user).select_related("member_state", "objective", "stakeholder_type", "requested_by")


def report_list(request):
    queryset = _report_queryset(request.user)
    kind = request.GET.get("kind", "")
    if kind in ReportKind.values:
        queryset = queryset.filter(kind=kind)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/report_list.html",
        {"page": page, "kinds": ReportKind.choices, "kind": kind, "can_compile": _may_compile_any(request.user)},
    )


def _may_compile_any(user):
    if not user.is_authenticated:
        return False
    profile = permissions.profile_of(user)
    state = profile.member_state if profile else None
    return any(reports.compile_allowed(user, kind, state) for kind in ReportKind.values)


STALLED_MESSAGE = _(
    "This compilation has given no sign of life for several minutes: its worker was probably lost. "
    "It will be queued again automatically within a few minutes."
)


def _visible_report(request, pk):
    return get_object_or_404(_report_queryset(request.user), pk=pk)


def report_detail(request, pk):
    report = _visible_report(request, pk)
    files = list(report.files.all()) if report.status == Report.Status.COMPLETE else []
    parts = _current_parts(report)
    versions = Report.objects.filter(kind=report.kind, scope_key=report.scope_key, cycle=report.cycle)
    versions = list(
        reports.visible_reports(request.user, versions).order_by("-version").only("pk", "version", "status")
    )
    same_as = (report.parameters or {}).get("same_data_as")
    context = {
        "report": report,
        "same_data_as": next((v for v in versions if v.pk == same_as), None),
        "files": files,
        "versions": versions,
        "parts": parts,
        "stalled_message": STALLED_MESSAGE,
    }
    return render(request, "reporting/report_detail.html", context)


def _current_parts(report):
    """The formats of the report's current compile run, each with its state (written in parallel)."""
    if report.started_at is None:
        return []
    return list(report.parts.filter(claimed_at=report.started_at))


def report_status(request, pk):
    report = _visible_report(request, pk)
    return JsonResponse(
        {
            "status": report.status,
            "status_label": str(report.get_status_display()),
            "progress": report.progress,
            "error": str(STALLED_MESSAGE) if report.is_stalled else report.error,
            "finished": report.is_finished,
            "parts": [
                {
                    "format": p.format,
                    "label": str(p.get_format_display()),
                    "state": p.state,
                    "state_label": str(p.get_state_display()),
                }
                for p in _current_parts(report)
            ],
        }
    )


def report_download(request, pk, fmt):
    report = _visible_report(request, pk)
    if report.status != Report.Status.COMPLETE:
        raise Http404(_("This report has no files yet."))
    report_file = get_object_or_404(ReportFile, report=report, format=fmt)
    try:
        handle = open(reports.file_path(report_file), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError as exc:
        raise Http404(_("The file of this report is missing on the server.")) from exc
    return FileResponse(handle, as_attachment=True, filename=report_file.filename)


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    if not _may_compile_any(request.user):
        raise PermissionDenied(_("Your role does not compile reports."))
    initial = {"cycle": cycle.current_cycle()}
    form = ReportRequestForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = reports.request_report(user=request.user, **{k: v for k, v in data.items() if v is not None})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if not queue_compile(report.pk):
                messages.warning(request, QUEUED_MESSAGE)
            return redirect(report)
    return render(request, "reporting/report_new.html", {"form": form}, status=400 if form.errors else 200)
