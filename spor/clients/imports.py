from django.core.exceptions import ValidationError

from spor.clients.models import Client, client_errors
from spor.lib import cpr as cprlib
from spor.lib import csvimport as c
from spor.lib.crypto import encrypt, keyed_hash


class ClientsFile(c.CsvFile):
    name = "clients.csv"
    key = "client_ref"
    required = ("client_ref", "anonymous")
    one_of = ("birth_date", "birth_year")
    optional = ("gender", "first_name", "last_name", "cpr")
    model, kind = Client, "client"
    stored = ("anonymous", "gender", "first_name", "last_name", "birth_date", "birth_year",
              "cpr_hash")

    def existing(self, service):
        return Client.objects.filter(service=service).exclude(ref="").values_list("ref", "pk")

    def parse(self, r):
        """The row's fields and CPR digits, with the rules of the file's columns."""
        values = r.values
        anonymous = r.boolean("anonymous", required=True)
        birth_date = r.date("birth_date")
        birth_year = r.integer("birth_year", 1900, 2100)
        fields = {
            "anonymous": anonymous,
            "gender": r.choice("gender", Client.Gender, default="unknown"),
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
        fields["birth_date"] = birth_date
        fields["birth_year"] = birth_date.year if birth_date else birth_year
        return fields, digits

    def new(self, ctx, r, parent, pk=None):
        ref = r.text("client_ref", 64, required=True)
        fields, digits = self.parse(r)
        if r.problems:
            return None
        fields["cpr_hash"] = keyed_hash(digits) if digits else ""
        for field, message in client_errors(fields, None, ctx.today).items():
            r.problem(field, message)
        if digits:
            twin = ctx.refs["cpr"].get(fields["cpr_hash"])
            if twin is not None:
                r.problem("cpr", f"the same CPR number as line {twin}")
            elif Client.objects.filter(service=ctx.service, cpr_hash=fields["cpr_hash"]) \
                    .exclude(pk=pk).exists():
                r.problem("cpr", "Another young person already has this CPR number.")
            ctx.refs["cpr"][fields["cpr_hash"]] = r.line
            fields["cpr_encrypted"] = encrypt(digits)
        if "team" not in ctx.refs:
            ctx.refs["team"] = ctx.service.default_team().pk
        return {**fields, "ref": ref, "service_id": ctx.service.pk,
                "team_id": ctx.refs["team"]}

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        ref = r.text("client_ref", 64, required=True)
        fields, digits = self.parse(r)
        anonymous = fields["anonymous"]
        r.check()
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
