"""The expected course: learned by quantile regression, smooth, defined for every intake,
honest about its data, calibrated on held-out courses, and read from a file in the format
it is exported in."""

import json

import numpy
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from spor.measures.simulation import POPULATIONS, simulate
from spor.measures.trajectory import Band, Trajectory, learn

INTAKES = [i / 10 for i in range(0, 401)]


class LearnedCourseTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = learn([c.totals for c in simulate(POPULATIONS[0], 1500, seed=11)])
        cls.model = Trajectory(cls.params)

    def test_it_is_defined_for_every_intake_from_0_to_40_and_holds_what_a_band_must(self):
        for session in (2, 4, 8, 12, 30):
            bands = [self.model.band(x, session) for x in INTAKES]
            for band in bands:
                self.assertTrue(0 <= band.low <= band.mid <= band.high <= 40, band)
            for key in ("low", "mid", "high"):
                values = [getattr(b, key) for b in bands]
                self.assertEqual(values, sorted(values), (key, session))
        self.assertIsNone(self.model.band(18, 1))

    def test_the_edges_move_continuously_with_the_intake(self):
        for session in range(2, 13):
            for key in ("low", "mid", "high"):
                values = numpy.array([getattr(self.model.band(x, session), key)
                                      for x in INTAKES])
                # a tenth more at intake never moves an edge by more than a quarter point
                self.assertLessEqual(numpy.abs(numpy.diff(values)).max(), 0.25, (key, session))

    def test_later_sessions_count_each_rating_and_expect_more(self):
        self.assertLess(self.model.band(15, 2).mid, self.model.band(15, 8).mid)
        self.assertEqual(self.model.band(15, 12), self.model.band(15, 20))

    def test_it_is_wider_and_says_so_where_there_are_few_courses(self):
        centre, edge = self.model.band(18, 4), self.model.band(1, 4)
        self.assertGreater(centre.n, 100)
        self.assertLess(edge.n, centre.n / 10)
        self.assertGreater(edge.high - edge.low, centre.high - centre.low)

    def test_on_held_out_courses_each_intake_fifth_is_as_often_below_and_above_as_claimed(
            self):
        held_out = simulate(POPULATIONS[0], 3000, seed=12)
        edges = numpy.quantile([c.intake for c in held_out], [0.2, 0.4, 0.6, 0.8])
        cells = numpy.zeros((5, 3))
        for course in held_out:
            fifth = int(numpy.searchsorted(edges, course.intake, side="right"))
            for k, total in course.totals[1:10]:
                band = self.model.band(course.intake, k)
                cells[fifth] += (1, total < band.low, total > band.high)
        for fifth, (n, below, above) in enumerate(cells):
            self.assertAlmostEqual(100 * below / n, 25, delta=5, msg=fifth)
            self.assertAlmostEqual(100 * above / n, 25, delta=5, msg=fifth)

    def test_the_exported_model_is_a_file_model_with_the_same_band(self):
        again = Trajectory(Trajectory.validate(json.loads(json.dumps(self.params))))
        for x, k in ((0, 2), (17.3, 3), (40, 14)):
            self.assertEqual(again.band(x, k), self.model.band(x, k))

    @settings(max_examples=15, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 400), st.lists(
        st.tuples(st.integers(2, 16), st.integers(0, 400)), min_size=1, max_size=6)),
        min_size=0, max_size=60))
    def test_any_courses_give_a_band_within_0_and_40_that_never_falls(self, drawn):
        series = [[(1, a / 10), *sorted({k: t / 10 for k, t in rest}.items())]
                  for a, rest in drawn]
        model = Trajectory(learn(series, max_session=6))
        for session in (2, 5, 9):
            bands = [model.band(x, session) for x in INTAKES[::10]]
            for lower, higher in zip(bands, bands[1:], strict=False):
                self.assertLessEqual(lower.mid, higher.mid)
            for band in bands:
                self.assertTrue(0 <= band.low <= band.mid <= band.high <= 40)


LICENSED = {"name": "ETR", "source": "Licensed from the authors", "max_session": 10,
            "n_courses": 5000, "low": [2, 0.9, 2, 0], "mid": [4, 0.9, 3, 0],
            "high": [6, 0.9, 4, 0]}


class ModelFileTests(SimpleTestCase):
    def test_a_valid_file_gives_a_band_that_rises_with_the_sessions(self):
        model = Trajectory(Trajectory.validate(LICENSED))
        self.assertEqual(model.band(20, 2), Band(low=21.4, mid=24.1, high=26.8, n=5000))
        self.assertLess(model.band(20, 2).mid, model.band(20, 10).mid)
        self.assertEqual(model.band(20, 10), model.band(20, 30))  # flat after max_session
        self.assertEqual(model.band(38, 3).high, 40)  # every intake, within 0–40

    def test_a_bad_file_is_refused_with_the_key_at_fault(self):
        cases = [
            ({**LICENSED, "mid": [1, 2, 3]}, "mid"),
            ({**LICENSED, "low": [0, "x", 0, 0]}, "low"),
            ({**LICENSED, "max_session": 1}, "max_session"),
            ({**LICENSED, "colour": "red"}, "colour"),
            ({**LICENSED, "name": ""}, "name"),
            ({**LICENSED, "high": [6, -0.5, 4, 0]}, "high"),  # falls as the intake rises
            ({**LICENSED, "low": [9, 0.9, 2, 0]}, "mid"),  # low above mid
            ({**LICENSED, "intake_knots": [5, 3, 9]}, "intake_knots"),
            ({**LICENSED, "intake_knots": [5, 10, 20]}, "low"),  # 4 numbers for 8 terms
            ({**LICENSED, "counts": [[0] * 41]}, "counts"),
            ({**LICENSED, "percentiles": [50, 75]}, "percentiles"),
        ]
        for params, key in cases:
            with self.assertRaises(ValidationError) as caught:
                Trajectory.validate(params)
            self.assertIn(key, caught.exception.message_dict, params)
        with self.assertRaises(ValidationError):
            Trajectory.validate([1, 2])

    @given(st.floats(0, 1.5), st.floats(-0.2, 0.2), st.integers(2, 30))
    def test_an_accepted_model_never_expects_less_for_a_higher_intake(self, b1, b3, k):
        params = {**LICENSED, "low": [0, b1, 1, b3], "mid": [1, b1, 1, b3],
                  "high": [2, b1, 1, b3], "max_session": 30}
        try:
            model = Trajectory(Trajectory.validate(params))
        except ValidationError:
            return
        values = [model.band(i / 2, k).mid for i in range(0, 81)]
        self.assertEqual(values, sorted(values))
