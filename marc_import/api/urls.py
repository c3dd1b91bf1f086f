from django.urls import path

from marc_import.api import views

urlpatterns = [
    path("imports/", views.ImportJobList.as_view(), name="marc-import-jobs"),
    path("imports/<int:pk>/", views.ImportJobDetail.as_view(), name="marc-import-job"),
    path("imports/<int:pk>/quarantine/", views.QuarantineList.as_view(), name="marc-import-quarantine"),
    path("imports/<int:pk>/quarantine.mrc", views.QuarantineDownload.as_view(), name="marc-import-quarantine-file"),
    path("imports/quarantine/<int:pk>/raw", views.QuarantinedRecordRaw.as_view(), name="marc-import-quarantined-raw"),
    path("imports/quarantine/<int:pk>/resubmit/", views.QuarantinedRecordResubmit.as_view(),
         name="marc-import-resubmit"),
    path("imports/export/instances/<int:pk>/", views.InstanceExport.as_view(), name="marc-import-export-instance"),
]
