from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.Model):
    """When a scheduled job is next due, and whether a `spor jobs` process holds it now.
    Claimed with one conditional UPDATE, so two processes never run a job twice."""

    name = models.CharField(max_length=50, unique=True)
    next_due = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """One run of a scheduled job: when, how long, and what it did or why it failed.
    Counts and error types only: never a name, CPR number or address."""

    name = models.CharField(max_length=50, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    summary = models.TextField(blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"])]

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
