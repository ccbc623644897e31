from django.urls import include, path, re_path

from spor.tracking import views
from spor.tracking.api import api

api_patterns, _app, namespace = api.urls
for pattern in api_patterns:
    pattern.callback = views.json_errors(pattern.callback)

urlpatterns = [
    path("clients/<uuid:client>/diary/", views.diary, name="diary"),
    path("clients/<uuid:client>/pairing/", views.pairing, name="pairing"),
    path("devices/<uuid:device>/revoke/", views.revoke, name="device_revoke"),
    path("api/v1/docs", views.api_docs, name="api_docs"),
    path("api/v1/", include((api_patterns, "ninja"), namespace=namespace)),
    # Anything else under /api/ is answered in JSON too, never with an HTML page.
    re_path(r"^api/", views.not_found),
]
