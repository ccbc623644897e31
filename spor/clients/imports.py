from django.core.exceptions import ValidationError

from spor.clients.models import Client
from spor.lib import cpr as cprlib
from spor.lib import csvimport as c
from spor.lib.crypto import keyed_hash


class ClientsFile(c.CsvFile):
    name = "clients.csv"
    key = "client_ref"
    required = ("client_ref", "anonymous")
    one_of = ("birth_date", "birth_year")
    optional = ("gender", "first_name", "last_name", "cpr")

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        ref = r.text("client_ref", 64, required=True)
        anonymous = r.boolean("anonymous", required=True)
        birth_date = r.date("birth_date")
        birth_year = r.integer("birth_year", 1900, 2100)
        fields = {
            "anonymous": anonymous,
            "gender": r.choice("gender", Client.Gender.choices, default="unknown"),
            "first_name": r.text("first_name", 100),
            "last_name": r.text("last_name", 100),
        }
        cpr = r.text("cpr", 11)
        if anonymous:
            for column in ("first_name", "last_name", "cpr", "birth_date"):
                if values.get(column, "").strip():
                    r.problem(column, "must be empty for an anonymous client" +
                              (" (give birth_year)" if column == "birth_date" else ""))
        digits = ""
        if cpr and not anonymous:
            try:
                digits, born = cprlib.parse(cpr)
            except ValidationError as e:
                r.problem("cpr", e.messages[0])
            else:
                if birth_date and birth_date != born:
                    r.problem("cpr", "does not match birth_date")
                birth_date = birth_date or born
        if birth_date and birth_year and birth_date.year != birth_year:
            r.problem("birth_year", "does not match birth_date")
        if not (birth_date or birth_year) and not r.problems:
            r.problem("birth_year", "give birth_date or birth_year")
        r.check()
        fields["birth_date"] = birth_date
        fields["birth_year"] = birth_date.year if birth_date else birth_year

        client = Client.objects.filter(service=ctx.service, ref=ref).first()
        if client is None:
            client = Client(service=ctx.service, team=ctx.service.default_team(), ref=ref)
        elif not client.anonymous and anonymous:
            raise c.Problem("anonymous", "the client is already identified and cannot "
                                         "become anonymous again")
        converting = not client._state.adding and client.anonymous and not anonymous
        if converting:
            client.mark_converted(None)
        cpr_changed = bool(digits) and client.cpr_hash != keyed_hash(digits)
        if cpr_changed:
            client.set_cpr(digits)
        outcome = c.save(client, fields, changed=cpr_changed or converting)
        ctx.refs["client"][ref] = client
        return outcome
