from django.urls import path

from union.web import views

urlpatterns = [
    path("", views.search, name="union-search"),
    path("r/<str:urid>/", views.record, name="union-record"),
    path("r/<str:urid>/compare/", views.compare_versions, name="union-compare"),
    path("r/<str:urid>/<str:action>/", views.record_action, name="union-record-action"),
    path("review/", views.review_queue, name="union-reviews"),
    path("quality/", views.quality_report, name="union-quality"),
    path("export/", views.export_records, name="union-export"),
]
