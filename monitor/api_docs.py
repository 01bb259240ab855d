"""The API's interactive documentation (Swagger UI, ReDoc) and browsable pages under the site's CSP.

Both UIs come from drf-spectacular-sidecar's static files. Swagger UI's start-up script is served
as a file of its own (drf-spectacular's split view), and both pages use the templates in
monitor/templates/api_docs/, without inline script or style and without web fonts from outside
(drf-spectacular's ReDoc page loads Google Fonts). ReDoc and the browsable API still write
styles of their own at run time, so their pages alone allow inline styles (never scripts);
the browsable API's renderer is in monitor/api_renderers.py.
"""

from csp.constants import SELF, UNSAFE_INLINE
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


class RedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # ReDoc (styled-components) inserts <style> elements; its search index runs in a blob: worker.
        # Replaced, not added to: next to the site's hashes 'unsafe-inline' would be ignored.
        response._csp_replace = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}
        return response
