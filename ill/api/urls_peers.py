"""ILL API routes: peers (see ill/api/urls.py)."""

urlpatterns: list = []
