"""/data/: download the open data package; the secretariat can rebuild it now."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commitments import permissions
from monitor.queue import BrokerUnavailable, enqueue

from . import opendata
from .tasks import build_open_data


def data_page(request):
    path = opendata.latest()
    info = None
    if path:
        stat = path.stat()
        info = {
            "size": stat.st_size,
            "built": datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC),
            "current": opendata.is_current(),
        }
        info["citation"] = opendata.citation(info["built"])["citation"]
    return render(
        request,
        "reporting/opendata.html",
        {"package": info, "can_rebuild": permissions.is_secretariat(request.user), "resources": opendata.RESOURCES},
    )


def data_download(request):
    path = opendata.latest()
    if path is None:
        raise Http404(_("The open data package has not been built yet."))
    return FileResponse(open(path, "rb"), as_attachment=True, filename=opendata.ZIP_NAME)  # noqa: SIM115


@require_POST
def data_rebuild(request):
    if not permissions.is_secretariat(request.user):
        raise PermissionDenied(_("Only the secretariat can rebuild the open data package."))
    try:
        enqueue(build_open_data)
    except BrokerUnavailable:
        messages.error(
            request, _("The task queue is not available right now, so the package was not rebuilt. Try again later.")
        )
    else:
        messages.success(request, _("The open data package is being rebuilt; reload this page in a minute."))
    return redirect("opendata:page")
