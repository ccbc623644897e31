from django.urls import path

from spor.measures import views

urlpatterns = [
    path("sessions/<uuid:session>/ratings/", views.session_ratings, name="fit_session"),
    path("sessions/<uuid:session>/ratings/paper/", views.paper, name="fit_paper"),
    path("sessions/<uuid:session>/ratings/handover/", views.handover, name="fit_handover"),
    path("sessions/<uuid:session>/ratings/link/", views.link, name="fit_link"),
    path("courses/<uuid:course>/fit/", views.course_fit, name="fit_course"),
    path("courses/<uuid:course>/fit.pdf", views.course_fit_pdf, name="fit_course_pdf"),
    path("courses/<uuid:course>/fit/alarms/", views.course_alarms, name="fit_alarms"),
    path("fit/meeting/", views.meeting, name="fit_meeting"),
    path("fit/", views.overview, name="fit_overview"),
    path("fit/settings/", views.settings_page, name="fit_settings"),
    path("fit/settings/licence/", views.licence_new, name="fit_licence"),
    path("fit/settings/norms/<str:instrument>/", views.norms_edit, name="fit_norms"),
    path("fit/settings/alliance/<str:instrument>/", views.alliance_rule_edit,
         name="fit_alliance_rule"),
    path("fit/settings/expected/", views.expected_refit, name="fit_expected"),
    # The young person's or parent's rating: a token, never a client id.
    path("r/<str:token>/", views.rate, name="fit_rate"),
]
