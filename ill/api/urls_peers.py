"""ILL API routes: peers (see ill/api/urls.py)."""

from django.urls import path

from ill.api import peers

urlpatterns = [
    path("peers/", peers.PeerList.as_view(), name="ill-api-peers"),
    path("peers/<int:pk>/", peers.PeerDetail.as_view(), name="ill-api-peer"),
]
