from django.urls import path

from spor.clients import views

urlpatterns = [
    path("clients/", views.search, name="client_search"),
    path("clients/new/", views.new_identified, name="client_new"),
    path("clients/new/anonymous/", views.new_anonymous, name="client_new_anonymous"),
    path("clients/<uuid:client>/", views.detail, name="client_detail"),
    path("clients/<uuid:client>/edit/", views.edit, name="client_edit"),
    path("clients/<uuid:client>/convert/", views.convert, name="client_convert"),
    path("clients/<uuid:client>/cpr/", views.show_cpr, name="client_cpr"),
    path("clients/<uuid:client>/access-log.csv", views.access_log, name="client_access_log"),
    path("clients/<uuid:client>/relatives/new/", views.relative_new, name="relative_new"),
    path("relatives/<uuid:relative>/", views.relative_edit, name="relative_edit"),
    path("clients/<uuid:client>/consents/new/", views.consent_new, name="consent_new"),
    path("consents/<uuid:consent>/", views.consent_edit, name="consent_edit"),
]
