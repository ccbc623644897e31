"""Set-based FIT statistics on designed data, and the same answer as the pages give."""

import datetime
from decimal import Decimal

import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from spor.clients.models import Client
from spor.lib.testing import Personas, PersonaTestCase
from spor.measures import stats
from spor.measures.models import Norm, Rating
from spor.measures.progress import course_fits
from spor.measures.tests.helpers import TODAY, course_with, rate
from spor.treatment.models import Course, Session

ENDED = datetime.date(2026, 6, 30)


@time_machine.travel(TODAY)
class RatingRuleTests(PersonaTestCase):
    def test_a_rating_is_stored_with_its_total_course_and_date(self):
        rating = rate(self.ida_session, 23.4)
        self.assertEqual(rating.total, Decimal("23.4"))
        self.assertEqual((rating.course, rating.date), (self.ida_course, self.ida_session.date))

    def test_the_same_measure_by_the_same_rater_replaces_the_earlier_one(self):
        rate(self.ida_session, 20)
        rate(self.ida_session, 30)
        rate(self.ida_session, 25, rater="parent")
        self.assertEqual(sorted(Rating.objects.values_list("rater", "total")),
                         [("client", Decimal(30)), ("parent", Decimal(25))])

    def test_bad_answers_name_the_line_and_store_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            rate(self.ida_session, answers={"individually": 11, "socially": 2})
        self.assertEqual(set(caught.exception.message_dict),
                         {"individually", "interpersonally", "overall"})
        with self.assertRaises(ValidationError) as caught:
            rate(self.ida_session, 20, instrument="PARENT_FOLLOWUP",
                 answers={"child_use": "stopped"})
        self.assertIn("instrument", caught.exception.message_dict)
        self.assertFalse(Rating.objects.exists())

    def test_a_session_the_young_person_missed_takes_no_rating(self):
        missed = Session.objects.create(course=self.ida_course, date=datetime.date(2026, 2, 8),
                                        attendance="no_show")
        with self.assertRaises(ValidationError) as caught:
            rate(missed, 20)
        self.assertIn("session", caught.exception.message_dict)

    def test_a_days_ratings_follow_when_they_were_made(self):
        """Two sessions on one day: the curve takes their ratings in the order they were
        made, to the microsecond (read as text, see progress.course_fits), whatever order
        the database gives them in (here the later one is stored first, and its measure
        sorts first)."""
        day = self.ida_session.date
        later = Session.objects.create(course=self.ida_course, date=day)
        made = datetime.datetime(2026, 2, 2, 10, 0, tzinfo=datetime.UTC)
        for session, total, instrument, rater, at in (
                (later, 31, "CORS", "client", made + datetime.timedelta(seconds=1)),
                (self.ida_session, 12, "ORS", "client", made + datetime.timedelta(
                    microseconds=450000)),
                (self.ida_session, 15, "ORS", "parent", made + datetime.timedelta(
                    microseconds=500000))):
            rating = rate(session, total, instrument, rater)
            Rating.objects.filter(pk=rating.pk).update(created_at=at)
        course = Course.objects.select_related("client").get(pk=self.ida_course.pk)
        fit = course_fits([course], self.service)[course.pk]
        self.assertEqual([p.total for p in fit.own], [12, 31])
        self.assertEqual(list(fit.outcome), ["client", "parent"])

    def test_moving_the_session_moves_its_ratings(self):
        rating = rate(self.ida_session, 20)
        self.ida_session.date = datetime.date(2026, 2, 3)
        self.ida_session.save()
        rating.refresh_from_db()
        self.assertEqual(rating.date, datetime.date(2026, 2, 3))


