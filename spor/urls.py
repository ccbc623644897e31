from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("spor.accounts.urls")),
    path("", include("spor.clients.urls")),
    path("", include("spor.treatment.urls")),
    path("", include("spor.measures.urls")),
    path("", include("spor.tracking.urls")),
    path("", include("spor.programmes.urls")),
    path("", include("spor.reports.urls")),
    path("", include("spor.public.urls")),
    path("", include("spor.operations.urls")),
    path("", include("spor.outbox.urls")),
]

handler403 = "spor.errors.permission_denied"
handler404 = "spor.errors.page_not_found"
handler500 = "spor.errors.server_error"
