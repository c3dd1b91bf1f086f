"""ILL API routes: requests (see ill/api/urls.py)."""

urlpatterns: list = []
