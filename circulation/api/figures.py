"""REST API of the circulation area "figures" (filled in by its views)."""

urlpatterns: list = []
