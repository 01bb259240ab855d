"""`{% evidence_preview "objective" objective.number %}`: a short list of published evidence.

Any page can show the first records matching one filter of the shared FilterSet, with a link
to the full list (/evidence/?objective=13) that carries the same filter.
"""

from django import template
from django.http import QueryDict
from django.urls import reverse

from commitments.filters import filter_evidence

register = template.Library()


@register.inclusion_tag("commitments/_evidence_preview.html", takes_context=True)
def evidence_preview(context, name, value, limit=10):
    params = QueryDict(mutable=True)
    params[name] = str(value)
    request = context.get("request")
    _filterset, queryset = filter_evidence(params, getattr(request, "user", None))
    rows = list(queryset.select_related("member_state", "organisation", "primary_action")[: limit + 1])
    return {
        "records": rows[:limit],
        "more": len(rows) > limit,
        "see_all": f"{reverse('commitments:evidence_list')}?{params.urlencode()}",
        "request": request,
    }
