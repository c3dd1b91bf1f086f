from django.urls import path

from union.api import views

urlpatterns = [
    path("records/", views.RecordList.as_view(), name="union-api-records"),
    path("records/<str:urid>/", views.record_detail, name="union-api-record"),
    path("records/<str:urid>/why/", views.record_why, name="union-api-why"),
    path("records/<str:urid>/copy/", views.record_copy, name="union-api-copy"),
    path("records/<str:urid>/lock/", views.record_lock, name="union-api-lock"),
    path("records/<str:urid>/proposals/", views.record_proposals, name="union-api-proposals"),
    path("records/<str:urid>/versions/", views.record_versions, name="union-api-versions"),
    path("records/<str:urid>/versions/compare/", views.record_compare, name="union-api-compare"),
    path("records/<str:urid>/versions/<int:version>/restore/", views.record_restore, name="union-api-restore"),
    path("records/<str:urid>/split/", views.record_split, name="union-api-split"),
    path("records/<str:urid>/merge/", views.record_merge, name="union-api-merge"),
    path("records/<str:urid>/pin/", views.record_pin, name="union-api-pin"),
    path("proposals/<int:pk>/<str:action>/", views.proposal_decide, name="union-api-proposal-decide"),
    path("reviews/", views.ReviewList.as_view(), name="union-api-reviews"),
    path("reviews/<int:pk>/resolve/", views.review_resolve, name="union-api-review-resolve"),
    path("wrong-keys/", views.wrong_key, name="union-api-wrong-keys"),
    path("policy/", views.policy, name="union-api-policy"),
    path("export/", views.export_records, name="union-api-export"),
    path("quality/", views.quality_consortium, name="union-api-quality"),
    path("quality/<str:code>/", views.quality_library, name="union-api-quality-library"),
    path("members/<str:code>/<int:instance_id>/", views.holding_lookup, name="union-api-member"),
    path("members/<str:code>/<int:instance_id>/items/", views.add_item, name="union-api-add-item"),
]
