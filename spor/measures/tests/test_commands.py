"""The FIT interfaces for analysts and validation: `spor fit_expected --export`,
`spor fit_band` and `spor fit_alarms` (docs/fit.md)."""

import io
import json
import sys
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from spor.lib.testing import Personas
from spor.measures.models import ExpectedCourse
from spor.measures.simulation import POPULATIONS, simulate
from spor.measures.trajectory import learn


def band_lines(service, lines):
    """What `spor fit_band --service NAME` writes for these input lines."""
    out, stdin = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO("".join(line + "\n" for line in lines))
    try:
        call_command("fit_band", "--service", service, stdout=out)
    finally:
        sys.stdin = stdin
    return [json.loads(line) for line in out.getvalue().splitlines()]


class ExpectedCourseInterfaceTests(Personas, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        params = learn([c.totals for c in simulate(POPULATIONS[0], 300, seed=3)])
        ExpectedCourse.objects.create(service=cls.service, kind="learned", params=params,
                                      n_courses=params["n_courses"])

    def test_the_band_is_given_for_each_line_in_order_with_nulls_where_there_is_none(self):
        found = band_lines("Helsingung", ['{"intake": 18.5, "session": 4}',
                                          '{"intake": 0, "session": 2}', "",
                                          '{"intake": 40, "session": 30}',
                                          '{"intake": 18.5, "session": 1}'])
        self.assertEqual([(f["intake"], f["session"]) for f in found],
                         [(18.5, 4), (0, 2), (40, 30), (18.5, 1)])
        for band in found[:3]:
            self.assertTrue(0 <= band["low"] <= band["mid"] <= band["high"] <= 40, band)
            self.assertIsInstance(band["n"], int)
        self.assertGreater(found[0]["n"], found[1]["n"])
        self.assertEqual({k: found[3][k] for k in ("low", "mid", "high", "n")},
                         dict.fromkeys(("low", "mid", "high", "n")))
        # another service has no expected course: nulls, not an error
        self.assertIsNone(band_lines("Andetsteds", ['{"intake": 18, "session": 3}'])[0]["low"])

    def test_a_bad_line_is_refused_naming_the_line_and_the_key(self):
        for line, message in (('{"intake": 41, "session": 3}', "line 2: intake"),
                              ('{"intake": 20, "session": 2.5}', "line 2: session"),
                              ('{"intake": 20}', "line 2: session"),
                              ("[1, 2]", "line 2: a JSON object"),
                              ("{intake: 3}", "line 2: not JSON")):
            with self.assertRaises(CommandError) as caught:
                band_lines("Helsingung", ['{"intake": 18, "session": 3}', line])
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(CommandError):
            band_lines("Nowhere", [])

    def test_the_export_is_read_back_by_from_file_and_gives_the_same_bands(self):
        path = Path(tempfile.mkdtemp()) / "expected.json"
        call_command("fit_expected", "--service", "Helsingung", "--export", str(path),
                     stdout=io.StringIO())
        exported = json.loads(path.read_text())
        self.assertEqual(exported["n_courses"], 300)
        call_command("fit_expected", "--service", "Andetsteds", "--from-file", str(path),
                     stdout=io.StringIO())
        lines = [json.dumps({"intake": x / 2, "session": k})
                 for x in range(0, 81, 7) for k in (2, 3, 7, 12, 20)]
        self.assertEqual(band_lines("Andetsteds", lines), band_lines("Helsingung", lines))

    def test_there_is_nothing_to_export_before_a_course_is_learned(self):
        with self.assertRaises(CommandError) as caught:
            call_command("fit_expected", "--service", "Andetsteds", "--export",
                         str(Path(tempfile.mkdtemp()) / "x.json"))
        self.assertIn("no expected course", str(caught.exception))
