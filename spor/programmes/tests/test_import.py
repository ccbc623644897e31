import datetime

from spor.accounts.models import Team
from spor.lib.testing import ImportTestCase
from spor.programmes.models import ParentCourse, ParentFollowup, ParentParticipant

CLIENTS = "client_ref,anonymous,birth_year\nc1,true,2008\n"
COURSES = "course_ref,client_ref,kind,start_date\nk1,c1,anonymous_counselling,2014-02-01\n"
PARENT_COURSES = """parent_course_ref,start_date,end_date
f1,2014-02-04,2014-03-25
f2,2014-09-02,
"""
PARTICIPANTS = """participant_ref,parent_course_ref,relation,evenings_attended
p1,f1,mother,5
p2,f1,father,3
p3,f1,,
p4,f2,sibling,1
"""
FOLLOWUPS = """participant_ref,when,child_use,uses_new_options
p1,3m,smaller,yes
p1,1y,stopped,yes
p2,3m,dont_know,
p3,3m,,
"""


class ParentImportTests(ImportTestCase):
    files = {"clients.csv": CLIENTS, "courses.csv": COURSES,
             "parent_courses.csv": PARENT_COURSES,
             "parent_participants.csv": PARTICIPANTS,
             "parent_followups.csv": FOLLOWUPS}
    written = ParentCourse

    def test_courses_participants_and_answers_are_imported(self):
        ok, out, err = self.run_import(self.folder())
        self.assertTrue(ok, err)
        self.assertIn("parent_courses.csv: 2 created", out)
        self.assertIn("parent_participants.csv: 4 created", out)
        course = ParentCourse.objects.get(ref="f1")
        self.assertEqual((course.start_date, course.end_date, course.team.kind),
                         (datetime.date(2014, 2, 4), datetime.date(2014, 3, 25),
                          Team.Kind.PARENTS))
        p1 = ParentParticipant.objects.get(ref="p1")
        self.assertEqual((p1.relation, p1.attended()), ("mother", 5))
        self.assertEqual(ParentParticipant.objects.get(ref="p3").relation, "")
        survey = p1.followups.get(when="3m")
        self.assertEqual((survey.due_date, survey.source, survey.answers["child_use"]),
                         (datetime.date(2014, 6, 25), "import", "smaller"))
        p2 = ParentFollowup.objects.get(participant__ref="p2", when="3m")
        self.assertEqual(p2.answers, {"child_use": "dont_know", "uses_new_options": None,
                                      "comment": None})
        p3 = ParentFollowup.objects.get(participant__ref="p3", when="3m")
        self.assertTrue(p3.is_answered)
        self.assertEqual((p3.answers["child_use"], p3.answers["uses_new_options"]),
                         (None, None))
        # A course without an end date has no due dates yet.
        self.assertIsNone(ParentFollowup.objects.get(participant__ref="p4", when="3m").due_date)

    def test_importing_the_same_folder_again_changes_nothing(self):
        folder = self.folder()
        self.run_import(folder)
        before = list(ParentFollowup.objects.order_by("pk").values())
        ok, out, err = self.run_import(folder)
        self.assertTrue(ok, err)
        self.assertIn("parent_courses.csv: 2 unchanged", out)
        self.assertIn("parent_participants.csv: 4 unchanged", out)
        self.assertIn("parent_followups.csv: 4 unchanged", out)
        self.assertEqual(list(ParentFollowup.objects.order_by("pk").values()), before)

    def test_a_changed_end_date_moves_the_due_dates(self):
        self.run_import(self.folder())
        ok, out, _err = self.run_import(self.folder(
            parent_courses_csv=PARENT_COURSES.replace("2014-03-25", "2014-04-01")))
        self.assertIn("parent_courses.csv: 1 unchanged, 1 updated", out)
        self.assertEqual(ParentFollowup.objects.get(participant__ref="p1", when="1y").due_date,
                         datetime.date(2015, 4, 1))

    def test_every_problem_is_reported_by_file_line_and_column(self):
        err = self.problems(
            parent_courses_csv="parent_course_ref,start_date,end_date\n"
                               "f1,4. februar,2014-03-25\nf2,2014-09-02,2014-08-01\n",
            parent_participants_csv="participant_ref,parent_course_ref,relation,"
                                    "evenings_attended\np1,f9,aunt,30\np2,f2,mother,3\n",
            parent_followups_csv="participant_ref,when,child_use,uses_new_options\n"
                                 "p2,6m,much_less,maybe\n")
        for expected in [
            "parent_courses.csv:2: start_date: '4. februar' is not a date as YYYY-MM-DD",
            "parent_courses.csv:3: end_date: ",
            "parent_participants.csv:2: parent_course_ref: unknown parent_course 'f9'",
            "parent_participants.csv:2: relation: 'aunt' is not one of mother, father, "
            "sibling, other",
            "parent_participants.csv:2: evenings_attended: 30 is not between 0 and 25",
            "parent_participants.csv:3: parent_course_ref: 'f2' has problems of its own",
            "parent_followups.csv:2: participant_ref: 'p2' has problems of its own",
            "parent_followups.csv:2: when: '6m' is not one of 3m, 1y",
            "parent_followups.csv:2: child_use: 'much_less' is not one of unchanged, larger, "
            "smaller, stopped, dont_know",
            "parent_followups.csv:2: uses_new_options: 'maybe' is not one of yes, no, "
            "dont_know",
        ]:
            self.assertIn(expected, err)

    def test_more_evenings_than_the_course_has_are_refused(self):
        err = self.problems(parent_participants_csv=PARTICIPANTS.replace("p1,f1,mother,5",
                                                                         "p1,f1,mother,6"))
        self.assertIn("parent_participants.csv:2: evenings_attended: The course has 5 "
                      "evenings.", err)

    def test_a_survey_twice_in_the_file_is_a_problem(self):
        err = self.problems(parent_followups_csv=FOLLOWUPS + "p1,3m,larger,no\n")
        self.assertIn("parent_followups.csv:6: when: '3m' of 'p1' appears twice", err)

    def test_unknown_columns_and_missing_required_columns_are_refused(self):
        err = self.problems(parent_followups_csv="participant_ref,comment\np1,hej\n")
        self.assertIn("parent_followups.csv:1: comment: unknown column", err)
        self.assertIn("parent_followups.csv:1: when: required column is missing", err)

    def test_a_participant_cannot_move_to_another_course(self):
        self.run_import(self.folder())
        ok, _out, err = self.run_import(self.folder(
            parent_participants_csv=PARTICIPANTS.replace("p4,f2,", "p4,f1,")))
        self.assertFalse(ok)
        self.assertIn("parent_participants.csv:5: parent_course_ref: the participant already "
                      "belongs to another course", err)
