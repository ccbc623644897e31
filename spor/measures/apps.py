from django.apps import AppConfig
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """Feedback Informed Treatment: instruments, ratings, curves, alarms."""

    name = "spor.measures"
    label = "measures"
    verbose_name = _("Feedback (FIT)")

    def ready(self):
        post_save.connect(follow_session_date, sender="treatment.Session",
                          dispatch_uid="measures.follow_session_date")
        # The stored FIT state follows every change that can move it (state.py).
        for sender in ("measures.Rating", "treatment.Session", "measures.AlarmResponse"):
            post_save.connect(course_changed, sender=sender, dispatch_uid=f"fit_state.{sender}")
            post_delete.connect(course_changed, sender=sender,
                                dispatch_uid=f"fit_state.del.{sender}")
        post_save.connect(plan_changed, sender="measures.PlanChange",
                          dispatch_uid="fit_state.plan")
        post_delete.connect(plan_changed, sender="measures.PlanChange",
                            dispatch_uid="fit_state.del.plan")
        post_save.connect(course_saved, sender="treatment.Course", dispatch_uid="fit_state.course")
        post_save.connect(client_saved, sender="clients.Client", dispatch_uid="fit_state.client")
        post_save.connect(service_changed, sender="accounts.Service",
                          dispatch_uid="fit_state.service")
        for sender in ("measures.ExpectedCourse", "measures.Norm", "measures.AllianceRule"):
            post_save.connect(rules_changed, sender=sender, dispatch_uid=f"fit_state.{sender}")
            post_delete.connect(rules_changed, sender=sender,
                                dispatch_uid=f"fit_state.del.{sender}")


def follow_session_date(sender, instance, created=False, **kwargs):
    """Ratings repeat their session's date (for the statistics' index): follow a change.
    A new session has no ratings yet."""
    from spor.measures.models import Rating

    if created:
        return
    Rating.objects.filter(session=instance).exclude(date=instance.date).update(date=instance.date)


def course_changed(sender, instance, origin=None, **kwargs):
    """A rating, session or response to an alarm was saved or deleted. When the deletion
    started above them (a course, a young person, a service going), the course's state goes
    with the course."""
    from spor.measures import state
    from spor.measures.models import AlarmResponse, Rating
    from spor.treatment.models import Session

    if origin is not None:
        model = origin.model if isinstance(origin, QuerySet) else type(origin)
        if model not in (Rating, Session, AlarmResponse):
            return
    state.refresh([instance.course_id])


def plan_changed(sender, instance, origin=None, **kwargs):
    """A plan change is drawn on the curve. It is not part of the stored state, but the FIT
    panel is kept by the state's time (templatetags/fit.py), so the state is worked out
    anew. A plan change deleted with its session goes with the session's refresh."""
    from spor.measures import state
    from spor.measures.models import PlanChange
    from spor.treatment.models import Session

    if origin is not None:
        model = origin.model if isinstance(origin, QuerySet) else type(origin)
        if model is not PlanChange:
            return
    state.refresh(Session.objects.filter(pk=instance.session_id).values_list(
        "course_id", flat=True))


def course_saved(sender, instance, raw=False, **kwargs):
    from spor.measures import state

    if not raw:
        state.refresh([instance.pk])


def client_saved(sender, instance, created=False, raw=False, **kwargs):
    """The age on each day (cutoffs, norms) follows the birth date."""
    from spor.measures import state

    if not created and not raw:
        state.refresh(instance.courses.values_list("pk", flat=True))


def service_changed(sender, instance, created=False, raw=False, **kwargs):
    """The service's alarm settings (no_change_alarm_session) apply to all its courses."""
    from spor.measures import state

    if not created and not raw:
        state.refresh_services([instance.pk])


def rules_changed(sender, instance, raw=False, **kwargs):
    """An expected course, norm or flag rule changed: a service's own applies to its
    courses; a default row (no service) to every service's. The services get a new stamp
    first, in the change's transaction, so that no process uses the rules it kept from
    before (models.rules_of), nor does the state worked out here."""
    from spor.accounts.models import Service
    from spor.measures import state
    from spor.measures.models import renew_rules

    services = Service.objects.all()
    if instance.service_id is not None:
        services = services.filter(pk=instance.service_id)
    stamp = renew_rules(services)
    if instance.service_id is not None and sender.service.is_cached(instance):
        instance.service.fit_rules_stamp = stamp  # the caller's service, if it passed one
    if raw:
        return
    state.refresh_services(services.values_list("pk", flat=True))
