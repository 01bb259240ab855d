"""Token authentication that remembers when each token was last used (shown to its owner)."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication

from commitments.models import ApiTokenUse

# A busy harvester sends many requests a minute: one write a minute per token is enough to say "last used".
LAST_USED_RESOLUTION = timedelta(minutes=1)


class RecordingTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        now = timezone.now()
        updated = ApiTokenUse.objects.filter(token=token, last_used_at__lt=now - LAST_USED_RESOLUTION).update(
            last_used_at=now
        )
        if not updated:
            ApiTokenUse.objects.get_or_create(token=token, defaults={"last_used_at": now})
        return user, token
