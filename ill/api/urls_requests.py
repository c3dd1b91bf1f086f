"""ILL API routes: requests, supplies, settings, figures, notices, a reader's own requests
(see ill/api/urls.py and ill/api/requests.py)."""

from django.urls import path

from ill.api import requests as views

LIB = "libraries/<str:code>/"

urlpatterns = [
    path(LIB + "requests/", views.RequestList.as_view(), name="ill-api-requests"),
    path(LIB + "requests/<str:number>/", views.RequestDetail.as_view(), name="ill-api-request"),
    path(LIB + "requests/<str:number>/<str:action>/", views.RequestAction.as_view(), name="ill-api-request-action"),
    path(LIB + "supplies/", views.SupplyList.as_view(), name="ill-api-supplies"),
    path(LIB + "supplies/pull-slips/", views.PullSlips.as_view(), name="ill-api-pull-slips"),
    path(LIB + "supplies/<str:number>/", views.SupplyDetail.as_view(), name="ill-api-supply"),
    path(LIB + "supplies/<str:number>/<str:action>/", views.SupplyAction.as_view(), name="ill-api-supply-action"),
    path(LIB + "ill-settings/", views.IllSettingsView.as_view(), name="ill-api-settings"),
    path(LIB + "ill-figures/", views.IllFigures.as_view(), name="ill-api-figures"),
    path("notifications/", views.NotificationList.as_view(), name="ill-api-notifications"),
    path("notifications/read/", views.NotificationsRead.as_view(), name="ill-api-notifications-read"),
    path("my/requests/", views.MyRequests.as_view(), name="ill-api-my-requests"),
    path("my/requests/<str:number>/cancel/", views.MyRequestCancel.as_view(), name="ill-api-my-request-cancel"),
]
