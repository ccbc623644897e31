"""The arithmetic of FIT: scoring, norms, change classes, flags, zig-zags, the expected
course and alarms, as pure functions with properties that must hold for any input."""

import dataclasses
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from spor.measures import fit, instruments
from spor.measures.fit import ChangeClass
from spor.measures.trajectory import Band

FOUR_LINE = [instruments.get(code) for code in ("ORS", "CORS", "SRS", "CSRS", "GSRS")]
line = st.integers(0, 100).map(lambda t: t / 10)  # 0.0 … 10.0 in tenths
total = st.integers(0, 400).map(lambda t: t / 10)


@dataclasses.dataclass
class NormLike:
    instrument: str
    min_age: int
    max_age: int | None
    cutoff: Decimal
    reliable_change: Decimal


@dataclasses.dataclass
class Rule:
    total_below: Decimal = Decimal(36)
    item_below: Decimal = Decimal(9)
    drop_by: Decimal = Decimal(1)


class ScoringTests(SimpleTestCase):
    @given(st.sampled_from(FOUR_LINE), st.lists(line, min_size=4, max_size=4))
    def test_every_four_line_total_lies_within_0_and_40_with_one_decimal(self, measure, values):
        answers = measure.clean({s.code: v for s, v in zip(measure.scales, values, strict=True)})
        score = measure.score(answers)
        self.assertTrue(0 <= score <= 40)
        self.assertEqual(fit.tenths(score), sum(fit.tenths(v) for v in values))

    def test_a_line_takes_0_to_10_with_one_decimal_and_names_the_line_otherwise(self):
        ors = instruments.get("ORS")
        for bad in ({"individually": 10.1}, {"individually": -0.1}, {"individually": "7,5"},
                    {"individually": 5.25}, {"individually": "nan"}, {"individually": None}):
            answers = {"individually": 5, "interpersonally": 5, "socially": 5, "overall": 5,
                       **bad}
            with self.assertRaises(ValidationError) as caught:
                ors.clean(answers)
            self.assertEqual(list(caught.exception.message_dict), ["individually"], bad)

    def test_each_measure_has_four_lines_with_anchors_in_danish_and_english(self):
        for measure in FOUR_LINE:
            self.assertEqual(len(measure.scales), 4, measure.code)
            self.assertTrue(measure.licensed)
            for scale in measure.scales:
                for text in (scale.label, scale.low, scale.high):
                    self.assertTrue(text.da and text.en and text.da != text.en, scale.code)

    def test_the_measure_follows_the_age_and_the_kind_of_session(self):
        self.assertEqual(instruments.outcome_for(12).code, "CORS")
        self.assertEqual(instruments.outcome_for(13).code, "ORS")
        self.assertEqual(instruments.alliance_for(9).code, "CSRS")
        self.assertEqual(instruments.alliance_for(16).code, "SRS")
        self.assertEqual(instruments.alliance_for(16, group=True).code, "GSRS")


ORS_NORMS = [NormLike("ORS", 13, 17, Decimal(28), Decimal(5)),
             NormLike("ORS", 18, None, Decimal(25), Decimal(5)),
             NormLike("CORS", 6, 12, Decimal(32), Decimal(5))]


class NormTests(SimpleTestCase):
    def test_the_norm_follows_the_age_band_of_the_measure(self):
        self.assertEqual(fit.norm_for(ORS_NORMS, "ORS", 17).cutoff, 28)
        self.assertEqual(fit.norm_for(ORS_NORMS, "ORS", 18).cutoff, 25)
        self.assertEqual(fit.norm_for(ORS_NORMS, "ORS", 64).cutoff, 25)
        self.assertEqual(fit.norm_for(ORS_NORMS, "CORS", 6).cutoff, 32)
        self.assertIsNone(fit.norm_for(ORS_NORMS, "ORS", 12))
        self.assertIsNone(fit.norm_for(ORS_NORMS, "CORS", 13))


