"""ratings.csv of FORMATS.md, through the `spor import` command."""

import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from unittest import skipUnless

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from spor.clients.models import Client
from spor.lib import bulk
from spor.measures.models import FitState, Rating

CLIENTS = "client_ref,anonymous,birth_year\nc1,true,2008\n"
COURSES = ("course_ref,client_ref,kind,start_date,end_date\n"
           "k1,c1,individual,2014-02-01,2014-09-01\n")
SESSIONS = ("session_ref,course_ref,date,kind,attendance\n"
            "s1,k1,2014-02-01,individual,attended\n"
            "s2,k1,2014-03-01,individual,attended\n"
            "s3,k1,2014-04-01,individual,no_show\n")
RATINGS = ("session_ref,instrument,rater,item1,item2,item3,item4\n"
           "s1,ORS,client,4.5,5,6.2,3\n"
           "s1,SRS,client,9,9.5,10,8.8\n"
           "s2,ORS,client,7,7,7.5,8\n"
           "s2,ORS,parent,6,6,6,6\n")


class RatingsImportTests(TestCase):
    def run_import(self, ratings, courses=COURSES):
        folder = Path(tempfile.mkdtemp())
        for name, text in {"clients.csv": CLIENTS, "courses.csv": courses,
                           "sessions.csv": SESSIONS, "ratings.csv": ratings}.items():
            (folder / name).write_text(text, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import", str(folder), stdout=out, stderr=err)
        except CommandError:
            return False, err.getvalue()
        return True, out.getvalue()

    def test_ratings_are_imported_with_their_totals_and_once_only(self):
        ok, out = self.run_import(RATINGS)
        self.assertTrue(ok, out)
        self.assertIn("ratings.csv: 4 created", out)
        ors = Rating.objects.get(session__ref="s1", instrument="ORS")
        self.assertEqual((ors.total, ors.source, ors.answers["individually"]),
                         (Decimal("18.7"), "import", 4.5))
        self.assertEqual(Rating.objects.get(instrument="SRS").answers["overall"], 8.8)
        ok, out = self.run_import(RATINGS)
        self.assertIn("ratings.csv: 4 unchanged", out)
        ok, out = self.run_import(RATINGS.replace("s2,ORS,parent,6,6,6,6", "s2,ORS,parent,6,6,6,7"))
        self.assertIn("ratings.csv: 3 unchanged, 1 updated", out)
        self.assertEqual(Rating.objects.count(), 4)

    @skipUnless(connection.vendor == "sqlite", "the text that SQLite stores")
    def test_imported_answers_are_stored_as_the_orm_writes_them(self):
        ok, out = self.run_import(RATINGS)
        self.assertTrue(ok, out)
        with connection.cursor() as cursor:
            cursor.execute("SELECT answers FROM measures_rating")
            stored = sorted(text for (text,) in cursor.fetchall())
        field = Rating._meta.get_field("answers")
        self.assertEqual(stored, sorted(field.get_db_prep_save(r.answers, connection)
                                        for r in Rating.objects.all()))
        self.assertIn('"individually": 4.5', "".join(stored))

    def test_only_finite_floats_are_written_from_the_template(self):
        text = bulk.encoded({"a": 1.0, "b": 10.0, "c": 0.1}).text
        self.assertEqual(text, json.dumps({"a": 1.0, "b": 10.0, "c": 0.1}))
        for values in ({"a": 1.0, "b": None}, {"a": 1}, {"a": float("inf")}, {"a": "1.0"}):
            self.assertIs(bulk.encoded(values), values)

    def test_the_stored_fit_state_is_refreshed_only_by_an_import_that_changes_a_row(self):
        self.run_import(RATINGS)
        state = FitState.objects.get(course__ref="k1")
        self.assertEqual((state.outcome_count, state.outcome_latest), (2, Decimal("29.5")))
        ok, out = self.run_import(RATINGS)
        self.assertIn("ratings.csv: 4 unchanged", out)
        self.assertEqual(FitState.objects.get(course__ref="k1").computed_at, state.computed_at)
        ok, out = self.run_import(RATINGS.replace("s2,ORS,client,7,7,7.5,8",
                                                  "s2,ORS,client,7,7,7.5,9"))
        self.assertIn("1 updated", out)
        again = FitState.objects.get(course__ref="k1")
        self.assertEqual(again.outcome_latest, Decimal("30.5"))
        self.assertGreater(again.computed_at, state.computed_at)

    def test_a_new_row_refreshes_the_state_of_its_own_course_only(self):
        courses = COURSES + "k2,c1,individual,2015-01-01,\n"
        self.run_import(RATINGS, courses=courses)
        before = {s.course.ref: s for s in FitState.objects.select_related("course")}
        self.assertEqual(set(before), {"k1", "k2"})
        ok, out = self.run_import(RATINGS + "s2,SRS,client,9,9,9,9\n", courses=courses)
        self.assertIn("ratings.csv: 1 created, 4 unchanged", out)
        after = {s.course.ref: s for s in FitState.objects.select_related("course")}
        self.assertEqual(after["k2"].computed_at, before["k2"].computed_at)
        self.assertGreater(after["k1"].computed_at, before["k1"].computed_at)
        self.assertEqual(after["k1"].alliance_latest, Decimal("36.0"))

    def test_a_number_refused_once_is_refused_again(self):
        bad = RATINGS.replace("s1,ORS,client,4.5,5,6.2,3", "s1,ORS,client,4.55,5,6.2,3")
        for _attempt in range(2):  # parsed numbers are remembered; refused ones are not
            ok, err = self.run_import(bad)
            self.assertFalse(ok)
            self.assertIn("ratings.csv:2: item1: at most one decimal", err)
        self.assertEqual(Rating.objects.count(), 0)

    def test_every_bad_value_is_named_and_nothing_is_written(self):
        bad = ("session_ref,instrument,rater,item1,item2,item3,item4\n"
               "s1,ORS,client,10.5,5,6.25,x\n"
               "s9,ORS,client,1,1,1,1\n"
               "s1,PHQ9,teacher,1,1,1,1\n"
               "s3,ORS,client,1,1,1,1\n"
               "s2,ORS,client,1,1,1,1\n"
               "s2,ORS,client,2,2,2,2\n"
               "s1,SRS,client,1,2,3\n")
        ok, err = self.run_import(bad)
        self.assertFalse(ok)
        for problem in ("ratings.csv:2: item1: must be between 0 and 10",
                        "ratings.csv:2: item3: at most one decimal",
                        "ratings.csv:2: item4: 'x' is not a number (use a point for decimals)",
                        "ratings.csv:3: session_ref: unknown session 's9'",
                        "ratings.csv:4: instrument: 'PHQ9' is not one of ORS, CORS, SRS",
                        "ratings.csv:4: rater: 'teacher' is not one of client, parent, other",
                        "ratings.csv:5: session_ref: Ratings belong to sessions the young "
                        "person attended",
                        "ratings.csv:7: session_ref: a second ORS rating by client",
                        "ratings.csv:8: item4: a mark on the line is required"):
            self.assertIn(problem, err)
        self.assertFalse(Client.objects.exists())
        self.assertFalse(Rating.objects.exists())

    def test_an_unknown_column_is_refused(self):
        ok, err = self.run_import("session_ref,instrument,rater,item1,item2,item3,item4,total\n")
        self.assertIn("ratings.csv:1: total: unknown column", err)
