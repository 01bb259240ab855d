"""CORS for the public API: any web page may read /api/v1/ anonymously, nothing more.

`Access-Control-Allow-Origin: *` never lets a browser send cookies (credentialed requests are
refused with a wildcard), and the preflight does not allow the Authorization header, so other
origins see exactly what an anonymous visitor sees and can write nothing. Pages of the site
itself carry no CORS header.
"""

from django.http import HttpResponse

API_PREFIX = "/api/v1/"
READ_METHODS = "GET, HEAD, OPTIONS"
# Headers a harvester may send (conditional requests) and read (caching, throttling).
ALLOW_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
EXPOSE_HEADERS = "ETag, Last-Modified, Retry-After, Content-Disposition"


class PublicAPICorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX) or "HTTP_ORIGIN" not in request.META:
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = READ_METHODS
            response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            if request.method not in ("GET", "HEAD"):
                return response
            response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        response["Access-Control-Allow-Origin"] = "*"
        return response
