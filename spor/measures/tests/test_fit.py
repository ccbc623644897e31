"""The arithmetic of FIT: scoring, norms, change classes, flags, zig-zags, the expected
course and alarms, as pure functions with properties that must hold for any input."""

import dataclasses
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from spor.measures import fit, instruments
from spor.measures.fit import Band, BinnedPercentiles, ChangeClass, LogLinear

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


courses = st.lists(
    st.tuples(total, st.lists(st.tuples(st.integers(2, 20), total), min_size=1, max_size=8)),
    min_size=0, max_size=80)


def as_series(drawn):
    return [[(1, intake), *sorted(dict(rest).items())] for intake, rest in drawn]


class ExpectedCourseTests(SimpleTestCase):
    def fitted(self, n=20, min_per_cell=5):
        # Intakes 5, 10, … 30; each course rises by 4 points at session 2 and 8 at session 3.
        series = [[(1, intake), (2, intake + 4 + i % 3), (3, intake + 8 + i % 5)]
                  for intake in (5, 10, 15, 20, 25, 30) for i in range(n)]
        return fit.fit_binned(series, min_per_cell=min_per_cell)

    def test_the_band_is_learned_from_courses_with_a_similar_intake(self):
        model = self.fitted()
        band = model.band(20, 2)
        self.assertEqual(band.n, 20)
        self.assertTrue(band.low <= 25 <= band.high)
        self.assertLess(model.band(20, 2).mid, model.band(20, 3).mid)

    def test_no_band_above_the_ceiling_at_the_intake_or_without_enough_courses(self):
        model = self.fitted()
        self.assertIsNone(model.band(32.1, 2))
        self.assertIsNotNone(model.band(32, 2))
        self.assertIsNone(model.band(20, 1))
        self.assertIsNone(model.band(20, 4))  # nobody was rated at session 4
        self.assertIsNone(self.fitted(n=4).band(20, 2))

    def test_the_model_survives_the_database(self):
        model = self.fitted()
        again = BinnedPercentiles.from_params(json.loads(json.dumps(model.params())))
        self.assertEqual(again.band(17, 3), model.band(17, 3))

    @settings(max_examples=60, deadline=None)
    @given(courses, st.integers(1, 5))
    def test_the_band_never_falls_as_the_intake_rises(self, drawn, min_per_cell):
        model = fit.fit_binned(as_series(drawn), min_per_cell=min_per_cell, max_session=6)
        for session in range(2, 8):
            bands = [model.band(intake / 2, session) for intake in range(0, 65)]
            found = [b for b in bands if b is not None]
            for lower, higher in zip(found, found[1:], strict=False):
                self.assertLessEqual(lower.low, higher.low)
                self.assertLessEqual(lower.mid, higher.mid)
                self.assertLessEqual(lower.high, higher.high)
            for band in found:
                self.assertTrue(0 <= band.low <= band.mid <= band.high <= 40)

    def test_pooling_adjacent_violators_keeps_the_weighted_mean(self):
        self.assertEqual(fit.monotone([1, 3, 2, 4], [1, 1, 1, 1]), [1, 2.5, 2.5, 4])
        self.assertEqual(fit.monotone([5, 1], [3, 1]), [4, 4])


LICENSED = {"name": "ETR", "source": "Licensed from the authors", "max_session": 10,
            "n_courses": 5000, "low": [2, 0.9, 2, 0], "mid": [4, 0.9, 3, 0],
            "high": [6, 0.9, 4, 0]}


class LicensedModelTests(SimpleTestCase):
    def test_a_valid_file_gives_a_band_that_rises_with_the_sessions(self):
        model = LogLinear(LogLinear.validate(LICENSED))
        self.assertEqual(model.band(20, 2), Band(low=21.4, mid=24.1, high=26.8, n=5000))
        self.assertLess(model.band(20, 2).mid, model.band(20, 10).mid)
        self.assertEqual(model.band(20, 10), model.band(20, 30))  # flat after max_session
        self.assertIsNone(model.band(33, 3))

    def test_a_bad_file_is_refused_with_the_key_at_fault(self):
        cases = [
            ({**LICENSED, "mid": [1, 2, 3]}, "mid"),
            ({**LICENSED, "low": [0, "x", 0, 0]}, "low"),
            ({**LICENSED, "max_session": 1}, "max_session"),
            ({**LICENSED, "colour": "red"}, "colour"),
            ({**LICENSED, "name": ""}, "name"),
            ({**LICENSED, "high": [6, -0.5, 4, 0]}, "high"),  # falls as the intake rises
            ({**LICENSED, "low": [9, 0.9, 2, 0]}, "mid"),  # low above mid
        ]
        for params, key in cases:
            with self.assertRaises(ValidationError) as caught:
                LogLinear.validate(params)
            self.assertIn(key, caught.exception.message_dict, params)
        with self.assertRaises(ValidationError):
            LogLinear.validate([1, 2])

    @given(st.floats(0, 1.5), st.floats(-0.2, 0.2), st.integers(2, 30))
    def test_an_accepted_model_never_expects_less_for_a_higher_intake(self, b1, b3, k):
        params = {**LICENSED, "low": [0, b1, 1, b3], "mid": [1, b1, 1, b3],
                  "high": [2, b1, 1, b3], "max_session": 30}
        try:
            model = LogLinear(LogLinear.validate(params))
        except ValidationError:
            return
        values = [model.band(i / 2, k).mid for i in range(0, 65)]
        self.assertEqual(values, sorted(values))


class AlarmTests(SimpleTestCase):
    def kinds(self, *args):
        return [a.kind for a in fit.outcome_alarms(*args)]

    def test_off_track_below_the_band(self):
        band = Band(low=20, mid=23, high=26, n=30)
        self.assertEqual(self.kinds([(1, 18), (2, 19.9)], band, 5, 4), ["off_track"])
        self.assertEqual(self.kinds([(1, 18), (2, 20)], band, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18)], band, 5, 4), [])

    def test_no_reliable_change_by_the_session_of_the_setting(self):
        self.assertEqual(self.kinds([(1, 18), (3, 22.9)], None, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18), (4, 22.9)], None, 5, 4), ["no_change"])
        self.assertEqual(self.kinds([(1, 18), (4, 23)], None, 5, 4), [])
        self.assertEqual(self.kinds([(1, 18), (3, 22.9)], None, 5, 3), ["no_change"])

    def test_reliably_worse_at_any_session(self):
        self.assertEqual(self.kinds([(1, 20), (2, 15)], None, 5, 4), ["worse"])

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
