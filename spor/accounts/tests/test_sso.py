"""Sign-in through a real SAML identity provider (pysaml2's IdP, real signed and encrypted
assertions, keys made for the run) and a real OpenID Connect provider, driven in
Chromium through the whole flow: mapped roles, just-in-time accounts, refusals."""

import shutil
import tempfile
import time
from pathlib import Path

from django.test import override_settings
from django.urls import reverse
from saml2.metadata import entity_descriptor

from spor.accounts import saml
from spor.accounts.models import AccountEvent, IdpRole, SignInRefusal, User
from spor.accounts.tests.idp import OIO, PRIVILEGES, OidcProvider, SamlIdp, keypair
from spor.accounts.tests.idp import privileges_xml as bpp
from spor.audit.models import AccessLog
from spor.lib.testing import BrowserTestCase, Personas

CLINICIAN_ROLE = "http://spor.helsingor.dk/roles/jobrole/behandler/1"
LEADER_ROLE = "http://spor.helsingor.dk/roles/jobrole/leder/1"
R = SignInRefusal.Reason


def mette(roles=(CLINICIAN_ROLE,), subject="5f6b0c52-8d61-4d2e-9a39-0d0cb8d5a001"):
    """A clinician as KOMBIT's Context Handler describes her (OIOSAML 3.0)."""
    return {OIO + "professional/uuid/persistent": [subject],
            OIO + "fullName": ["Mette Munk Sørensen"],
            OIO + "email": ["mms@helsingor.dk"],
            "https://data.gov.dk/model/core/specVersion": ["OIO-SAML-3.0"],
            PRIVILEGES: [bpp(list(roles))]}


class SsoTestCase(Personas, BrowserTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp())
        cls.idp = SamlIdp(cls.folder)
        cls.oidc = OidcProvider()
        key, cert = keypair(cls.folder, "sp")
        cls.idp.sp_cert = cert
        cls.idp.sp_logout_url = cls.live_server_url + reverse("saml2_ls")
        sp = {"SPOR_BASE_URL": cls.live_server_url, "SPOR_SAML_KEY_FILE": key,
              "SPOR_SAML_CERT_FILE": cert}
        with override_settings(**sp):
            sp_metadata = cls.folder / "sp-metadata.xml"
            sp_metadata.write_text(str(entity_descriptor(saml.sp_config())))
        cls.settings = override_settings(
            **sp, SPOR_SAML_IDP_METADATA=cls.idp.start(str(sp_metadata)),
            SPOR_SAML_IDP_LABEL="KOMBIT", SPOR_OIDC_ISSUER=cls.oidc.url,
            SPOR_OIDC_CLIENT_ID="spor", SPOR_OIDC_CLIENT_SECRET="s3cret-for-tests",
            SPOR_OIDC_LABEL="Entra ID", SPOR_SSO_ROLE_CONTACT="IT-support, tlf. 4928 2000",
            SPOR_REQUIRE_2FA=True)
        cls.settings.enable()

    @classmethod
    def tearDownClass(cls):
        cls.settings.disable()
        cls.idp.stop()
        cls.oidc.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        type(self).setUpTestData()
        self.idp.reset()
        self.idp.person = mette()
        clinician = IdpRole.objects.create(service=self.service, name=CLINICIAN_ROLE,
                                           role=User.Role.CLINICIAN)
        clinician.teams.set([self.team_a])
        IdpRole.objects.create(service=self.service, name=LEADER_ROLE, role=User.Role.LEADER)

    def saml_sign_in(self):
        self.visit(reverse("login"))
        self.page.click(".sso a[href*=saml2]")
        self.page.click("#continue")  # the IdP's page posts the answer back to Spor
        self.page.wait_for_load_state()

    def refused(self, reason, signed_in_before=False):
        text = self.page.locator(f".refusal[data-reason={reason}]").inner_text()
        row = SignInRefusal.objects.get()
        self.assertEqual(row.reason, reason)
        self.assertEqual(User.objects.filter(idp_subject__isnull=False).exists(),
                         signed_in_before)
        return text, row


