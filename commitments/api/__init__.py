"""The REST surface of the commitments app, mounted at /api/v1/ by monitor/api_router.py."""
