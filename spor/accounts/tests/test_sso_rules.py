"""The rules around sign-in through the identity provider that need no provider: the
mapping page, local passwords turned off with a break-glass administrator, and what a
password alone may reach. The flows themselves run in Chromium in test_sso."""

import datetime

from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from spor.accounts import sso
from spor.accounts.models import AccountEvent, IdpDevice, IdpRole, SignInRefusal, User
from spor.accounts.saml import privileges
from spor.accounts.tests.idp import privileges_xml
from spor.lib.testing import PersonaTestCase, make_user

R = SignInRefusal.Reason
ROLE = "http://spor.helsingor.dk/roles/jobrole/behandler/1"


class RoleMappingPageTests(PersonaTestCase):
    def test_an_administrator_maps_an_idp_role_to_a_role_and_a_team(self):
        self.login(self.adam)
        response = self.client.post(reverse("idp_roles"), {
            "name": f"  {ROLE} ", "role": User.Role.CLINICIAN, "teams": [self.team_a.pk]})
        self.assertRedirects(response, reverse("idp_roles"))
        mapping = IdpRole.objects.get()
        self.assertEqual((mapping.name, mapping.service, list(mapping.teams.all())),
                         (ROLE, self.service, [self.team_a]))
        self.assertContains(self.client.get(reverse("idp_roles")), ROLE)

    def test_the_page_lists_refused_sign_ins_of_this_service_and_of_none(self):
        SignInRefusal.objects.create(service=self.service, provider="https://idp.example/",
                                     name="Mette Munk", reason=R.NO_ROLE)
        SignInRefusal.objects.create(service=None, provider="https://idp.example/",
                                     reason=R.SIGNATURE)
        SignInRefusal.objects.create(service=self.other_service, provider="x",
                                     name="Otto Other", reason=R.NO_ROLE)
        self.login(self.adam)
        page = self.client.get(reverse("idp_roles"))
        self.assertContains(page, "Mette Munk")
        self.assertContains(page, "Signaturen er ikke rigtig")
        self.assertNotContains(page, "Otto Other")

    def test_a_team_of_another_service_is_refused_by_name(self):
        other_team = self.other_service.default_team()
        self.login(self.adam)
        response = self.client.post(reverse("idp_roles"), {
            "name": ROLE, "role": User.Role.CLINICIAN, "teams": [other_team.pk]})
        self.assertEqual(response.status_code, 200)
        self.assertIn("teams", response.context["form"].errors)
        self.assertFalse(IdpRole.objects.exists())

    def test_only_the_services_own_administrator_reaches_the_page_and_its_mappings(self):
        mapping = IdpRole.objects.create(service=self.service, name=ROLE, role="clinician")
        delete = reverse("idp_role_delete", args=[mapping.pk])
        self.login(self.lene)
        self.assertEqual(self.client.get(reverse("idp_roles")).status_code, 403)
        olga_admin = make_user(self.other_service, "otto", User.Role.ADMIN)
        self.login(olga_admin)
        self.assertEqual(self.client.post(delete).status_code, 404)
        self.login(self.adam)
        self.assertEqual(self.client.get(delete).status_code, 405)
        self.assertRedirects(self.client.post(delete), reverse("idp_roles"))
        self.assertFalse(IdpRole.objects.exists())

    def test_kombits_privilege_profile_and_plain_values_both_give_roles(self):
        self.assertEqual(privileges([privileges_xml([ROLE, "urn:x:leder"])]),
                         [ROLE, "urn:x:leder"])
        self.assertEqual(privileges(["spor-clinicians"]), ["spor-clinicians"])


@override_settings(SPOR_LOCAL_PASSWORDS=False, SPOR_BREAK_GLASS_USERS=["adam"],
                   SPOR_OIDC_ISSUER="https://login.example.dk")
class LocalPasswordsOffTests(PersonaTestCase):
    def post_login(self, username):
        return self.client.post(reverse("login"), {"username": username,
                                                   "password": f"{username}-password-1"})

    def test_a_clinician_is_told_to_use_the_identity_provider(self):
        response = self.post_login("alice")
        self.assertContains(response, "Lokale adgangskoder er slået fra her")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_break_glass_administrator_logs_in_and_the_others_see_it(self):
        response = self.post_login("adam")
        self.assertEqual(response.status_code, 302)
        use = AccountEvent.objects.get(what=AccountEvent.What.BREAK_GLASS)
        self.assertEqual((use.actor, use.member), (self.adam, self.adam))
        anna = make_user(self.service, "anna", User.Role.ADMIN)
        self.client.force_login(anna, backend="spor.accounts.sso.IdpBackend")
        with override_settings(SPOR_REQUIRE_2FA=False):
            page = self.client.get(reverse("staff_list"))
        self.assertContains(page, "Nødadgang: adam")
        self.client.force_login(self.adam, backend="spor.accounts.sso.IdpBackend")
        with override_settings(SPOR_REQUIRE_2FA=False):
            self.assertNotContains(self.client.get(reverse("staff_list")), "Nødadgang:")

    def test_a_password_login_with_passwords_on_is_no_break_glass_use(self):
        with override_settings(SPOR_LOCAL_PASSWORDS=True):
            self.post_login("adam")
        self.assertFalse(AccountEvent.objects.filter(what=AccountEvent.What.BREAK_GLASS))


