from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.lib.testing import PersonaTestCase


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


class LoginTests(PersonaTestCase):
    def post_login(self, username, password):
        return self.client.post(reverse("login"), {"username": username, "password": password})

    def test_it_logs_a_clinician_in_and_shows_the_caseload(self):
        response = self.post_login("alice", "alice-password-1")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertRedirects(self.client.get(reverse("home")), reverse("caseload"))

    def test_it_sends_each_role_to_its_own_start_page(self):
        for user, page in [(self.ali, "statistics"), (self.adam, "staff_list"),
                           (self.lene, "caseload")]:
            self.login(user)
            self.assertRedirects(self.client.get(reverse("home")), reverse(page),
                                 fetch_redirect_response=False)

    def test_it_stores_passwords_hashed_with_argon2_in_production(self):
        from django.conf import settings

        from spor import settings as production

        self.assertEqual(production.PASSWORD_HASHERS[0], "spor.accounts.hashers.Argon2Hasher")
        self.assertNotEqual(settings.PASSWORD_HASHERS, production.PASSWORD_HASHERS)

    def test_argon2_hashes_at_the_cost_of_the_settings_and_rehashes_older_ones(self):
        from django.contrib.auth.hashers import Argon2PasswordHasher, check_password

        from spor.accounts.hashers import Argon2Hasher

        hasher = Argon2Hasher()
        with self.settings(SPOR_ARGON2_TIME_COST=1, SPOR_ARGON2_MEMORY_KIB=8192,
                           SPOR_ARGON2_PARALLELISM=1,
                           PASSWORD_HASHERS=["spor.accounts.hashers.Argon2Hasher"]):
            encoded = hasher.encode("a-long-password", hasher.salt())
            self.assertIn("$m=8192,t=1,p=1$", encoded)
            self.assertTrue(check_password("a-long-password", encoded))
            self.assertFalse(check_password("another-password", encoded))
            older = Argon2PasswordHasher().encode("a-long-password", hasher.salt())
            self.assertTrue(hasher.must_update(older))
            self.assertFalse(hasher.must_update(encoded))

    def test_it_locks_an_account_after_repeated_failed_logins(self):
        for _ in range(5):
            self.post_login("alice", "wrong")
        response = self.post_login("alice", "alice-password-1")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "For mange mislykkede login", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_username_too_long_for_any_account_is_refused_before_any_attempt(self):
        from axes.models import AccessAttempt

        response = self.post_login("x" * 20_000, "wrong")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(AccessAttempt.objects.exists())  # PostgreSQL cannot store it

    def test_a_wrong_password_names_no_reason_beyond_the_pair(self):
        response = self.post_login("alice", "wrong")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)


@override_settings(SPOR_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)
class TwoFactorTests(PersonaTestCase):
    def test_a_clinician_without_a_device_must_set_one_up_first(self):
        self.client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
        self.assertRedirects(self.client.get(reverse("caseload")), reverse("otp_verify"),
                             fetch_redirect_response=False)
        self.assertRedirects(self.client.get(reverse("otp_verify")), reverse("otp_setup"))
        code = self.alice.new_enrolment_code()  # from a leader, see test_account_changes
        self.client.post(reverse("otp_setup"), {"code": code})
        page = self.client.get(reverse("otp_setup"))
        self.assertContains(page, "<svg")
        device = TOTPDevice.objects.get(user=self.alice, confirmed=False)
        wrong = self.client.post(reverse("otp_setup"), {"token": "000000"})
        self.assertContains(wrong, "Koden er ikke rigtig")
        response = self.client.post(reverse("otp_setup"), {"token": current_code(device)})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 200)

    def test_a_clinician_with_a_device_enters_the_code_at_each_login(self):
        device = TOTPDevice.objects.create(user=self.alice, name="phone", confirmed=True)
        self.client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
        self.assertRedirects(self.client.get(reverse("client_search")), reverse("otp_verify"),
                             fetch_redirect_response=False)
        self.assertContains(self.client.post(reverse("otp_verify"), {"token": "123"}),
                            "Koden er ikke rigtig")
        self.client.post(reverse("otp_verify"), {"token": current_code(device)})
        self.assertEqual(self.client.get(reverse("client_search")).status_code, 200)

    @override_settings(OTP_TOTP_THROTTLE_FACTOR=1)
    def test_guessing_codes_is_slowed_down(self):
        device = TOTPDevice.objects.create(user=self.alice, name="phone", confirmed=True)
        self.client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
        self.client.post(reverse("otp_verify"), {"token": "000001"})
        response = self.client.post(reverse("otp_verify"), {"token": current_code(device)})
        self.assertContains(response, "Vent et minut")
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 302)

    def test_an_analyst_who_never_sees_a_client_needs_no_second_factor(self):
        self.client.post(reverse("login"), {"username": "ali", "password": "ali-password-1"})
        self.assertEqual(self.client.get(reverse("statistics")).status_code, 200)