class ChangeClassTests(SimpleTestCase):
    def test_the_boundaries_of_the_classes(self):
        C = ChangeClass
        cases = [
            ((20, 25, 28, 5), C.IMPROVED),       # exactly the reliable change
            ((20, 24.9, 28, 5), C.NO_CHANGE),    # a tenth short
            ((23, 28, 28, 5), C.RECOVERED),      # from below to exactly the cutoff
            ((23.1, 28.1, 28, 5), C.RECOVERED),
            ((28, 33, 28, 5), C.IMPROVED),       # began at the cutoff: not clinical
            ((22, 27.9, 28, 5), C.IMPROVED),     # reliable, but still below the cutoff
            ((30.2, 25.2, 28, 5), C.DETERIORATED),  # exactly 5.0 down (30.2 − 25.2 in floats)
            ((30.2, 25.3, 28, 5), C.NO_CHANGE),
            ((20, 26.6, 28, 6.6), C.IMPROVED),
            ((20, 26.5, 28, 6.6), C.NO_CHANGE),
        ]
        for args, expected in cases:
            self.assertEqual(fit.change_class(*args), expected, args)
        self.assertIsNone(fit.change_class(20, 30, None, None))

    @given(total, total, st.integers(100, 400), st.integers(1, 100))
    def test_the_class_agrees_with_cutoff_and_reliable_change(self, first, last, cutoff_t, rci_t):
        cutoff, rci = cutoff_t / 10, rci_t / 10
        found = fit.change_class(first, last, cutoff, rci)
        change = fit.tenths(last) - fit.tenths(first)
        self.assertEqual(found in (ChangeClass.RECOVERED, ChangeClass.IMPROVED), change >= rci_t)
        self.assertEqual(found == ChangeClass.DETERIORATED, change <= -rci_t)
        crossed = fit.tenths(first) < cutoff_t <= fit.tenths(last)
        self.assertEqual(found == ChangeClass.RECOVERED, change >= rci_t and crossed)

    @given(total, total, st.integers(100, 400), st.integers(1, 100))
    def test_swapping_first_and_last_turns_improvement_into_deterioration(self, a, b, c, r):
        forward, backward = fit.change_class(a, b, c / 10, r / 10), fit.change_class(b, a, c / 10,
                                                                                     r / 10)
        improved = {ChangeClass.RECOVERED, ChangeClass.IMPROVED}
        self.assertEqual(forward in improved, backward == ChangeClass.DETERIORATED)


class AllianceFlagTests(SimpleTestCase):
    def test_the_three_reasons_at_their_boundaries(self):
        rule = Rule()
        self.assertEqual(fit.alliance_flags([9, 9, 9, 9], None, rule), [])      # total 36
        self.assertEqual(fit.alliance_flags([9, 9, 9, 8.9], None, rule), ["total", "item"])
        self.assertEqual(fit.alliance_flags([10, 10, 10, 8.9], None, rule), ["item"])
        self.assertEqual(fit.alliance_flags([10, 10, 9.5, 9.5], 40, rule), ["drop"])  # 1.0 down
        self.assertEqual(fit.alliance_flags([10, 10, 9.5, 9.6], 40, rule), [])        # 0.9 down

    @given(st.lists(line, min_size=4, max_size=4), st.none() | total)
    def test_a_rating_is_flagged_exactly_when_a_rule_says_so(self, items, previous):
        reasons = fit.alliance_flags(items, previous, Rule())
        now = sum(fit.tenths(v) for v in items)
        self.assertEqual("total" in reasons, now < 360)
        self.assertEqual("item" in reasons, min(items) < 9)
        self.assertEqual("drop" in reasons, previous is not None
                         and fit.tenths(previous) - now >= 10)


class ZigZagTests(SimpleTestCase):
    def test_four_swings_of_six_points_make_a_course_doubtful(self):
        self.assertTrue(fit.zigzags([10, 17, 10, 17, 10]))
        self.assertFalse(fit.zigzags([10, 17, 10, 17]))  # three swings
        self.assertFalse(fit.zigzags([10, 15.9, 10, 15.9, 10]))  # swings below six points
        self.assertFalse(fit.zigzags([4, 10, 16, 22, 28, 34]))  # a steep rise is one swing

    @given(st.lists(total, max_size=12))
    def test_a_mirrored_or_reversed_course_zig_zags_alike(self, values):
        mirrored = [40 - v for v in values]
        self.assertEqual(fit.swings(values), fit.swings(mirrored))
        self.assertEqual(fit.swings(values), fit.swings(values[::-1]))

    @given(st.lists(total, max_size=12))
    def test_a_course_that_only_rises_never_zig_zags(self, values):
        self.assertLessEqual(fit.swings(sorted(values)), 1)


