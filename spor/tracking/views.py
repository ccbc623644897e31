import json
from functools import wraps

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from spor.accounts.decorators import not_post, staff_required
from spor.accounts.models import User
from spor.audit.models import AccessLog, log_access
from spor.clients.access import get_client_for_user
from spor.lib.dates import add_months, today
from spor.tracking import grid
from spor.tracking.access import get_device_for_user
from spor.tracking.api import api, error_body
from spor.tracking.models import COUNTING_RULE, PAIRING_MINUTES, UNITS, PairingCode
from spor.treatment.models import Substance

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)


@staff_required(*CLIENT_ROLES)
def diary(request, client):
    """The week grid of the last 30 days (the interview's window, so that it can be
    typed in on any day of the month) or of one month, for a timeline follow-back."""
    client = get_client_for_user(request.user, client)
    month = grid.parse_month(request.GET.get("month"))
    this_month = today().replace(day=1)
    if month is not None and month > this_month:
        month = None
    days = grid.month_days(month) if month else grid.recent_days()
    chosen = [s for s in request.GET.getlist("substance") if s in UNITS]
    substances = list(dict.fromkeys(chosen)) or grid.default_substances(client, days)
    source = request.POST if request.method == "POST" else request.GET
    units = {s: source.get(f"unit-{s}") for s in substances
             if source.get(f"unit-{s}") in UNITS[s]}
    if request.method == "POST":
        sheets = grid.build(client, days, substances, units, data=request.POST)
        try:
            changed = grid.save(client, request.user, sheets)
        except ValidationError:
            log_access(request.user, client, gettext_noop("Use diary form"), P.REGISTRATION)
        else:
            log_access(request.user, client, gettext_noop("Use diary entered"),
                       P.REGISTRATION)
            messages.success(request, _("Saved (%(n)s changed).") % {"n": changed})
            return redirect(_diary_url(client, month, substances, units))
    else:
        sheets = grid.build(client, days, substances, units)
        log_access(request.user, client, gettext_noop("Use diary form"), P.REGISTRATION)
    errors = [(s, c) for s in sheets for c in s.cells() if c.error]
    # Back a month at a time (from the 30 days: last month); forward up to the 30 days again.
    earlier = add_months(month or this_month, -1)
    later = add_months(month, 1) if month else None
    return render(request, "tracking/diary.html", {
        "client": client, "month": month, "days": days, "sheets": sheets, "errors": errors,
        "conflicts": [(s, c) for s in sheets for c in s.cells() if c.conflict],
        "counting_rule": COUNTING_RULE,
        "previous": _diary_url(client, earlier, substances, units),
        "next": (_diary_url(client, later if later < this_month else None, substances, units)
                 if month else None),
        "recent": _diary_url(client, None, substances, units) if month else None,
        "substances": substances,
        "more_substances": [(s, Substance(s).label) for s in UNITS
                            if s not in substances and s != Substance.UNKNOWN],
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "title": _("Use diary"),
    })


def _diary_url(client, month, substances, units):
    """The grid of a month, or of the last 30 days when month is None."""
    query = [("month", f"{month:%Y-%m}")] if month else []
    query += [("substance", s) for s in substances]
    query += [(f"unit-{s}", u) for s, u in units.items()]
    return f"{reverse('diary', args=[client.pk])}?{urlencode(query)}"


@staff_required(*CLIENT_ROLES)
def pairing(request, client):
    """Make a pairing code for the young person's app. The code is shown once, here."""
    client = get_client_for_user(request.user, client)
    code = qr = None
    if request.method == "POST":
        with transaction.atomic():
            row, code = PairingCode.make(client, request.user)
            log_access(request.user, client, gettext_noop("App pairing code made"), P.APP)
        link = (request.build_absolute_uri(reverse("api-v1:pair"))
                + "?" + urlencode({"code": code}))
        qr = segno.make(link, error="m").svg_inline(scale=5, title=_("Pairing code"))
        code = PairingCode.shown(code)
        expires = row.expires_at
    else:
        expires = None
        log_access(request.user, client, gettext_noop("App pairing page"), P.APP)
    return render(request, "tracking/pairing.html", {
        "client": client, "code": code, "qr": qr, "expires": expires,
        "minutes": PAIRING_MINUTES, "devices": client.devices.all(),
        "api_url": request.build_absolute_uri(reverse("api_docs")),
        "title": _("Pair an app"),
    })


