"""Web pages of the circulation area "readers" (filled in by its views)."""

urlpatterns: list = []