class AlarmTests(SimpleTestCase):
    def kinds(self, *args):
        return [a.kind for a in fit.outcome_alarms(*args)]

    def test_off_track_when_little_was_gained_on_average_and_the_latest_is_hardly_above_intake(
            self):
        band = Band(low=20, mid=23, high=26, n=30)
        self.assertEqual(self.kinds([(1, 18), (2, 18), (3, 19), (4, 18.5)], band, 5, 4),
                         ["off_track", "no_change"])
        self.assertEqual(self.kinds([(1, 18), (2, 19), (3, 19.5)], band, 5, 4),
                         ["off_track"])  # gained 1.25 on average, the latest 1.5
        self.assertEqual(self.kinds([(1, 18), (2, 19), (3, 20.5)], band, 5, 4), [])  # +2.5
        self.assertEqual(self.kinds([(1, 18), (2, 19.5), (3, 19.8)], band, 5, 4),
                         [])  # gained 1.65 on average
        self.assertEqual(self.kinds([(1, 18)], band, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18), (2, 17), (3, 17)], None, 5, 4), [])  # no band

    def test_above_the_expected_median_by_two_points_or_more_is_not_off_track(self):
        self.assertEqual(self.kinds([(1, 18), (2, 18), (3, 18.5)],
                                    Band(low=14, mid=17, high=20, n=30), 5, 4), ["off_track"])
        self.assertEqual(self.kinds([(1, 18), (2, 18), (3, 18.5)],
                                    Band(low=13, mid=16.5, high=20, n=30), 5, 4), [])

    def test_one_rating_after_the_intake_is_off_track_only_when_it_clearly_falls(self):
        band = Band(low=20, mid=23, high=26, n=30)
        self.assertEqual(self.kinds([(1, 18), (2, 18.9)], band, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18), (2, 16.5)], band, 5, 4), [])  # fell 1.5
        self.assertEqual(self.kinds([(1, 18), (2, 16)], band, 5, 4), ["off_track"])
        self.assertEqual(self.kinds([(1, 18), (2, 16)], Band(low=18, mid=21.9, high=25, n=30),
                                    5, 4), [])  # less than 6 below the median

    def test_one_low_rating_after_good_ones_is_not_off_track(self):
        band = Band(low=20, mid=23, high=26, n=30)
        self.assertEqual(self.kinds([(1, 18), (2, 22), (3, 22), (4, 17.5)], band, 5, 4),
                         ["no_change"])

    def test_a_reliable_improvement_is_never_off_track(self):
        band = Band(low=10, mid=12, high=15, n=30)
        self.assertEqual(self.kinds([(1, 2), (2, 2), (3, 2), (4, 9)], band, 5, 4), [])
        self.assertEqual(self.kinds([(1, 2), (2, 2), (3, 2), (4, 3.5)], band, 5, 4),
                         ["off_track", "no_change"])

    def test_an_alarm_carries_its_session_value_and_what_was_expected(self):
        band = Band(low=20, mid=23, high=26, n=30)
        off, no_change = fit.outcome_alarms([(2, 18), (3, 18), (5, 18.5)], band, 5, 4)
        self.assertEqual((off.kind, off.session, off.value, off.expected),
                         ("off_track", 5, 18.5, 23))
        self.assertEqual((no_change.session, no_change.expected), (5, 23))
        self.assertIn("5", no_change.message)

    def test_no_reliable_change_by_the_session_of_the_setting(self):
        self.assertEqual(self.kinds([(1, 18), (3, 22.9)], None, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18), (4, 22.9)], None, 5, 4), ["no_change"])
        self.assertEqual(self.kinds([(1, 18), (4, 23)], None, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18), (3, 22.9)], None, 5, 3), ["no_change"])

    def test_reliably_worse_at_any_session(self):
        self.assertEqual(self.kinds([(1, 20), (2, 15)], None, 5, 4), ["worse"])
        self.assertEqual(self.kinds([(1, 20), (4, 15)], None, 5, 4), ["worse"])

    def test_a_flagged_session_rating_is_an_alliance_alarm(self):
        alarms = fit.alliance_alarm(["total", "drop"])
        self.assertEqual([a.kind for a in alarms], ["alliance"])
        self.assertEqual(fit.alliance_alarm([]), [])


class EffectSizeTests(SimpleTestCase):
    def test_pre_post_and_against_the_expected_course(self):
        pairs = [(10, 20), (20, 26), (30, 34)]  # intakes: mean 20, SD 10
        self.assertAlmostEqual(fit.effect_size(pairs), 20 / 3 / 10)
        triples = [(10, 20, 18), (20, 26, 26), (30, 34, 35)]
        self.assertAlmostEqual(fit.adjusted_effect_size(triples), (2 + 0 - 1) / 3 / 10)
        self.assertIsNone(fit.effect_size([(10, 20)]))
        self.assertIsNone(fit.effect_size([(10, 20), (10, 30)]))  # no spread


class AlarmOrderTests(SimpleTestCase):
    def test_alarms_are_ordered_by_how_serious_they_are(self):
        Alarm, AlarmKind = fit.Alarm, fit.AlarmKind
        found = [Alarm(AlarmKind.NO_CHANGE, "n"), Alarm(AlarmKind.ALLIANCE, "a"),
                 Alarm(AlarmKind.WORSE, "w"), Alarm(AlarmKind.OFF_TRACK, "o")]
        self.assertEqual([a.message for a in fit.most_serious_first(found)], ["w", "o", "a", "n"])
        self.assertLess(fit.severity(found[2:3]), fit.severity(found[:2]))
        self.assertGreater(fit.severity([]), fit.severity(found[:1]))