@staff_required(*CLIENT_ROLES)
def revoke(request, device):
    device = get_device_for_user(request.user, device)
    if (refused := not_post(request)) is not None:
        return refused
    with transaction.atomic():
        if device.is_active:
            device.revoke(request.user)
        log_access(request.user, device.client, gettext_noop("App device revoked"), P.APP)
    messages.success(request, _("The app on %(device)s can no longer send or read the "
                                "diary.") % {"device": device.name})
    back = "pairing" if request.POST.get("next") == "pairing" else "client_detail"
    return redirect(back, device.client_id)


# The API's documentation, generated from its OpenAPI document ----------------------------

def _resolve(schema, components):
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _type(schema, components):
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        return " | ".join(_type(s, components) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}), components)}"
    kind = schema.get("type", "object")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _limits(schema, components):
    schema = _resolve(schema, components)
    words = []
    for key, label in (("minLength", "min length"), ("maxLength", "max length"),
                       ("minItems", "min items"), ("maxItems", "max items"),
                       ("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤")):
        if key in schema:
            words.append(f"{label} {schema[key]}")
    for option in schema.get("anyOf", []):
        words += _limits(option, components)
    return words


def _fields(schema, components, prefix=""):
    """Rows (name, type, required, limits, description) of an object schema, nested."""
    schema = _resolve(schema, components)
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        target = _resolve(field, components)
        rows.append({"name": path, "type": _type(field, components),
                     "required": name in required, "limits": ", ".join(_limits(field,
                                                                                components)),
                     "description": field.get("description") or target.get("description", "")})
        items = target.get("items")
        if target.get("type") == "array" and items and _resolve(items, components).get(
                "properties"):
            rows += _fields(items, components, f"{path}[].")
        elif target.get("properties"):
            rows += _fields(target, components, f"{path}.")
    return rows


def api_docs(request):
    """A readable page of the API, made from the same document the apps and tests use."""
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = []
            for status, response in op.get("responses", {}).items():
                content = response.get("content", {}).get("application/json", {})
                ref = content.get("schema", {}).get("$ref", "")
                responses.append({"status": status, "description": response.get(
                    "description", ""), "schema": ref.rsplit("/", 1)[-1]})
            operations.append({
                "method": method.upper(), "path": path, "id": op.get("operationId"),
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "secured": bool(op.get("security")),
                "parameters": [{"name": p["name"], "in": p["in"],
                                "required": p.get("required", False),
                                "type": _type(p.get("schema", {}), components),
                                "description": p.get("description") or p.get(
                                    "schema", {}).get("description", "")}
                               for p in op.get("parameters", [])],
                "body": _fields(body["schema"], components) if body else [],
                "responses": responses,
            })
    schemas = [{"name": name, "fields": _fields(schema, components)}
               for name, schema in components.items() if schema.get("properties")]
    return render(request, "tracking/api_docs.html", {
        "document": document, "operations": operations, "schemas": schemas,
        "openapi_url": reverse("api-v1:openapi-json"),
        "units": [(Substance(s).label, s, [u for u in units]) for s, units in UNITS.items()],
    })


# JSON for everything under /api/, including what Django answers itself ------------------

def not_found(request, *args, **kwargs):
    return JsonResponse(error_body("Not found: see /api/v1/docs for the API's paths."),
                        status=404)


def json_errors(view):
    """Turn the plain-text answers Django and ninja give for 405 (and any other error that
    is not JSON yet) into JSON with a message, and answer in English."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override("en"):
            response = view(request, *args, **kwargs)
        if response.status_code >= 400 and not response.get(
                "Content-Type", "").startswith("application/json"):
            replaced = JsonResponse(error_body(
                "Method not allowed." if response.status_code == 405 else
                f"HTTP {response.status_code}."), status=response.status_code)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response

    wrapper.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapper
