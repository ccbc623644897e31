"""The app API as an app developer meets it: pairing, uploads, corrections, errors."""

import datetime
import uuid
import zoneinfo

import time_machine
from django.core.cache import cache
from django.test import override_settings

from spor.audit.models import AccessLog
from spor.lib.testing import PersonaTestCase
from spor.measures.models import Rating
from spor.tracking.models import Device, DiaryEntry, PairingCode, Source
from spor.tracking.testing import ApiCalls, paired_device_for

NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Copenhagen"))


def entry(**fields):
    return {"id": str(uuid.uuid4()), "date": "2026-03-10", "substance": "cannabis",
            "answer": "used", "amount": 1.5, "unit": "gram", **fields}


@time_machine.travel(NOW, tick=False)
class PairingTests(ApiCalls, PersonaTestCase):
    def setUp(self):
        cache.clear()

    def pair(self, code, name="Hashtrack, iPhone"):
        return self.call("post", "/pairing", {"code": code, "device_name": name}, token="")

    def test_the_app_exchanges_a_fresh_code_for_a_token_scoped_to_one_young_person(self):
        row, code = PairingCode.make(self.ida, self.alice)
        response = self.pair(PairingCode.shown(code).lower())
        self.assertEqual(response.status_code, 201)
        token = response.json()["token"]
        device = Device.objects.get(pk=response.json()["device_id"])
        self.assertEqual((device.client, device.name, device.paired_by),
                         (self.ida, "Hashtrack, iPhone", self.alice))
        self.assertNotIn(token, device.token_hash)  # only the hash is stored
        self.assertEqual(Device.for_token(token), device)
        self.assertTrue(AccessLog.objects.filter(client=self.ida, purpose="app",
                                                 what="App paired").exists())

    def test_a_code_works_once(self):
        _row, code = PairingCode.make(self.ida, self.alice)
        self.assertEqual(self.pair(code).status_code, 201)
        response = self.pair(code)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["errors"][0]["field"], "code")
        self.assertEqual(Device.objects.count(), 1)

    def test_a_code_expires_after_fifteen_minutes(self):
        _row, code = PairingCode.make(self.ida, self.alice)
        with time_machine.travel(NOW + datetime.timedelta(minutes=16), tick=False):
            response = self.pair(code)
        self.assertEqual(response.status_code, 404)
        self.assertIn("expired", response.json()["message"])

    def test_guessing_codes_is_stopped_by_a_rate_limit(self):
        with self.settings(SPOR_API_PAIRINGS_PER_MINUTE=3):
            statuses = [self.pair(f"AAAA-AAA{n}").status_code for n in range(2, 6)]
        self.assertEqual(statuses, [404, 404, 404, 429])

    def test_a_pairing_request_with_unknown_fields_or_no_name_is_refused(self):
        _row, code = PairingCode.make(self.ida, self.alice)
        response = self.call("post", "/pairing", {"code": code, "device_name": "x",
                                                  "client": str(self.dan.pk)}, token="")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"][0], {"field": "client",
                                                        "message": "unknown field"})
        response = self.call("post", "/pairing", {"code": code}, token="")
        self.assertEqual(response.json()["errors"][0]["field"], "device_name")
        self.assertFalse(Device.objects.exists())


@time_machine.travel(NOW, tick=False)
class UploadTests(ApiCalls, PersonaTestCase):
    def setUp(self):
        cache.clear()
        self.device, self.token = paired_device_for(self.ida)

    def upload(self, *entries, token=None):
        return self.call("post", "/entries", {"entries": list(entries)}, token=token)

    def test_a_batch_is_stored_for_the_young_person_of_the_token(self):
        response = self.upload(entry(), entry(date="2026-03-11", answer="not_used",
                                              amount=None, unit=None),
                               entry(date="2026-03-12", substance="alcohol", amount=4,
                                     unit="standard_drink", note="fest"))
        self.assertEqual(response.json(), {"created": 3, "unchanged": 0})
        stored = DiaryEntry.objects.filter(client=self.ida, source=Source.APP,
                                           device=self.device)
        self.assertEqual(sorted(str(e.amount) for e in stored if e.amount),
                         ["1.50", "4.00"])
        self.assertEqual(stored.get(answer="not_used").amount, None)
        self.device.refresh_from_db()
        self.assertEqual(self.device.last_used_at, NOW)

    def test_a_retried_upload_creates_nothing_twice(self):
        batch = [entry(), entry(date="2026-03-09")]
        self.assertEqual(self.upload(*batch).json(), {"created": 2, "unchanged": 0})
        self.assertEqual(self.upload(*batch).json(), {"created": 0, "unchanged": 2})
        batch.append(entry(date="2026-03-08"))
        self.assertEqual(self.upload(*batch).json(), {"created": 1, "unchanged": 2})
        self.assertEqual(DiaryEntry.objects.count(), 3)

    def test_a_different_entry_with_a_known_id_is_a_conflict_and_nothing_is_stored(self):
        first = entry()
        self.upload(first)
        changed = {**first, "amount": 2}
        response = self.upload(entry(date="2026-03-01"), changed)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["errors"][0]["field"], "entries.1.id")
        self.assertIn("PUT /entries/", response.json()["message"])
        self.assertEqual(DiaryEntry.objects.count(), 1)
        self.assertEqual(DiaryEntry.objects.get().amount, 1.5)

    def test_an_id_of_another_young_persons_entry_is_a_conflict_not_a_takeover(self):
        _device, dans_token = paired_device_for(self.dan)
        shared = entry()
        self.upload(shared, token=dans_token)
        self.assertEqual(self.upload(shared).status_code, 409)
        self.assertEqual(DiaryEntry.objects.get().client, self.dan)

    def test_one_bad_entry_refuses_the_whole_batch_naming_the_field(self):
        cases = [
            (entry(date="2026-03-16"), "entries.1.date", "future"),
            (entry(date="2010-03-04"), "entries.1.date", "born"),
            (entry(date="2026-02-30"), "entries.1.date", "date"),
            (entry(date="15.03.2026"), "entries.1.date", "YYYY-MM-DD"),
            (entry(amount=-1), "entries.1.amount", "above 0"),
            (entry(amount=0), "entries.1.amount", "above 0"),
            (entry(amount=500), "entries.1.amount", "more than"),
            (entry(amount=1.33), "entries.1.amount", "steps of 0.05"),
            (entry(amount="1.5"), "entries.1.amount", "number"),
            (entry(amount=True), "entries.1.amount", "number"),
            (entry(unit="standard_drink"), "entries.1.unit", "Cannabis is counted in"),
            (entry(substance="alcohol", unit="gram"), "entries.1.unit", "standard drink"),
            (entry(unit=None), "entries.1.unit", "unit"),
            (entry(amount=None), "entries.1.amount", "amount"),
            (entry(answer="not_used"), "entries.1.amount", "empty"),
            (entry(answer="maybe"), "entries.1.answer", "Input should be"),
            (entry(substance="tobacco"), "entries.1.substance", "Input should be"),
            (entry(id="not-a-uuid"), "entries.1.id", "UUID"),
            (entry(note="x" * 501), "entries.1.note", "500"),
            (entry(note="a\x00b"), "entries.1.note", "NUL"),
            ({**entry(), "mood": 3}, "entries.1.mood", "unknown field"),
            ({k: v for k, v in entry().items() if k != "answer"}, "entries.1.answer",
             "required"),
        ]
        for bad, field, words in cases:
            with self.subTest(field=field, words=words):
                response = self.upload(entry(date="2026-03-01"), bad)
                self.assertEqual(response.status_code, 422, response.content)
                body = response.json()
                self.assertEqual(body["errors"][0]["field"], field, body)
                self.assertIn(words, body["errors"][0]["message"] + body["message"])
                self.assertTrue(body["message"].startswith(field))
        self.assertFalse(DiaryEntry.objects.exists())

    def test_an_anonymous_young_person_can_use_the_year_of_birth_only(self):
        _device, token = paired_device_for(self.anon)  # born 2009, year only
        self.assertEqual(self.upload(entry(date="2009-01-01"), token=token).status_code, 200)
        response = self.upload(entry(date="2008-12-31"), token=token)
        self.assertEqual(response.json()["errors"][0]["field"], "entries.0.date")

    def test_used_with_an_unknown_amount_is_an_answer_of_its_own(self):
        response = self.upload(entry(amount=None, unit=None))
        self.assertEqual(response.status_code, 200)
        stored = DiaryEntry.objects.get()
        self.assertEqual((stored.answer, stored.amount, stored.unit), ("used", None, ""))

    def test_a_batch_holds_at_most_a_thousand_entries_each_with_its_own_id(self):
        same = entry()
        response = self.upload(same, {**same})
        self.assertEqual(response.json()["errors"][0]["field"], "entries.1.id")
        response = self.call("post", "/entries", {"entries": []})
        self.assertEqual(response.json()["errors"][0]["field"], "entries")
        many = [entry(date=f"2026-03-{1 + n % 14:02d}") for n in range(1001)]
        self.assertEqual(self.upload(*many).status_code, 422)
        self.assertFalse(DiaryEntry.objects.exists())

    def test_every_upload_that_stores_something_is_logged(self):
        self.upload(entry())
        self.upload(entry())
        rows = AccessLog.objects.filter(client=self.ida, purpose="app",
                                        what="Use diary entries from the app")
        self.assertEqual(rows.count(), 2)
        self.assertIsNone(rows.first().user)


@time_machine.travel(NOW, tick=False)
class ListCorrectDeleteTests(ApiCalls, PersonaTestCase):
    def setUp(self):
        cache.clear()
        self.device, self.token = paired_device_for(self.ida)

    def test_the_app_lists_its_entries_in_the_order_they_changed(self):
        early = entry(date="2026-03-01")
        self.call("post", "/entries", {"entries": [early]})
        with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
            late = entry(date="2026-03-02")
            self.call("post", "/entries", {"entries": [late]})
        DiaryEntry.objects.create(client=self.ida, date=datetime.date(2026, 3, 3),
                                  substance="cannabis", answer="not_used",
                                  source=Source.CLINICIAN)
        body = self.call("get", "/entries").json()
        self.assertEqual([e["id"] for e in body["entries"]], [early["id"], late["id"]])
        self.assertFalse(body["more"])
        since = (NOW + datetime.timedelta(minutes=30)).isoformat()
        body = self.call("get", f"/entries?since={since.replace('+', '%2B')}").json()
        self.assertEqual([e["id"] for e in body["entries"]], [late["id"]])
        body = self.call("get", f"/entries?cursor={body['cursor']}").json()
        self.assertEqual(body["entries"], [])

    def test_the_cursor_pages_through_entries_stored_at_the_same_moment(self):
        with self.settings():
            from spor.tracking import api

            limit, api.LIST_LIMIT = api.LIST_LIMIT, 2
            try:
                batch = [entry(date=f"2026-03-0{n}") for n in range(1, 6)]
                self.call("post", "/entries", {"entries": batch})
                seen, cursor, pages = [], "", 0
                while True:
                    body = self.call("get", f"/entries?cursor={cursor}").json()
                    seen += [e["id"] for e in body["entries"]]
                    cursor, pages = body["cursor"], pages + 1
                    if not body["more"]:
                        break
            finally:
                api.LIST_LIMIT = limit
        self.assertEqual(sorted(seen), sorted(e["id"] for e in batch))
        self.assertEqual(pages, 3)

    def test_a_bad_cursor_or_a_time_without_zone_is_refused_by_name(self):
        response = self.call("get", "/entries?cursor=yesterday")
        self.assertEqual(response.json()["errors"][0]["field"], "cursor")
        for since in ("2026-03-01T10:00:00", "1773572400", "0001-01-01T00:00:00%2B01:00"):
            response = self.call("get", f"/entries?since={since}")
            self.assertEqual(response.json()["errors"][0]["field"], "since", since)

    def test_a_time_with_any_offset_is_compared_as_the_moment_it_names(self):
        self.call("post", "/entries", {"entries": [entry()]})
        for since, found in (("1636-06-10T09:44:28.4-21:34", 1),
                             ("2026-03-15T10:59:00-01:00", 0)):
            response = self.call("get", f"/entries?since={since.replace('+', '%2B')}")
            self.assertEqual(len(response.json()["entries"]), found, since)

    def test_the_app_corrects_its_own_entry(self):
        sent = entry()
        self.call("post", "/entries", {"entries": [sent]})
        later = NOW + datetime.timedelta(minutes=5)
        with time_machine.travel(later, tick=False):
            response = self.call("put", f"/entries/{sent['id']}", {
                "date": "2026-03-10", "substance": "cannabis", "answer": "used",
                "amount": 1, "unit": "joint", "note": "kun én"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["amount"], response.json()["unit"]), (1.0, "joint"))
        stored = DiaryEntry.objects.get()
        self.assertEqual((stored.unit, stored.note, stored.updated_at), ("joint", "kun én",
                                                                        later))
        self.assertTrue(AccessLog.objects.filter(
            what="Use diary entry corrected by the app").exists())

    def test_a_correction_follows_the_same_rules(self):
        sent = entry()
        self.call("post", "/entries", {"entries": [sent]})
        response = self.call("put", f"/entries/{sent['id']}", {
            "date": "2026-03-10", "substance": "alcohol", "answer": "used", "amount": 1,
            "unit": "gram"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"][0]["field"], "unit")
        self.assertEqual(DiaryEntry.objects.get().substance, "cannabis")

    def test_the_app_deletes_its_own_entry_and_nothing_else(self):
        sent = entry()
        self.call("post", "/entries", {"entries": [sent]})
        theirs = DiaryEntry.objects.create(client=self.ida, date=datetime.date(2026, 3, 3),
                                           substance="cannabis", answer="not_used",
                                           source=Source.CLINICIAN)
        _device, dans_token = paired_device_for(self.dan)
        self.assertEqual(self.call("delete", f"/entries/{sent['id']}",
                                   token=dans_token).status_code, 404)
        self.assertEqual(self.call("delete", f"/entries/{theirs.pk}").status_code, 404)
        self.assertEqual(self.call("put", f"/entries/{theirs.pk}", {
            "date": "2026-03-03", "substance": "cannabis", "answer": "used"}).status_code,
            404)
        self.assertEqual(self.call("delete", f"/entries/{sent['id']}").status_code, 204)
        self.assertEqual(list(DiaryEntry.objects.all()), [theirs])
        self.assertTrue(AccessLog.objects.filter(
            what="Use diary entry deleted by the app").exists())


@time_machine.travel(NOW, tick=False)
class TokenAndErrorTests(ApiCalls, PersonaTestCase):
    def setUp(self):
        cache.clear()
        self.device, self.token = paired_device_for(self.ida)

    def test_a_revoked_token_is_refused_with_json(self):
        self.device.revoke(self.alice)
        response = self.call("get", "/entries")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], "Bearer")
        self.assertIn("token", response.json()["message"])

    def test_no_token_a_wrong_token_or_a_staff_login_is_not_enough(self):
        for token in ("", "spor_wrong", "x" * 300):
            with self.subTest(token=token[:10]):
                self.assertEqual(self.call("get", "/entries", token=token).status_code, 401)
        self.client.force_login(self.alice)
        self.assertEqual(self.call("get", "/entries", token="").status_code, 401)

    @override_settings(SPOR_API_REQUESTS_PER_MINUTE=3)
    def test_each_token_has_a_rate_limit(self):
        statuses = [self.call("get", "/entries").status_code for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        response = self.call("get", "/entries")
        self.assertTrue(response.json()["message"])
        self.assertGreater(int(response["Retry-After"]), 0)
        _device, other = paired_device_for(self.dan)
        self.assertEqual(self.call("get", "/entries", token=other).status_code, 200)

    def test_every_error_under_api_is_json_with_a_message(self):
        cases = [("get", "/nowhere", None, 404), ("patch", "/entries", None, 405),
                 ("post", "/entries", "{not json", 400),
                 ("get", f"/entries/{uuid.uuid4()}", None, 405),
                 ("delete", f"/entries/{uuid.uuid4()}", None, 404),
                 ("delete", "/entries/not-a-uuid", None, 422)]
        for method, path, body, status in cases:
            with self.subTest(path=path, method=method):
                response = self.call(method, path, body)
                self.assertEqual(response.status_code, status, response.content)
                self.assertTrue(response["Content-Type"].startswith("application/json"))
                self.assertTrue(response.json()["message"])
        self.assertIn("PUT", self.call("patch", f"/entries/{uuid.uuid4()}")["Allow"])

    def test_a_server_error_is_json_too(self):
        from unittest import mock

        with mock.patch("spor.tracking.api._own", side_effect=RuntimeError("boom")), \
                self.assertLogs("spor.tracking.api", "ERROR"):
            response = self.call("get", "/entries")
        self.assertEqual(response.status_code, 500)
        self.assertNotIn("boom", response.json()["message"])

    def test_messages_are_english_whatever_the_language_of_the_site(self):
        self.client.cookies["django_language"] = "da"
        response = self.call("post", "/entries", {"entries": [entry(date="2026-04-01")]})
        self.assertIn("The date is in the future", response.json()["message"])


@time_machine.travel(NOW, tick=False)
class RatingsTests(ApiCalls, PersonaTestCase):
    def setUp(self):
        cache.clear()
        self.device, self.token = paired_device_for(self.ida)

    def rate(self, session, line, rater="client"):
        """An ORS with the same mark on each of its four lines."""
        lines = ("individually", "interpersonally", "socially", "overall")
        return Rating.objects.create(
            session=session, instrument="ORS", rater=rater, answers=dict.fromkeys(lines, line))

    def test_the_app_reads_the_young_persons_own_outcome_totals_oldest_first(self):
        from spor.treatment.models import Session

        later = Session.objects.create(course=self.ida_course, date=datetime.date(2026, 3, 1))
        self.rate(later, 6.5)
        self.rate(self.ida_session, 4.2)
        self.rate(later, 3.0, rater="parent")
        dans = Session.objects.create(course=self.dan_course, date=datetime.date(2026, 3, 2))
        self.rate(dans, 9.0)
        response = self.call("get", "/ratings")
        self.assertEqual(response.json(), {"ratings": [
            {"date": "2026-02-01", "instrument": "ORS", "total": 16.8},
            {"date": "2026-03-01", "instrument": "ORS", "total": 26.0}]})
        response = self.call("get", "/ratings?since=2026-02-15")
        self.assertEqual([r["date"] for r in response.json()["ratings"]], ["2026-03-01"])
        self.assertTrue(AccessLog.objects.filter(
            client=self.ida, what="Outcome ratings read by the app").exists())
