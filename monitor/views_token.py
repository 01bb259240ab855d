"""/accounts/token/: a signed-in user creates, sees and revokes their own API token."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """The key is shown once, in the answer to "Create": afterwards only its creation and last use."""
    new_key = None
    if request.method == "POST":
        with transaction.atomic():
            Token.objects.filter(user=request.user).delete()  # revoke (and, for "create", replace)
            if request.POST.get("action") == "create":
                new_key = Token.objects.create(user=request.user).key
    token = Token.objects.filter(user=request.user).select_related("use").first()
    last_used = getattr(getattr(token, "use", None), "last_used_at", None) if token else None
    return render(request, "registration/api_token.html", {"token": token, "last_used": last_used, "new_key": new_key})
