"""The API's rate limits, counted per client address as the log-in lock-out counts it.

DRF's own throttles take the client's address from X-Forwarded-For when no proxy count is set, so
a client that sent a different made-up address with each request was never limited. Here the
address is `monitor.client_ip.client_ip`: REMOTE_ADDR, or behind the project's nginx
(BEHIND_PROXY=true) the X-Real-IP header that nginx overwrites with the address it saw.
"""

from rest_framework import throttling

from .client_ip import client_ip

# A WSGI environ key the in-process pre-builder (reporting.prebuild) sets on its own requests. A
# server puts only HTTP_* keys there for what clients send, so no request from outside can carry it.
PREBUILD_ENVIRON = "gcm.prebuild"


class _ClientAddress:
    def get_ident(self, request):
        return client_ip(request) or ""

    def allow_request(self, request, view):
        if request._request.META.get(PREBUILD_ENVIRON) is True:
            return True  # the pre-builder's answers are for readers to come, not a client's reading
        return super().allow_request(request, view)


class AnonRateThrottle(_ClientAddress, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddress, throttling.UserRateThrottle):
    pass
