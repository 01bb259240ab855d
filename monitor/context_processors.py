"""Template context every page needs: what the signed-in user can do, for the navigation."""

from django.utils.functional import SimpleLazyObject


def navigation(request):
    def records_for():
        from commitments.permissions import can_record_for

        return can_record_for(request.user)

    # Lazy: anonymous pages never touch the profile table.
    return {"records_for": SimpleLazyObject(records_for)}
