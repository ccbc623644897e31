from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("spor.accounts.urls")),
    path("", include("spor.clients.urls")),
    path("", include("spor.treatment.urls")),
]
