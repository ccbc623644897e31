from django.urls import path

from spor.outbox import views

urlpatterns = [
    path("clients/<uuid:client>/contact/", views.client_contact, name="client_contact"),
    path("relatives/<uuid:relative>/contact/", views.relative_contact,
         name="relative_contact"),
    path("programmes/participants/<uuid:participant>/contact/", views.participant_contact,
         name="participant_contact"),
    path("sessions/<uuid:session>/ratings/send/", views.send_rating, name="outbox_send"),
    path("outbox/templates/", views.templates, name="outbox_templates"),
    path("outbox/not-answered/", views.not_answered_page, name="outbox_not_answered"),
    path("outbox/sms/inbound/", views.sms_inbound, name="outbox_sms_inbound"),
    path("m/<str:token>/", views.open_link, name="outbox_open"),
    path("m/<str:token>/stop/", views.stop, name="outbox_stop"),
]
