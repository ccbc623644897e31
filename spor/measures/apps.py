from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """Feedback Informed Treatment: instruments, ratings, curves, alarms."""

    name = "spor.measures"
    label = "measures"
    verbose_name = _("Feedback (FIT)")

    def ready(self):
        post_save.connect(follow_session_date, sender="treatment.Session",
                          dispatch_uid="measures.follow_session_date")


def follow_session_date(sender, instance, **kwargs):
    """Ratings repeat their session's date (for the statistics' index): follow a change."""
    from spor.measures.models import Rating

    Rating.objects.filter(session=instance).exclude(date=instance.date).update(date=instance.date)