class SamlSignInTests(SsoTestCase):
    def test_mette_signs_in_with_kombit_and_gets_her_mapped_role_just_in_time(self):
        self.saml_sign_in()
        self.assertIn(reverse("caseload"), self.page.url)
        mette_ = User.objects.get(idp_subject__startswith=self.idp.entity_id)
        self.assertEqual((mette_.username, mette_.first_name, mette_.last_name, mette_.role),
                         ("mms@helsingor.dk", "Mette Munk", "Sørensen", User.Role.CLINICIAN))
        self.assertEqual(list(mette_.teams.all()), [self.team_a])
        self.assertFalse(mette_.has_usable_password())
        self.assertEqual(AccountEvent.objects.get(member=mette_).what, AccountEvent.What.CREATED)
        # The sign-in at "Substantial" is her second factor: Ida's page opens at once, and
        # the access log names her as the identity provider does.
        self.visit(reverse("client_detail", args=[self.ida.pk]))
        self.assertIn("Ida", self.page.content())
        self.assertEqual(AccessLog.objects.filter(client=self.ida).first().username,
                         "mms@helsingor.dk")

    def test_a_role_given_or_taken_at_the_idp_changes_spor_at_the_next_sign_in(self):
        self.idp.person = mette(roles=[CLINICIAN_ROLE, LEADER_ROLE])
        self.saml_sign_in()
        member = User.objects.get(username="mms@helsingor.dk")
        self.assertEqual(member.role, User.Role.LEADER)
        self.page.get_by_role("button", name="Log ud").click()
        self.page.wait_for_url("**" + reverse("login"))
        self.assertEqual(self.idp.logouts, 1)  # single logout went through the IdP

        self.idp.person = mette(roles=[CLINICIAN_ROLE])
        self.saml_sign_in()
        member.refresh_from_db()
        self.assertEqual(member.role, User.Role.CLINICIAN)
        self.assertIn("role: leader → clinician",
                      AccountEvent.objects.filter(member=member).first().detail)

    def test_a_logout_at_the_idp_ends_the_spor_session_too(self):
        self.saml_sign_in()
        self.assertIn(reverse("caseload"), self.page.url)
        self.page.goto(self.idp.url + "/logout-everywhere")
        self.assertIn("Logget ud", self.page.content())
        self.visit(reverse("caseload"))
        self.assertIn(reverse("login"), self.page.url)

    def test_a_sign_in_without_a_mapped_role_says_whom_to_ask(self):
        self.idp.person = mette(roles=["http://spor.helsingor.dk/roles/jobrole/kantine/1"])
        self.saml_sign_in()
        text, row = self.refused(R.NO_ROLE)
        self.assertIn("IT-support, tlf. 4928 2000", text)
        self.assertEqual(row.name, "Mette Munk Sørensen")
        self.assertFalse(User.objects.filter(username="mms@helsingor.dk").exists())

    def test_a_sign_in_below_substantial_is_refused(self):
        self.idp.loa = "Low"
        self.saml_sign_in()
        text, _row = self.refused(R.ASSURANCE)
        self.assertIn("Substantial", text)

    def test_an_assertion_signed_with_an_unknown_key_is_refused(self):
        self.idp.signer = self.idp.other_server("forger")
        self.saml_sign_in()
        self.refused(R.SIGNATURE)

    def test_an_answer_from_an_unknown_idp_is_refused(self):
        self.idp.signer = self.idp.other_server("stranger", "https://idp.example.org/")
        self.saml_sign_in()
        self.refused(R.UNKNOWN_IDP)

    @override_settings(SPOR_SAML_CLOCK_SKEW_SECONDS=0)
    def test_an_expired_assertion_is_refused(self):
        self.idp.lifetime = {"seconds": 1}
        self.visit(reverse("login"))
        self.page.click(".sso a[href*=saml2]")
        time.sleep(2)  # the IdP's answer waits past its lifetime before it is posted
        self.page.click("#continue")
        self.page.wait_for_load_state()
        self.refused(R.EXPIRED)

    def test_an_assertion_for_another_service_is_refused(self):
        self.idp.audience = self.idp.OTHER_SP
        self.saml_sign_in()
        self.refused(R.AUDIENCE)

    def test_an_unencrypted_assertion_is_refused(self):
        self.idp.encrypt = False
        self.saml_sign_in()
        self.refused(R.NOT_ENCRYPTED)

    def test_a_replayed_assertion_is_refused(self):
        self.saml_sign_in()
        self.assertIn(reverse("caseload"), self.page.url)
        self.context.clear_cookies()
        self.page.goto(self.idp.url + "/replay")
        self.page.click("#continue")
        self.page.wait_for_load_state()
        self.refused(R.REPLAYED, signed_in_before=True)

    def test_the_metadata_offers_signed_requests_and_an_encryption_key(self):
        xml = self.page.request.get(self.live_server_url + reverse("saml2_metadata")).text()
        self.assertIn('AuthnRequestsSigned="true"', xml)
        self.assertIn('WantAssertionsSigned="true"', xml)
        self.assertIn('use="encryption"', xml)
        self.assertIn(reverse("saml2_acs"), xml)


