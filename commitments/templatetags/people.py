"""`{{ evidence.submitted_by|person }}`: a person's name, or a plain word when the account is gone.

Every user reference on a record (creator, submitter, validator, uploader, actor of a history
step, report requester) is SET_NULL when the account is deleted, and demo or imported rows may
have none. Templates must never reach through such a reference (`x.submitted_by.username` in a
filter argument raises instead of rendering blank), so they name people through this filter.
"""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def person(user, empty=None):
    """Full name, else user name; `empty` (default "a deleted account") when there is nobody."""
    # A lookup that failed upstream (`event.actor` with no event) arrives as "" (string_if_invalid).
    if not hasattr(user, "get_username"):
        return _("a deleted account") if empty is None else empty
    return user.get_full_name() or user.get_username()
