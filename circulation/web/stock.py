"""Web pages of the circulation area "stock" (filled in by its views)."""

urlpatterns: list = []
