from django import template

from spor.accounts.models import Team, works_in

register = template.Library()


@register.inclusion_tag("programmes/_tabs.html", takes_context=True)
def programme_tabs(context, tab):
    """The programmes' tabs, without those whose team the user is not part of."""
    user = context["request"].user
    return {"tab": tab, "parents": works_in(user, Team.Kind.PARENTS),
            "outreach": works_in(user, Team.Kind.OUTREACH)}
