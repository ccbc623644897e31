import datetime
import threading
import time
from unittest import mock

import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from spor.accounts.models import Team
from spor.audit.models import AccessLog, erase_past_retention
from spor.lib.testing import PersonaTestCase
from spor.measures.models import RatingInvite
from spor.operations import jobs
from spor.operations.models import JobRun, JobState
from spor.operations.tests.installations import Installation
from spor.programmes.models import ParentFollowup, ParentParticipant
from spor.programmes.tests.helpers import make_parent_course
from spor.tracking.models import PairingCode

TZ = timezone.get_default_timezone()


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


class Registry:
    """Only the jobs a test registers, for the test's length."""

    def setUp(self):
        super().setUp()
        jobs.jobs()  # the apps' own registrations, put back afterwards
        patcher = mock.patch.dict(jobs.REGISTRY, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.calls = []

    def counting(self, name, pause=0.0, fail=False, **schedule):
        def run():
            self.calls.append(name)
            time.sleep(pause)
            if fail:
                raise ValueError("the disk is full\nsecond line")
            return f"{name} done"

        return jobs.register(name, name.title(), run, **schedule)


class ScheduleTests(Registry, TestCase):
    def test_a_new_job_runs_at_once_and_then_when_due(self):
        self.counting("nightly", daily=datetime.time(2, 0))
        with time_machine.travel(at(2026, 3, 10, 14, 0), tick=False):
            [run] = jobs.run_due()
            self.assertEqual((run.name, run.ok, run.summary), ("nightly", True, "nightly done"))
            self.assertEqual(jobs.run_due(), [])
        self.assertEqual(JobState.objects.get().next_due, at(2026, 3, 11, 2, 0))
        with time_machine.travel(at(2026, 3, 11, 1, 59), tick=False):
            self.assertEqual(jobs.run_due(), [])
        with time_machine.travel(at(2026, 3, 11, 2, 1), tick=False):
            self.assertEqual(len(jobs.run_due()), 1)
        self.assertEqual(self.calls, ["nightly", "nightly"])

    def test_a_daily_time_is_local_time_across_summer_time(self):
        job = self.counting("nightly", daily=datetime.time(2, 30))
        # The night clocks go forward in Denmark (29 March 2026) has no 02:30; the next
        # night's 02:30 is in summer time.
        self.assertEqual(job.next_after(at(2026, 3, 29, 3, 0)), at(2026, 3, 30, 2, 30))
        self.assertEqual(job.next_after(at(2026, 3, 30, 2, 29)), at(2026, 3, 30, 2, 30))

    def test_a_failure_is_recorded_without_detail_and_tried_again_within_the_hour(self):
        self.counting("backup", fail=True, daily=datetime.time(3, 0))
        self.counting("hourly", every=datetime.timedelta(hours=1))
        with time_machine.travel(at(2026, 3, 10, 3, 0), tick=False):
            runs = jobs.run_due()
        self.assertEqual([(r.name, r.ok) for r in runs], [("backup", False), ("hourly", True)])
        self.assertEqual(runs[0].summary, "ValueError: the disk is full")
        self.assertEqual(JobState.objects.get(name="backup").next_due, at(2026, 3, 10, 4, 0))

    def test_a_job_held_by_a_process_that_died_is_taken_over_after_six_hours(self):
        self.counting("nightly", daily=datetime.time(2, 0))
        JobState.objects.create(name="nightly", next_due=at(2026, 3, 10, 2, 0),
                                running_since=at(2026, 3, 10, 2, 0))
        with time_machine.travel(at(2026, 3, 10, 7, 0), tick=False):
            self.assertEqual(jobs.run_due(), [])
        with time_machine.travel(at(2026, 3, 10, 8, 1), tick=False):
            self.assertEqual(len(jobs.run_due()), 1)


class TwoAtOnceTests(Registry, TransactionTestCase):
    def test_two_runs_at_once_run_each_job_once(self):
        if connection.vendor != "postgresql":
            self.skipTest("threads share the in-memory SQLite test database; the SQLite "
                          "case runs two real processes in JobCommandTests")
        self.counting("slow", pause=0.5, daily=datetime.time(2, 0))
        self.counting("hourly", pause=0.2, every=datetime.timedelta(hours=1))
        barrier = threading.Barrier(4)

        def run():
            barrier.wait()
            try:
                jobs.run_due()
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(self.calls), ["hourly", "slow"])
        self.assertEqual(JobRun.objects.count(), 2)