@time_machine.travel(TODAY)
class ChangeClassCountTests(PersonaTestCase):
    """Ida is 15 at the start of her courses (cutoff 28, reliable change 5)."""

    def course(self, totals, **kwargs):
        return course_with(self.ida, self.team_a, totals, end=ENDED, **kwargs)

    def test_designed_courses_fall_in_the_right_classes(self):
        self.course([20, 22, 28])            # recovered: +8 and across 28
        self.course([20, 25])                # reliably improved: exactly +5, still below 28
        self.course([29, 34])                # reliably improved: began above the cutoff
        self.course([30.2, 27, 25.2])        # deteriorated: exactly −5.0
        self.course([20, 24.9])              # no change: a tenth short
        self.course([20])                    # one rating only
        self.course([None, None])            # no rating
        self.course([15, 30], srs=[36, 38])  # recovered; the SRS does not count
        counts = stats.change_class_counts(Course.objects.filter(end_date=ENDED))
        self.assertEqual(counts, {"courses_with_ors": 7, "recovered": 2,
                                  "reliably_improved": 2, "no_change": 1, "deteriorated": 1,
                                  "single_rating": 1, "no_norm": 0})

    def test_the_first_and_last_rating_follow_the_session_dates_not_the_order_entered(self):
        course = self.course([None, None, None])
        first, second, third = course.sessions.order_by("date")
        rate(third, 30)
        rate(first, 20)
        rate(second, 10)
        row = stats.with_change_class(Course.objects.filter(pk=course.pk)).get()
        self.assertEqual((row.fit_n, row.fit_first_t, row.fit_last_t, row.fit_class),
                         (3, 200, 300, "recovered"))

    def test_the_cutoff_is_the_one_for_the_age_at_the_start_of_the_course(self):
        adult = Client.objects.create(service=self.service, team=self.team_a, anonymous=False,
                                      birth_date=datetime.date(2008, 1, 10), birth_year=2008)
        # 17 at the start (cutoff 28) though 18 when the course ended.
        course_with(adult, self.team_a, [22, 27], start=datetime.date(2026, 1, 5), end=ENDED)
        # 18 at the start: cutoff 25, so the same change is a recovery.
        course_with(adult, self.team_a, [22, 27], start=datetime.date(2026, 1, 10), end=ENDED)
        rows = stats.with_change_class(Course.objects.filter(client=adult)).order_by("start_date")
        self.assertEqual([(r.fit_age, r.fit_cutoff_t, r.fit_class) for r in rows],
                         [(17, 280, "reliably_improved"), (18, 250, "recovered")])

    def test_a_service_with_its_own_norms_is_counted_by_them(self):
        for band in Norm.objects.filter(service=None, instrument="ORS"):
            band.pk, band.service, band.reliable_change = None, self.service, Decimal("6.6")
            band.save()
        self.course([20, 26.5])
        self.course([20, 26.6])
        self.assertEqual(stats.change_class_counts(Course.objects.all())["reliably_improved"], 1)

    def test_without_any_norm_every_course_is_counted_apart(self):
        Norm.objects.all().delete()
        self.course([20, 30])
        self.assertEqual(stats.change_class_counts(Course.objects.filter(end_date=ENDED))
                         ["no_norm"], 1)

    def test_an_age_without_a_norm_is_counted_apart(self):
        young = Client.objects.create(service=self.service, team=self.team_a, birth_year=2021)
        course_with(young, self.team_a, [10, 30], end=ENDED)  # 5 years old: no norm
        self.assertEqual(stats.change_class_counts(Course.objects.all())["no_norm"], 1)

    def test_parents_are_counted_apart(self):
        self.course([20, 30], rater="parent")
        self.assertEqual(stats.change_class_counts(Course.objects.all())["courses_with_ors"], 0)
        self.assertEqual(stats.change_class_counts(Course.objects.all(), rater="parent")
                         ["recovered"], 1)

    def test_it_takes_two_queries_for_any_number_of_courses(self):
        for _ in range(5):
            self.course([20, 30])
        with self.assertNumQueries(2):  # the norms, then the counts
            counts = stats.change_class_counts(Course.objects.all())
        self.assertEqual(counts["recovered"], 5)

    def test_counting_agrees_with_the_class_of_each_course(self):
        for totals in ([20, 30], [20, 21], [30, 20], [25], [29, 35], [None]):
            self.course(totals)
        each = stats.with_change_class(Course.objects.filter(end_date=ENDED))
        counted = stats.change_class_counts(Course.objects.filter(end_date=ENDED))
        for cls in stats.CLASSES:
            self.assertEqual(counted[cls], sum(1 for c in each if c.fit_class == cls), cls)

    def test_session_shares(self):
        course = self.course([20, None, 25], srs=[38, 39, None])
        rate(course.sessions.order_by("date")[1], 18, rater="parent")
        Session.objects.create(course=course, date=datetime.date(2026, 2, 1),
                               attendance="cancelled")
        # The ratings by measure, then the attended sessions.
        with self.assertNumQueries(2):
            shares = stats.session_rating_shares(Session.objects.filter(course=course))
        self.assertEqual(shares, {"sessions": 3, "with_outcome": 2, "with_alliance": 2,
                                  "with_parent_outcome": 1})


    def test_a_session_rated_with_two_outcome_measures_counts_once(self):
        course = self.course([20, 22, None])
        first, second, third = course.sessions.order_by("date")
        rate(first, 21, instrument="CORS")
        rate(third, 23, instrument="CORS")
        rate(third, 30, instrument="SRS")
        rate(second, 31, instrument="SRS")
        second.attendance = "cancelled"  # keeps its ratings, which no longer count
        second.save()
        shares = stats.session_rating_shares(Session.objects.filter(course=course))
        self.assertEqual(shares, {"sessions": 2, "with_outcome": 2, "with_alliance": 1,
                                  "with_parent_outcome": 0})
        classes = stats.change_class_counts(Course.objects.filter(pk=course.pk))
        self.assertEqual(stats.stored_change_class_counts(Course.objects.filter(pk=course.pk)),
                         classes)
        self.assertEqual(classes["courses_with_ors"], 1)


class SqlAgreesWithThePagesTests(Personas, HypothesisTestCase):
    """Whatever the totals, the statistics and the clinician's page classify alike."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.integers(0, 400), min_size=1, max_size=5), st.integers(2006, 2019))
    def test_sql_and_python_give_the_same_class(self, totals, born):
        with time_machine.travel(TODAY):
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           birth_year=born)
            course = course_with(client, self.team_a, [t / 10 for t in totals], end=ENDED)
            row = stats.with_change_class(Course.objects.filter(pk=course.pk)).get()
            counted = stats.change_class_counts(Course.objects.filter(pk=course.pk))
            page = course_fits([Course.objects.select_related("client").get(pk=course.pk)],
                               self.service)[course.pk]
        expected = {0: "none", 1: "single_rating"}.get(len(totals))
        if expected is None:
            expected = page.change.value if page.change else "no_norm"
        self.assertEqual(row.fit_class, expected)
        if expected != "none":
            self.assertEqual(counted[expected], 1)
