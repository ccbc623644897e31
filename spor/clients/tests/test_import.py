import datetime
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from unittest import mock, skipUnless

from django.db import connection
from django.test import TestCase

from spor.accounts.models import Service
from spor.clients.models import Client
from spor.lib import bulk, csvimport
from spor.lib.testing import ImportTestCase
from spor.treatment.models import Course, Session

CLIENTS = """client_ref,anonymous,birth_year,birth_date,gender,first_name,last_name,cpr
c1,true,2008,,male,,,
c2,false,,2007-03-05,female,Ida,Hansen,050307-4321
c3,false,1999,,unknown,,,
"""
COURSES = ("course_ref,client_ref,kind,start_date,end_date,referral,main_substance,outcome,"
           "in_school_at_end\n") + """\
k1,c1,anonymous_counselling,2014-02-01,2014-03-01,self,cannabis,stopped,
k2,c2,individual,2014-01-10,2014-09-30,parent,cannabis_plus,reduced,true
k3,c3,individual,2014-05-01,,,,,
"""
SESSIONS = """session_ref,course_ref,date,kind,duration_min,attendance
s1,k1,2014-02-01,individual,60,attended
s2,k2,2014-02-01,family,45,
s3,k2,2014-03-01,network,,no_show
"""


class ImportTests(ImportTestCase):
    files = {"clients.csv": CLIENTS, "courses.csv": COURSES, "sessions.csv": SESSIONS}

    def test_a_good_folder_is_imported_with_its_rules(self):
        ok, out, err = self.run_import(self.folder())
        self.assertTrue(ok, err)
        self.assertIn("clients.csv: 3 created", out)
        self.assertIn("sessions.csv: 3 created", out)
        anonymous = Client.objects.get(ref="c1")
        self.assertEqual((anonymous.anonymous, anonymous.birth_year, anonymous.first_name),
                         (True, 2008, ""))
        ida = Client.objects.get(ref="c2")
        self.assertEqual(ida.reveal_cpr(), "050307-4321")
        self.assertEqual(ida.birth_year, 2007)
        course = Course.objects.get(ref="k2")
        self.assertEqual((course.outcome, course.occupation_at_end, course.main_substance,
                          course.referral, course.end_date),
                         ("reduced", "school", "cannabis_plus", "parent",
                          datetime.date(2014, 9, 30)))
        self.assertEqual(Course.objects.get(ref="k3").referral, "unknown")
        self.assertEqual(Session.objects.get(ref="s2").attendance, "attended")
        self.assertEqual(Session.objects.get(ref="s3").duration_min, None)

    def test_importing_the_same_folder_twice_changes_nothing(self):
        folder = self.folder()
        self.run_import(folder)
        ok, out, _err = self.run_import(folder)
        self.assertTrue(ok)
        self.assertIn("clients.csv: 3 unchanged", out)
        self.assertIn("courses.csv: 3 unchanged", out)
        self.assertIn("sessions.csv: 3 unchanged", out)
        self.assertEqual((Client.objects.count(), Course.objects.count(),
                          Session.objects.count()), (3, 3, 3))
        self.assertEqual(Service.objects.count(), 1)

    @skipUnless(connection.vendor == "sqlite", "keys written by the import itself")
    def test_new_rows_get_keys_that_rise_in_the_order_of_the_file(self):
        ok, _out, err = self.run_import(self.folder())
        self.assertTrue(ok, err)
        for model in (Client, Course, Session):
            refs = [ref for _pk, ref in sorted(model.objects.values_list("pk", "ref"))]
            self.assertEqual(refs, sorted(refs), model)
            self.assertEqual({pk.version for pk in model.objects.values_list("pk", flat=True)},
                             {7})

    def test_rising_keys_rise_within_a_millisecond_and_when_the_clock_goes_back(self):
        keys = []
        for ns in (5_000_000, 5_000_000, 5_000_000, 4_000_000, 6_000_000):
            with mock.patch("time.time_ns", return_value=ns):
                keys.append(bulk.rising_uuid_hex())
        self.assertEqual(keys, sorted(set(keys)))
        self.assertEqual([uuid.UUID(k).version for k in keys], [7] * 5)
        self.assertEqual(uuid.UUID(keys[-1]).variant, uuid.RFC_4122)

    @skipUnless(connection.vendor == "postgresql", "the planner's table sizes")
    def test_the_planner_knows_the_new_size_of_each_table_the_import_wrote_in_bulk(self):
        # Planned for empty tables, the FIT state of a national import reads every rating
        # once for each few hundred courses. A small import leaves the sizes alone: they
        # are kept even when it is rolled back, and would mislead the planner later.
        many = "".join(f"m{i},true,2008,,male,,,\n" for i in range(bulk.ANALYZE_FROM))
        ok, _out, err = self.run_import(self.folder(clients_csv=CLIENTS + many))
        self.assertTrue(ok, err)
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN (%s, %s)",
                           [Client._meta.db_table, Session._meta.db_table])
            sizes = dict(cursor.fetchall())
        self.assertEqual(sizes[Client._meta.db_table], Client.objects.count())
        self.assertNotEqual(sizes[Session._meta.db_table], Session.objects.count())

    def test_a_changed_row_updates_the_record_it_names(self):
        self.run_import(self.folder())
        changed = COURSES.replace("2014-09-30,parent,cannabis_plus,reduced",
                                  "2014-09-30,parent,cannabis_plus,stopped")
        ok, out, _err = self.run_import(self.folder(courses_csv=changed))
        self.assertIn("courses.csv: 2 unchanged, 1 updated", out)
        self.assertEqual(Course.objects.get(ref="k2").outcome, "stopped")

    def test_a_later_file_may_identify_an_anonymous_client(self):
        self.run_import(self.folder())
        identified = CLIENTS.replace("c1,true,2008,,male,,,",
                                     "c1,false,,2008-04-01,male,Emil,Berg,010408-4111")
        ok, out, err = self.run_import(self.folder(clients_csv=identified))
        self.assertTrue(ok, err)
        emil = Client.objects.get(ref="c1")
        self.assertFalse(emil.anonymous)
        self.assertIsNotNone(emil.converted_at)
        self.assertEqual(emil.courses.get().sessions.count(), 1)

    def test_every_problem_is_printed_as_file_line_column_message(self):
        err = self.problems(
            clients_csv=CLIENTS + "c4,maybe,2008,,,,,\nc5,true,2008,,male,Kim,,\n"
                                  "c6,false,,,female,Eva,Lund,310207-1234\n"
                                  "c7,false,2006,2007-01-01,,,,\nc1,true,2008,,,,,\n"
                                  "c8,true,,,,,,\n",
            courses_csv=COURSES + "k4,c9,individual,2014-01-10,,,,,\n"
                                  "k5,c2,therapy,2014-13-10,,,weed,,\n"
                                  "k6,c2,individual,2014-05-01,2014-04-01,,,,\n"
                                  "k7,c2,individual,2014-05-01,,,,stopped,\n"
                                  "k8,c2,individual,2014-05-01,,,,,yes\n",
            sessions_csv=SESSIONS + "s4,k1,2014-05-01,individual,60,\n"
                                    "s5,k2,2014-02-01,individual,0,maybe\n"
                                    "s6,k2,2014-02-01,individual,60,,extra\n")
        for expected in [
            "clients.csv:5: anonymous: expected true or false, not 'maybe'",
            "clients.csv:6: first_name: must be empty for an anonymous client",
            "clients.csv:7: cpr: ",
            "clients.csv:8: birth_year: does not match birth_date",
            "clients.csv:9: client_ref: 'c1' appears twice (first on line 2)",
            "clients.csv:10: birth_year: give birth_date or birth_year",
            "courses.csv:5: client_ref: unknown client 'c9'",
            "courses.csv:6: kind: 'therapy' is not one of",
            "courses.csv:6: start_date: '2014-13-10' is not a date as YYYY-MM-DD",
            "courses.csv:6: main_substance: 'weed' is not one of",
            "courses.csv:7: end_date: ",
            "courses.csv:8: outcome: ",
            "courses.csv:9: in_school_at_end: expected true or false, not 'yes'",
            "sessions.csv:5: date: ",
            "sessions.csv:6: duration_min: 0 is not between 1 and 600",
            "sessions.csv:6: attendance: 'maybe' is not one of",
            "sessions.csv:7: row: more fields than columns in the header",
        ]:
            self.assertIn(expected, err)
        self.assertIn("nothing was imported", err)

    def test_a_key_is_found_twice_and_a_broken_row_named_across_batches(self):
        with mock.patch.object(csvimport, "BATCH", 2):
            err = self.problems(
                clients_csv=CLIENTS + "c4,true,1800,,,,,\nc5,true,2008,,,,,\nc2,true,2008,,,,,\n",
                courses_csv=COURSES + "k4,c4,individual,2014-01-10,,,,,\n"
                                      "k5,c5,individual,2014-01-10,,,,,\n"
                                      "k1,c5,individual,2014-01-10,,,,,\n")
        self.assertIn("clients.csv:5: birth_year: 1800 is not between 1900 and 2100", err)
        self.assertIn("clients.csv:7: client_ref: 'c2' appears twice (first on line 3)", err)
        self.assertIn("courses.csv:5: client_ref: 'c4' has problems of its own (see above)",
                      err)
        self.assertIn("courses.csv:7: course_ref: 'k1' appears twice (first on line 2)", err)
        self.assertNotIn("courses.csv:6", err)

    def test_the_models_rules_apply_to_new_rows(self):
        err = self.problems(clients_csv=CLIENTS + "c4,true,2030,,,,,\n",
                            courses_csv=COURSES + "k4,c2,individual,2099-01-10,,,,,\n",
                            sessions_csv=SESSIONS + "s4,k2,2013-01-01,individual,,\n")
        self.assertIn("clients.csv:5: birth_year: Enter a birth year between", err)
        self.assertIn("courses.csv:5: start_date: ", err)
        self.assertIn("sessions.csv:5: date: The date is before the course began", err)

    def test_unknown_and_missing_columns_are_named(self):
        err = self.problems(clients_csv="client_ref,anonymous,birth_year,shoe_size\n")
        self.assertIn("clients.csv:1: shoe_size: unknown column", err)
        err = self.problems(courses_csv="course_ref,client_ref,kind\n")
        self.assertIn("courses.csv:1: start_date: required column is missing", err)

    def test_a_missing_required_file_or_an_unknown_file_is_a_problem(self):
        self.assertIn("clients.csv:0: file: the file is missing",
                      self.problems(clients_csv=None))
        self.assertIn("notes.csv:1: file: unknown file", self.problems(notes_csv="a\n"))

    def test_a_file_that_is_not_utf8_is_refused_at_its_first_bad_line_and_nothing_more(self):
        latin1 = (CLIENTS + "c4,false,2001,,female,Søs,Ørum,\nc5,false,2002,,male,Åge,,\n"
                  ).encode("latin-1")
        err = self.problems(clients_csv=latin1, courses_csv=COURSES + "k4,c4,individual,"
                            "2014-01-10,,,,,\nk5,c5,individual,2014-01-10,,,,,\n")
        problems = err.splitlines()[:-1]
        self.assertEqual(problems, ["clients.csv:5: first_name: the file is not UTF-8 — "
                                    "save it as UTF-8"])

    def test_a_nul_character_is_named_by_line_and_column_and_stops_the_import(self):
        err = self.problems(clients_csv=CLIENTS + "c4,false,2001,,female,Ma\0ja,Lund,\n",
                            courses_csv=COURSES + "k4,c4,individual,2014-01-10,,,,,\n")
        self.assertEqual(err.splitlines()[:-1], [
            "clients.csv:5: first_name: contains a NUL character, which is not text (was the file "
            "saved as UTF-8 text?)"])

    def test_a_utf16_file_is_not_utf8(self):
        err = self.problems(clients_csv=CLIENTS.encode("utf-16"))
        self.assertIn("clients.csv:1: header: the file is not UTF-8 — save it as UTF-8", err)

    def test_a_byte_order_mark_is_allowed(self):
        ok, _out, err = self.run_import(self.folder(clients_csv=b"\xef\xbb\xbf" +
                                                    CLIENTS.encode()))
        self.assertTrue(ok, err)


