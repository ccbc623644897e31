from django.contrib.auth import views as auth_views
from django.urls import path

from spor.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tablet/pin/", views.tablet_pin, name="tablet_pin"),
    path("tablet/unlock/", views.tablet_unlock, name="tablet_unlock"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_edit, name="staff_new"),
    path("staff/<uuid:staff>/", views.staff_edit, name="staff_edit"),
    path("staff/<uuid:staff>/reset-2fa/", views.staff_reset_2fa, name="staff_reset_2fa"),
    path("staff/<uuid:staff>/enrolment-code/", views.enrolment_code, name="enrolment_code"),
    path("staff/log/", views.account_log, name="account_log"),
    path("teams/new/", views.team_edit, name="team_new"),
    path("teams/<int:team>/", views.team_edit, name="team_edit"),
    path("service/", views.service_edit, name="service_edit"),
]