class StaffAdministrationTests(PersonaTestCase):
    def test_only_an_administrator_manages_staff(self):
        for user in (self.alice, self.lene, self.ali):
            self.login(user)
            self.assertEqual(self.client.get(reverse("staff_list")).status_code, 403)
        self.login(self.adam)
        self.assertContains(self.client.get(reverse("staff_list")), "alice")

    def test_an_administrator_creates_a_clinician_in_a_team(self):
        self.login(self.adam)
        response = self.client.post(reverse("staff_new"), {
            "username": "nina", "first_name": "Nina", "last_name": "Lund", "email": "",
            "role": "clinician", "teams": [self.team_a.pk], "is_active": "on",
            "password": "a-long-enough-secret"})
        self.assertRedirects(response, reverse("staff_list"))
        nina = self.service.staff.get(username="nina")
        self.assertEqual(list(nina.teams.all()), [self.team_a])
        self.assertTrue(nina.check_password("a-long-enough-secret"))

    def test_a_weak_password_is_refused_with_the_field_named(self):
        self.login(self.adam)
        response = self.client.post(reverse("staff_new"), {
            "username": "nina", "role": "clinician", "password": "short"})
        self.assertContains(response, 'href="#id_password"')
        self.assertFalse(self.service.staff.filter(username="nina").exists())

    def test_an_administrator_cannot_reach_staff_of_another_service(self):
        self.login(self.adam)
        url = reverse("staff_edit", args=[self.olga.uuid])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(reverse("staff_reset_2fa", args=[self.olga.uuid]))
                         .status_code, 404)

    def test_resetting_two_factor_removes_the_devices(self):
        TOTPDevice.objects.create(user=self.alice, name="phone", confirmed=True)
        self.login(self.adam)
        self.client.post(reverse("staff_reset_2fa", args=[self.alice.uuid]))
        self.assertFalse(TOTPDevice.objects.filter(user=self.alice).exists())

    def test_an_administrator_changes_the_service_rules_within_bounds(self):
        self.login(self.adam)
        data = {"name": "Helsingung", "municipality": "", "anonymous_session_limit": 6,
                "anonymous_age_limit": 25, "treatment_guarantee_days": 14,
                "day_team_capacity": 7, "parent_course_evenings": 4,
                "parent_followup_evenings": 1, "no_change_alarm_session": 4,
                "small_cell_threshold": 2, "request_retention_days": 30}
        response = self.client.post(reverse("service_edit"), data)
        self.assertContains(response, 'href="#id_small_cell_threshold"')
        data["small_cell_threshold"] = 5
        self.client.post(reverse("service_edit"), data)
        self.service.refresh_from_db()
        self.assertEqual(self.service.anonymous_session_limit, 6)

    def test_pages_of_logged_in_staff_are_never_cached(self):
        self.login(self.alice)
        response = self.client.get(reverse("caseload"))
        self.assertIn("no-store", response["Cache-Control"])