class JobCommandTests(TestCase):
    def test_two_spor_jobs_processes_at_once_run_each_job_once(self):
        site = Installation(connection.vendor)
        self.addCleanup(site.remove)
        site.spor("migrate", "-v0")
        both = [site.start("jobs") for _ in range(2)]
        outputs = [p.communicate(timeout=300) for p in both]
        self.assertEqual([p.returncode for p in both], [0, 0], outputs)
        runs = site.python("from spor.operations.models import JobRun; "
                           "print(*sorted(JobRun.objects.values_list('name', flat=True)))")
        self.assertEqual(runs.split(), sorted(jobs.jobs()))
        listed = site.spor("jobs", "--list").stdout
        self.assertIn("backup", listed)
        self.assertIn("daily at 03:00", listed)

    def test_an_unknown_job_is_named(self):
        with self.assertRaisesMessage(CommandError, "No job is called 'nope'; there are: "):
            call_command("jobs", "--run", "nope")

    def test_the_issue_s_jobs_are_registered(self):
        self.assertLessEqual({"purge_public", "fit_expected", "access_log_retention",
                              "expired_rating_links", "backup"}, set(jobs.jobs()))


class RetentionTests(PersonaTestCase):
    def test_access_log_rows_older_than_the_retention_are_deleted(self):
        self.assertEqual(settings.SPOR_ACCESS_LOG_RETENTION_MONTHS, 60)
        old, kept = (AccessLog.objects.create(client=self.ida, username="alice", what="x",
                                              purpose="treatment") for _ in range(2))
        AccessLog.objects.filter(pk=old.pk).update(at=at(2021, 3, 9, 23, 59))
        AccessLog.objects.filter(pk=kept.pk).update(at=at(2021, 3, 10, 0, 0))
        with time_machine.travel(at(2026, 3, 10, 1, 30), tick=False):
            self.assertEqual(erase_past_retention(), 1)
        self.assertEqual(list(AccessLog.objects.values_list("pk", flat=True)), [kept.pk])

    def test_a_retention_under_six_months_is_refused(self):
        site = Installation(connection.vendor, SPOR_ACCESS_LOG_RETENTION_MONTHS="5")
        self.addCleanup(site.remove)
        result = site.spor("check", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SPOR_ACCESS_LOG_RETENTION_MONTHS must be 6 or more, not 5",
                      result.stderr)

    def test_expired_rating_links_and_hand_overs_are_deleted(self):
        invite, _ = RatingInvite.issue(self.ida_session, "ORS", "client",
                                       RatingInvite.Mode.LINK, self.alice)
        gone, _ = RatingInvite.issue(self.ida_session, "SRS", "client",
                                     RatingInvite.Mode.HANDOVER, self.alice)
        RatingInvite.objects.filter(pk=gone.pk).update(expires_at=timezone.now())
        self.assertIn("Deleted 1 expired", jobs.jobs()["expired_rating_links"].run())
        self.assertEqual(list(RatingInvite.objects.all()), [invite])

    def test_expired_parent_survey_links_end_and_their_surveys_stay(self):
        team = Team.objects.create(service=self.service, name="Forældre",
                                   kind=Team.Kind.PARENTS)
        course = make_parent_course(self.service, team, datetime.date(2025, 1, 7))
        participant = ParentParticipant.objects.create(course=course, name="Pia")
        live, old = ParentFollowup.objects.filter(participant=participant)
        live.new_link()
        live.save()
        old.new_link()
        old.link_expires_at = timezone.now()
        old.save()
        self.assertIn("Ended 1 expired", jobs.jobs()["expired_survey_links"].run())
        old.refresh_from_db()
        live.refresh_from_db()
        self.assertEqual((old.token_hash, old.link_expires_at), ("", None))
        self.assertNotEqual(live.token_hash, "")

    def test_expired_unused_pairing_codes_are_deleted(self):
        fresh, _code = PairingCode.make(self.ida, self.alice)
        stale, _code = PairingCode.make(self.ida, self.alice)
        used, _code = PairingCode.make(self.ida, self.alice)
        PairingCode.objects.filter(pk__in=[stale.pk, used.pk]).update(
            expires_at=timezone.now())
        PairingCode.objects.filter(pk=used.pk).update(used_at=timezone.now())
        self.assertIn("Deleted 1 expired", jobs.jobs()["expired_pairing_codes"].run())
        self.assertEqual(set(PairingCode.objects.values_list("pk", flat=True)),
                         {fresh.pk, used.pk})


class JobPageTests(PersonaTestCase):
    def test_the_administrator_sees_last_run_next_run_and_failures(self):
        JobRun.objects.create(name="backup", started_at=at(2026, 3, 10, 3, 0),
                              finished_at=at(2026, 3, 10, 3, 1), ok=False,
                              summary="BackupError: pg_dump failed")
        JobState.objects.create(name="backup", next_due=at(2026, 3, 10, 4, 0))
        self.login(self.adam)
        page = self.client.get(self.url("job_list")).content.decode()
        self.assertIn("10.03.2026 03:00", page)
        self.assertIn("10.03.2026 04:00", page)
        self.assertIn("BackupError: pg_dump failed", page)
        self.assertIn("(purge_public)", page)

    def test_other_roles_do_not_see_it(self):
        self.login(self.lene)
        self.assertEqual(self.client.get(self.url("job_list")).status_code, 403)