class OidcSignInTests(SsoTestCase):
    def setUp(self):
        super().setUp()
        self.oidc.tamper = self.oidc.wrong_nonce = False
        self.oidc.person = {"sub": "00u1entra", "name": "Mette Munk Sørensen",
                            "preferred_username": "mms@helsingor.dk",
                            "email": "mms@helsingor.dk", "amr": ["pwd", "mfa"],
                            "roles": [CLINICIAN_ROLE]}

    def oidc_sign_in(self):
        self.visit(reverse("login"))
        self.page.click(".sso a[href*=oidc]")
        self.page.wait_for_load_state()

    def test_logging_out_logs_out_at_the_oidc_provider_too(self):
        self.oidc_sign_in()
        self.assertIn(reverse("caseload"), self.page.url)
        self.page.get_by_role("button", name="Log ud").click()
        self.page.wait_for_url("**" + reverse("login"))
        self.assertEqual([(q["client_id"], q["post_logout_redirect_uri"])
                          for q in self.oidc.logouts],
                         [("spor", self.live_server_url + reverse("login"))])
        self.visit(reverse("caseload"))
        self.assertIn(reverse("login"), self.page.url)

    def test_mette_signs_in_with_the_code_flow_and_pkce(self):
        self.oidc_sign_in()
        self.assertIn(reverse("caseload"), self.page.url)
        member = User.objects.get(idp_subject=f"{self.oidc.url} 00u1entra")
        self.assertEqual((member.role, list(member.teams.all())),
                         (User.Role.CLINICIAN, [self.team_a]))
        self.assertTrue(self.oidc.seen_challenges)
        self.visit(reverse("client_detail", args=[self.ida.pk]))
        self.assertEqual(AccessLog.objects.filter(client=self.ida).first().username,
                         "mms@helsingor.dk")

    def test_a_tampered_id_token_is_refused(self):
        self.oidc.tamper = True
        self.oidc_sign_in()
        self.refused(R.TOKEN)

    def test_an_id_token_for_another_sign_in_is_refused(self):
        self.oidc.wrong_nonce = True
        self.oidc_sign_in()
        self.refused(R.NONCE)

    def test_a_sign_in_without_a_second_factor_is_refused(self):
        self.oidc.person["amr"] = ["pwd"]
        self.oidc_sign_in()
        self.refused(R.ASSURANCE)

    def test_a_group_without_a_mapping_is_refused(self):
        self.oidc.person["roles"] = ["Everyone"]
        self.oidc_sign_in()
        self.refused(R.NO_ROLE)
