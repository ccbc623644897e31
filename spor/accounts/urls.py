from django.urls import path
from djangosaml2 import views as saml_views

from spor.accounts import oidc, saml, views

on = saml.when_enabled

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_page, name="logout"),
    # djangosaml2's views (they reverse these names); 404 where SAML is not set up.
    path("saml2/login/", on(saml_views.LoginView.as_view()), name="saml2_login"),
    path("saml2/acs/", on(saml.AssertionConsumer.as_view()), name="saml2_acs"),
    path("saml2/ls/", on(saml_views.LogoutView.as_view()), name="saml2_ls"),
    path("saml2/ls/post/", on(saml_views.LogoutView.as_view()), name="saml2_ls_post"),
    path("saml2/metadata/", on(saml_views.MetadataView.as_view()), name="saml2_metadata"),
    path("oidc/login/", oidc.login, name="oidc_login"),
    path("oidc/callback/", oidc.callback, name="oidc_callback"),
    path("staff/sso/", views.idp_roles, name="idp_roles"),
    path("staff/sso/<int:mapping>/delete/", views.idp_role_delete, name="idp_role_delete"),
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
