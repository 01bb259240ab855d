"""The client's address for log-in throttling.

Behind the project's nginx (BEHIND_PROXY=true), REMOTE_ADDR is the proxy's own address, so
every client would share one lock-out counter; nginx sets X-Real-IP to the address it saw,
overwriting whatever the client sent, so that header is the one to trust there and only there.
"""

from django.conf import settings


def client_ip(request):
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")
