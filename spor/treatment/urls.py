from django.urls import path

from spor.treatment import views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("clients/<uuid:client>/courses/new/", views.course_new, name="course_new"),
    path("courses/<uuid:course>/", views.course_detail, name="course_detail"),
    path("courses/<uuid:course>/edit/", views.course_edit, name="course_edit"),
    path("courses/<uuid:course>/decision/", views.decision, name="course_decision"),
    path("courses/<uuid:course>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<uuid:session>/", views.session_edit, name="session_edit"),
    path("courses/<uuid:course>/goals/new/", views.goal_new, name="goal_new"),
    path("goals/<uuid:goal>/", views.goal_edit, name="goal_edit"),
    path("courses/<uuid:course>/followups/new/", views.followup_new, name="followup_new"),
    path("followups/<uuid:followup>/", views.followup_edit, name="followup_edit"),
]
