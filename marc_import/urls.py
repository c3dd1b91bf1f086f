from django.urls import path

from marc_import import views

urlpatterns = [
    path("imports/", views.job_list, name="marc-import-web-jobs"),
    path("imports/<int:pk>/", views.job_detail, name="marc-import-web-job"),
    path("imports/<int:pk>/status", views.job_status, name="marc-import-web-job-status"),
    path("imports/quarantine/<int:pk>/raw", views.quarantined_raw, name="marc-import-web-raw"),
    path("imports/quarantine/<int:pk>/resubmit", views.resubmit, name="marc-import-web-resubmit"),
]
