"""ILL web pages: requests (see ill/web/urls.py).

Readers: the request form reached from the OPAC and "my requests". A library's ILL staff: the
borrowing queue and its requests, the lending queue and its supplies, pull slips and the scan
page, the figures; its administrator: the ILL settings.
"""

from django.urls import path

from ill.web import borrowing, lending, library, reader

urlpatterns = [
    path("request/<str:urid>/", reader.request_form, name="ill-request-form"),
    path("my/", reader.my_requests, name="ill-my-requests"),
    path("my/<int:pk>/cancel/", reader.my_cancel, name="ill-my-cancel"),
    path("my/notices/read/", reader.my_notices_read, name="ill-my-notices-read"),
    path("lib/<str:code>/", borrowing.queue, name="ill-borrowing"),
    path("lib/<str:code>/request/<str:urid>/", borrowing.place_for_reader, name="ill-staff-request-form"),
    path("lib/<str:code>/requests/<int:pk>/", borrowing.detail, name="ill-request-detail"),
    path("lib/<str:code>/requests/<int:pk>/act/", borrowing.act, name="ill-request-act"),
    path("lib/<str:code>/requests/<int:pk>/offer-to-peer/", borrowing.offer_to_peer, name="ill-request-offer-peer"),
    path("lib/<str:code>/messages/<int:pk>/", borrowing.message_xml, name="ill-message-xml"),
    path("lib/<str:code>/lending/", lending.queue, name="ill-lending"),
    path("lib/<str:code>/lending/pull-slips/", lending.pull_slips, name="ill-pull-slips"),
    path("lib/<str:code>/lending/scan/", lending.scan_page, name="ill-lending-scan"),
    path("lib/<str:code>/lending/<int:pk>/", lending.detail, name="ill-supply-detail"),
    path("lib/<str:code>/lending/<int:pk>/answer/", lending.answer, name="ill-supply-answer"),
    path("lib/<str:code>/lending/<int:pk>/act/", lending.act, name="ill-supply-act"),
    path("lib/<str:code>/settings/", library.settings_page, name="ill-settings"),
    path("lib/<str:code>/figures/", library.figures_page, name="ill-figures"),
]