class ImportIntoAnEmptyInstallationTests(ImportTestCase):
    files = {"clients.csv": CLIENTS, "courses.csv": COURSES}

    def rows(self):
        tables = connection.introspection.table_names()
        with connection.cursor() as cursor:
            counts = {}
            for table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[table] = cursor.fetchone()[0]
        return counts

    def test_a_refused_import_leaves_nothing_behind_not_even_the_service(self):
        self.assertFalse(Service.objects.exists())
        before = self.rows()
        self.problems(courses_csv=COURSES + "k4,c9,individual,2014-01-10,,,,,\n")
        self.assertEqual(self.rows(), before)
        self.assertFalse(Service.objects.exists())

    def test_a_good_import_makes_the_one_service(self):
        ok, out, err = self.run_import(self.folder())
        self.assertTrue(ok, err)
        self.assertEqual(Service.objects.get().name, "Spor")
        self.assertIn("Imported into Spor.", out)


class ImportCommandLineTests(TestCase):
    def test_the_spor_command_exits_non_zero_and_prints_the_problems(self):
        with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as folder:
            Path(folder, "clients.csv").write_text("client_ref,anonymous,birth_year\n"
                                                   "c1,nope,2008\n")
            Path(folder, "courses.csv").write_text(COURSES.splitlines()[0] + "\n")
            env = {**os.environ, "SPOR_DATA_DIR": data}
            env.pop("DATABASE_URL", None)
            result = subprocess.run([sys.executable, "-m", "spor", "import", folder],
                                    capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(result.returncode, 1)
        self.assertIn("clients.csv:2: anonymous: expected true or false, not 'nope'",
                      result.stderr)
