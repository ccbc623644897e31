"""Two-factor login cannot be got around through someone else's account.

An administrator who sets a leader's password and resets the leader's second factor must
not be able to log in as the leader and pair a phone: the enrolment code has to come
from another person, every change needs the changer's own fresh code, and each one is in
the account audit trail (never the secret)."""

import datetime

import time_machine
from django.core.management import call_command
from django.test import Client as WebClient
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.accounts.models import AccountEvent
from spor.accounts.tests.test_login import current_code
from spor.lib.testing import PersonaTestCase

W = AccountEvent.What
NEW_PASSWORD = "leaders-new-secret-99"  # noqa: S105 (a test password)


@override_settings(SPOR_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)
class AccountChangeTests(PersonaTestCase):
    def setUp(self):
        self.phones = {u.username: TOTPDevice.objects.create(user=u, name="phone",
                                                             confirmed=True)
                       for u in (self.adam, self.lene, self.alice, self.tina)}

    def verified(self, user, client=None):
        """A browser session of `user` after password and code (as django-otp keeps it)."""
        client = client or self.client
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = self.phones[user.username].persistent_id
        session.save()
        return client

    def own_code(self, user):
        return current_code(self.phones[user.username])

    def staff_data(self, member, **changes):
        return {"username": member.username, "first_name": member.first_name,
                "last_name": member.last_name, "email": "", "role": member.role,
                "teams": [t.pk for t in member.teams.all()], "is_active": "on", **changes}

    def test_an_administrator_logs_in_with_a_second_factor(self):
        self.client.post(reverse("login"), {"username": "adam", "password": "adam-password-1"})
        self.assertRedirects(self.client.get(reverse("staff_list")), reverse("otp_verify"),
                             fetch_redirect_response=False)
        self.assertRedirects(self.client.get(reverse("staff_edit", args=[self.lene.uuid])),
                             reverse("otp_verify"), fetch_redirect_response=False)

    def test_setting_a_password_needs_the_administrators_own_fresh_code(self):
        self.verified(self.adam)
        url = reverse("staff_edit", args=[self.lene.uuid])
        response = self.client.post(url, self.staff_data(self.lene, password=NEW_PASSWORD))
        self.assertContains(response, 'href="#id_own_code"')
        self.lene.refresh_from_db()
        self.assertFalse(self.lene.check_password(NEW_PASSWORD))
        self.client.post(url, self.staff_data(self.lene, password=NEW_PASSWORD,
                                              own_code=self.own_code(self.adam)))
        self.lene.refresh_from_db()
        self.assertTrue(self.lene.check_password(NEW_PASSWORD))
        self.assertEqual(self.lene.credentials_set_by, self.adam)
        event = AccountEvent.objects.get(what=W.PASSWORD_SET)
        self.assertEqual((event.actor, event.member), (self.adam, self.lene))

    def test_resetting_a_second_factor_needs_the_administrators_own_fresh_code(self):
        self.verified(self.adam)
        url = reverse("staff_reset_2fa", args=[self.lene.uuid])
        self.assertContains(self.client.post(url, {"own_code": "000000"}),
                            'href="#id_own_code"')
        self.assertTrue(TOTPDevice.objects.filter(user=self.lene).exists())
        self.client.post(url, {"own_code": self.own_code(self.adam)})
        self.assertFalse(TOTPDevice.objects.filter(user=self.lene).exists())
        event = AccountEvent.objects.get(what=W.SECOND_FACTOR_RESET)
        self.assertEqual((event.actor, event.member), (self.adam, self.lene))

    def test_the_administrator_cannot_finish_the_enrolment_alone(self):
        # The administrator sets the leader's password and resets her second factor ...
        self.verified(self.adam)
        self.client.post(reverse("staff_edit", args=[self.lene.uuid]),
                         self.staff_data(self.lene, password=NEW_PASSWORD,
                                         own_code=self.own_code(self.adam)))
        with time_machine.travel(datetime.timedelta(seconds=31)):
            self.client.post(reverse("staff_reset_2fa", args=[self.lene.uuid]),
                             {"own_code": self.own_code(self.adam)})
        self.assertFalse(TOTPDevice.objects.filter(user=self.lene).exists())
        # ... may not make her enrolment code ...
        code_url = reverse("enrolment_code", args=[self.lene.uuid])
        self.assertEqual(self.client.get(code_url).status_code, 403)
        self.assertEqual(self.client.post(code_url, {"own_code": "1"}).status_code, 403)
        # ... and logged in with her password meets a page that asks for that code.
        as_lene = WebClient()
        as_lene.post(reverse("login"), {"username": "lene", "password": NEW_PASSWORD})
        self.assertRedirects(as_lene.get(reverse("client_detail", args=[self.ida.pk])),
                             reverse("otp_verify"), fetch_redirect_response=False)
        setup = as_lene.get(reverse("otp_setup"))
        self.assertNotContains(setup, "<svg")
        self.assertNotContains(setup, "secret")
        self.assertContains(as_lene.post(reverse("otp_setup"), {"code": "ABC-DEF-123"}),
                            'href="#id_code"')
        self.assertFalse(TOTPDevice.objects.filter(user=self.lene).exists())
        self.assertNotContains(as_lene.get(reverse("caseload"), follow=True), "Hansen")

    def test_a_leader_gives_the_enrolment_code_and_the_member_pairs_a_phone(self):
        self.verified(self.adam)
        self.client.post(reverse("staff_reset_2fa", args=[self.alice.uuid]),
                         {"own_code": self.own_code(self.adam)})
        leader = self.verified(self.lene, WebClient())
        url = reverse("enrolment_code", args=[self.alice.uuid])
        self.assertContains(leader.post(url, {"own_code": "000000"}), 'href="#id_own_code"')
        page = leader.post(url, {"own_code": self.own_code(self.lene)})
        code = page.context["code"]
        self.assertContains(page, code)

        as_alice = WebClient()
        as_alice.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
        self.assertRedirects(as_alice.post(reverse("otp_setup"), {"code": code.lower()}),
                             reverse("otp_setup"))
        self.assertContains(as_alice.get(reverse("otp_setup")), "<svg")
        device = TOTPDevice.objects.get(user=self.alice, confirmed=False)
        as_alice.post(reverse("otp_setup"), {"token": current_code(device)})
        self.assertEqual(as_alice.get(reverse("caseload")).status_code, 200)

        # The code worked once; the trail names who did what to whom, never a secret.
        again = WebClient()
        again.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
        self.assertRedirects(again.get(reverse("otp_setup")), reverse("otp_verify"))
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.use_enrolment_code(code))
        trail = [(e.actor_name, e.member_name, e.what) for e in
                 AccountEvent.objects.order_by("pk")]
        self.assertEqual(trail, [("adam", "alice", W.SECOND_FACTOR_RESET),
                                 ("lene", "alice", W.ENROLMENT_CODE),
                                 ("alice", "alice", W.ENROLLED)])
        for event in AccountEvent.objects.values():
            self.assertNotIn(code, str(event))

    def test_an_enrolment_code_expires(self):
        TOTPDevice.objects.filter(user=self.alice).delete()
        code = self.alice.new_enrolment_code()
        with time_machine.travel(datetime.timedelta(hours=73)):
            self.assertFalse(self.alice.use_enrolment_code(code))

    def test_guessing_enrolment_codes_is_stopped(self):
        TOTPDevice.objects.filter(user=self.alice).delete()
        code = self.alice.new_enrolment_code()
        self.client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
        for _ in range(5):
            self.client.post(reverse("otp_setup"), {"code": "AAA-BBB-CCC"})
        self.assertContains(self.client.post(reverse("otp_setup"), {"code": code}),
                            "Vent et minut")

    def test_admins_and_leaders_read_the_trail_and_others_do_not(self):
        AccountEvent.write(self.adam, self.alice, W.PASSWORD_SET)
        for user in (self.alice, self.tina):
            self.assertEqual(self.verified(user).get(reverse("account_log")).status_code, 403)
        for user in (self.ali,):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("account_log")).status_code, 403)
        for user in (self.adam, self.lene):
            page = self.verified(user).get(reverse("account_log"))
            self.assertContains(page, "Adgangskode sat")
            self.assertContains(page, "alice")

    def test_the_operator_prints_the_first_administrators_code(self):
        import io

        TOTPDevice.objects.filter(user=self.adam).delete()
        out = io.StringIO()
        call_command("enrolment_code", "adam", stdout=out)
        code = out.getvalue().split()[0]
        self.assertTrue(self.adam.__class__.objects.get(pk=self.adam.pk).use_enrolment_code(code))
        self.assertEqual(AccountEvent.objects.get().what, W.ENROLMENT_CODE)