@override_settings(SPOR_REQUIRE_2FA=True)
class PasswordAloneTests(PersonaTestCase):
    def test_an_idp_account_given_a_password_still_needs_a_code_it_cannot_have(self):
        mette = make_user(self.service, "mette", User.Role.CLINICIAN, [self.team_a])
        User.objects.filter(pk=mette.pk).update(idp_subject="https://idp.example/ 1")
        IdpDevice.objects.create(user=mette, name="idp", confirmed=True)
        self.client.post(reverse("login"), {"username": "mette",
                                            "password": "mette-password-1"})
        page = reverse("client_detail", args=[self.ida.pk])
        self.assertRedirects(self.client.get(page), reverse("otp_verify"))
        self.client.post(reverse("otp_verify"), {"token": "000000"})
        self.assertRedirects(self.client.get(page), reverse("otp_verify"))


class ConfigurationCheckTests(PersonaTestCase):
    def test_a_half_configured_provider_is_named_at_start(self):
        from spor.accounts.checks import check_sign_in_providers

        with override_settings(SPOR_SAML_IDP_METADATA="/nowhere/idp.xml",
                               SPOR_SAML_KEY_FILE="", SPOR_SAML_XMLSEC="/nowhere/xmlsec1",
                               SPOR_OIDC_ISSUER="https://login.example.dk",
                               SPOR_OIDC_CLIENT_SECRET=""):
            ids = sorted(p.id for p in check_sign_in_providers(None))
        self.assertEqual(ids, ["spor.E010", "spor.E011", "spor.E011", "spor.E012",
                               "spor.E013"])
        self.assertEqual(check_sign_in_providers(None), [])



class SignInRuleTests(PersonaTestCase):
    """sso.sign_in, which both protocols end in, after the provider's answer is checked."""

    def setUp(self):
        clinician = IdpRole.objects.create(service=self.service, name=ROLE,
                                           role=User.Role.CLINICIAN)
        clinician.teams.set([self.team_a])
        day = IdpRole.objects.create(service=self.service, name="dagteam",
                                     role=User.Role.TEACHER)
        day.teams.set([self.team_b])

    def sign_in(self, username="mms@helsingor.dk", roles=(ROLE,)):
        request = RequestFactory().get("/saml2/acs/")
        request.session = SessionStore()
        return sso.sign_in(request, provider="https://idp.example/", subject="s-1",
                           username=username, name="Mette Munk", email=username,
                           idp_roles=list(roles), method="saml")

    def refusal(self, **kwargs):
        with self.assertRaises(sso.Refused) as refused:
            self.sign_in(**kwargs)
        return refused.exception.reason

    def test_several_roles_give_the_one_that_sees_most_and_all_their_teams(self):
        mette = self.sign_in(roles=["dagteam", ROLE])
        self.assertEqual(mette.role, User.Role.CLINICIAN)
        self.assertEqual(set(mette.teams.all()), {self.team_a, self.team_b})

    def test_a_local_account_with_the_same_name_is_not_taken_over(self):
        self.assertEqual(self.refusal(username="ALICE"), R.NAME_TAKEN)
        self.assertIsNone(User.objects.get(pk=self.alice.pk).idp_subject)

    def test_a_closed_account_stays_closed(self):
        mette = self.sign_in()
        User.objects.filter(pk=mette.pk).update(is_active=False)
        self.assertEqual(self.refusal(), R.INACTIVE)

    def test_a_mapping_removed_in_spor_refuses_the_next_sign_in(self):
        self.sign_in()
        IdpRole.objects.filter(name=ROLE).delete()
        self.assertEqual(self.refusal(), R.NO_ROLE)


class RefusalRetentionTests(PersonaTestCase):
    def test_refusals_past_the_retention_are_deleted_and_newer_ones_kept(self):
        from spor.operations.jobs import jobs

        old, new = (SignInRefusal.objects.create(provider="https://idp.example", name=name,
                                                 reason=SignInRefusal.Reason.NO_ROLE)
                    for name in ("Old", "New"))
        SignInRefusal.objects.filter(pk=old.pk).update(
            at=timezone.now() - datetime.timedelta(days=91))
        SignInRefusal.objects.filter(pk=new.pk).update(
            at=timezone.now() - datetime.timedelta(days=89))
        self.assertIn("Deleted 1 ", jobs()["sign_in_refusals"].run())
        self.assertEqual(list(SignInRefusal.objects.values_list("name", flat=True)), ["New"])
