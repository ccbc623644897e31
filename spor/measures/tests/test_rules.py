"""The FIT rules a process keeps (models.rules_of): read once for each stamp of the
service, read anew after every change of them, and never another service's."""

import io
import json
from decimal import Decimal

from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from spor.accounts.models import Service
from spor.lib.testing import PersonaTestCase
from spor.measures import expected
from spor.measures.models import AllianceRule, ExpectedCourse, Norm, rules_of

MODEL = {"name": "ETR", "source": "ICCE", "max_session": 10, "n_courses": 900,
         "low": [2, 0.9, 2, 0], "mid": [4, 0.9, 3, 0], "high": [6, 0.9, 4, 0]}


def fresh(service) -> Service:
    """The service as the next request reads it."""
    return Service.objects.get(pk=service.pk)


def ors_cutoffs(service) -> list:
    return [n.cutoff for n in rules_of(fresh(service)).norms if n.instrument == "ORS"]


class KeptRulesTests(PersonaTestCase):
    def setUp(self):
        self.login(self.adam)

    def test_the_rules_are_read_once_for_each_stamp(self):
        first, service = fresh(self.service), fresh(self.service)
        with self.assertNumQueries(3):
            rules_of(first)
        with self.assertNumQueries(0):
            rules = rules_of(service)
        self.assertEqual(sorted(rules.alliance), ["CSRS", "GSRS", "SRS"])
        self.assertIsNone(rules.expected)

    def test_each_service_has_its_own_rules(self):
        Norm.objects.create(service=self.service, instrument="ORS", min_age=0,
                            cutoff=Decimal(30), reliable_change=Decimal(5), source="Own")
        expected.load(self.service, dict(MODEL))
        self.assertEqual(ors_cutoffs(self.service), [30])
        self.assertNotIn(Decimal(30), ors_cutoffs(self.other_service))
        self.assertIsNone(rules_of(fresh(self.other_service)).expected)
        self.assertEqual(rules_of(fresh(self.service)).expected.name, "ETR")

    def test_the_norms_page_and_its_reset_give_new_rules(self):
        before = ors_cutoffs(self.service)
        data = {"form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 0, "form-0-min_age": 0,
                "form-0-max_age": "", "form-0-cutoff": "31", "form-0-reliable_change": "5",
                "form-0-source": "Own"}
        self.assertRedirects(self.client.post(reverse("fit_norms", args=["ORS"]), data),
                             reverse("fit_settings"))
        self.assertEqual(ors_cutoffs(self.service), [31])
        self.client.post(reverse("fit_norms", args=["ORS"]), {"reset": "1"})
        self.assertEqual(ors_cutoffs(self.service), before)

    def test_the_alliance_rule_page_gives_new_rules(self):
        rules_of(fresh(self.service))
        self.client.post(reverse("fit_alliance_rule", args=["SRS"]), {
            "total_below": "34", "item_below": "8", "drop_by": "2", "source": "Own"})
        self.assertEqual(rules_of(fresh(self.service)).alliance["SRS"].total_below, 34)
        self.assertEqual(rules_of(fresh(self.other_service)).alliance["SRS"].total_below, 36)

    def test_a_changed_default_gives_every_service_new_rules(self):
        for service in (self.service, self.other_service):
            rules_of(fresh(service))
        rule = AllianceRule.objects.get(service=None, instrument="SRS")
        rule.total_below = Decimal(30)
        rule.save()
        for service in (self.service, self.other_service):
            self.assertEqual(rules_of(fresh(service)).alliance["SRS"].total_below, 30)
        rule.delete()
        for service in (self.service, self.other_service):
            self.assertNotIn("SRS", rules_of(fresh(service)).alliance)

    def test_the_expected_course_learned_loaded_and_removed_gives_new_rules(self):
        rules_of(fresh(self.service))
        self.client.post(reverse("fit_expected"))
        self.assertEqual(rules_of(fresh(self.service)).expected.kind, "learned")
        upload = io.BytesIO(json.dumps(MODEL).encode())
        upload.name = "etr.json"
        self.client.post(reverse("fit_expected"), {"file": upload})
        self.assertEqual(rules_of(fresh(self.service)).expected.kind, "loglinear")
        ExpectedCourse.objects.filter(service=self.service).delete()
        self.assertIsNone(rules_of(fresh(self.service)).expected)

    def test_the_nightly_refit_gives_new_rules(self):
        rules_of(fresh(self.service))
        call_command("fit_expected", stdout=io.StringIO())
        self.assertEqual(rules_of(fresh(self.service)).expected.kind, "learned")

    def test_a_service_saved_from_an_old_copy_does_not_bring_back_old_rules(self):
        copy = fresh(self.service)
        rules_of(copy)
        Norm.objects.create(service=self.service, instrument="ORS", min_age=0,
                            cutoff=Decimal(29), reliable_change=Decimal(5), source="Own")
        copy.no_change_alarm_session = 5
        copy.save()
        self.assertEqual(ors_cutoffs(self.service), [29])

    def test_a_change_rolled_back_leaves_the_rules_as_they_were(self):
        before = ors_cutoffs(self.service)
        with self.assertRaises(RuntimeError), transaction.atomic():
            Norm.objects.create(service=self.service, instrument="ORS", min_age=0,
                                cutoff=Decimal(28), reliable_change=Decimal(5), source="Own")
            self.assertEqual(ors_cutoffs(self.service), [28])
            raise RuntimeError
        self.assertEqual(ors_cutoffs(self.service), before)

    def test_rebuilding_the_fit_state_reads_rules_written_by_other_means_anew(self):
        rules_of(fresh(self.service))
        AllianceRule.objects.filter(service=None, instrument="SRS").update(total_below=30)
        self.assertEqual(rules_of(fresh(self.service)).alliance["SRS"].total_below, 36)
        call_command("fit_state", stdout=io.StringIO())
        self.assertEqual(rules_of(fresh(self.service)).alliance["SRS"].total_below, 30)
