"""The browsable API under the site's Content-Security-Policy (kept apart from monitor/api_docs.py:
DRF imports its renderers while drf-spectacular's views are still being imported)."""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable pages carry a few style="" attributes (its own base template): allow those.
    Its inline <style> of pygments colours is left out (it only colours code samples)."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src-attr": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
