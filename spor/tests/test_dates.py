import datetime
from unittest import mock

import time_machine
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from spor.lib.dates import future_errors, not_in_future, short, short_writer

TODAY = datetime.date(2026, 3, 16)


@time_machine.travel(datetime.datetime(2026, 3, 16, 12, tzinfo=datetime.UTC), tick=False)
class NotInTheFutureTests(SimpleTestCase):
    def test_it_accepts_today_and_refuses_tomorrow(self):
        not_in_future(TODAY)
        not_in_future(None)
        with self.assertRaises(ValidationError) as caught:
            not_in_future(TODAY + datetime.timedelta(days=1))
        self.assertEqual(caught.exception.code, "future")

    def test_it_names_each_field_after_today_or_after_the_day_given(self):
        tomorrow = TODAY + datetime.timedelta(days=1)
        self.assertEqual(list(future_errors(start=TODAY, end=tomorrow, none=None)), ["end"])
        with translation.override("en"):
            errors = future_errors(TODAY - datetime.timedelta(days=1), day=TODAY)
            self.assertEqual({k: str(v) for k, v in errors.items()},
                             {"day": "The date is in the future."})


class ShortDateTests(SimpleTestCase):
    def test_a_day_reads_day_month_year_in_both_languages(self):
        for language in ("da", "en"):
            with translation.override(language):
                self.assertEqual(short(datetime.date(2026, 8, 10)), "10.08.2026")


class ShortWriterTests(SimpleTestCase):
    def test_it_writes_each_day_as_short_does_in_each_language(self):
        days = [datetime.date(2026, 1, 2) + datetime.timedelta(days=37 * i) for i in range(30)]
        for language in ("da", "en"):
            with translation.override(language):
                write = short_writer()
                self.assertEqual([write(d) for d in days], [short(d) for d in days])

    def test_it_keeps_the_escaped_letters_of_a_format(self):
        with mock.patch("spor.lib.dates.formats.get_format", return_value=r"\d\e\n j/n-y"):
            self.assertEqual(short_writer()(datetime.date(2026, 3, 5)), "den 5/3-26")
