"""The OpenAPI document is the contract: a generator of requests from it finds no server
error and no error that is not JSON, and an app written from the document alone pairs and
uploads. Both talk HTTP to a live server, as an app would."""

import datetime
import json
import os
import urllib.error
import urllib.request
import uuid

import schemathesis
from django.core.cache import cache
from django.test import LiveServerTestCase
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from spor.accounts.models import Service, Team
from spor.clients.models import Client
from spor.tracking.models import DiaryEntry, PairingCode
from spor.tracking.testing import paired_device_for

# Cases per operation and generation mode (positive and negative): enough to find a crash,
# short enough for a developer's run. CI's PostgreSQL run sets SPOR_API_EXAMPLES=100, which
# makes 200 cases per operation.
EXAMPLES = int(os.environ.get("SPOR_API_EXAMPLES") or 25)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, ignored_auth,
          unsupported_method]


def errors_are_json_with_a_message(ctx, response, case):
    """Every error under /api/ is JSON with a message, whatever the request."""
    if response.status_code >= 400:
        headers = {k.lower(): v for k, v in response.headers.items()}
        kind = headers.get("content-type", [""])
        kind = kind[0] if isinstance(kind, list) else kind
        assert kind.startswith("application/json"), f"{response.status_code} is {kind!r}"
        body = json.loads(response.content)
        assert isinstance(body.get("message"), str) and body["message"], body
    return True


def young_person():
    service = Service.objects.create(name="Helsingung")
    team = Team.objects.create(service=service, name="Rådgivning")
    return Client.objects.create(service=service, team=team, pseudonym="Kiwi",
                                 birth_year=2009)


class SchemathesisTests(LiveServerTestCase):
    def setUp(self):
        cache.clear()
        self.kiwi = young_person()
        _device, token = paired_device_for(self.kiwi)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.schema = schemathesis.openapi.from_url(f"{self.live_server_url}/api/v1/openapi.json")
        self.schema.config.base_url = self.live_server_url  # the document's paths are full

    def test_generated_requests_get_no_server_error_and_every_error_is_json(self):
        operations = [result.ok() for result in self.schema.get_all_operations()]
        self.assertEqual(len(operations), 6)
        with self.settings(SPOR_API_REQUESTS_PER_MINUTE=100_000,
                           SPOR_API_PAIRINGS_PER_MINUTE=100_000):
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    with self.subTest(operation=operation.label, mode=mode.value):
                        self.run_cases(operation, mode)

    def run_cases(self, operation, mode):
        # The token goes into the generated cases, so that a negative case without it (or
        # with a broken one) is sent as generated and must be refused.
        @given(case=operation.as_strategy(generation_mode=mode, headers=self.auth))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(checks=CHECKS,
                                   additional_checks=[errors_are_json_with_a_message])

        run()


class DocumentDrivenApp:
    """An app that knows only the server's address and where the OpenAPI document is: it
    finds each operation by its operationId and sends what the document asks for."""

    def __init__(self, server):
        self.base = server
        with urllib.request.urlopen(f"{server}/api/v1/openapi.json") as response:  # noqa: S310
            self.document = json.load(response)
        self.operations = {op["operationId"]: (method.upper(), path, op)
                           for path, methods in self.document["paths"].items()
                           for method, op in methods.items()}
        self.token = None

    def request_schema(self, operation_id):
        _method, _path, op = self.operations[operation_id]
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        return self.resolve(schema)

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def call(self, operation_id, body=None, **path_params):
        method, path, op = self.operations[operation_id]
        if body is not None:
            required = set(self.request_schema(operation_id).get("required", []))
            missing = required - set(body)
            assert not missing, f"the document requires {missing}"
        headers = {"Content-Type": "application/json"}
        if op.get("security"):
            scheme = next(iter(op["security"][0]))
            assert self.document["components"]["securitySchemes"][scheme]["scheme"] == "bearer"
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 (the live test server)
            self.base + path.format(**path_params), method=method, headers=headers,
            data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


class DocumentDrivenAppTests(LiveServerTestCase):
    def setUp(self):
        cache.clear()

    def test_an_app_written_from_the_document_pairs_uploads_and_reads_back(self):
        kiwi = young_person()
        _row, code = PairingCode.make(kiwi, None)
        app = DocumentDrivenApp(self.live_server_url)

        pair_fields = set(app.request_schema("pair")["properties"])
        self.assertEqual(pair_fields, {"code", "device_name"})
        status, paired = app.call("pair", {"code": code, "device_name": "Alkoholdagbog"})
        self.assertEqual(status, 201, paired)
        app.token = paired["token"]

        entry_schema = app.resolve(
            app.request_schema("upload_entries")["properties"]["entries"]["items"])
        units = app.resolve(entry_schema["properties"]["unit"]["anyOf"][0])["enum"]
        self.assertIn("standard_drink", units)
        today = timezone.localdate()
        yesterday = (today - datetime.timedelta(days=1)).isoformat()
        batch = {"entries": [
            {"id": str(uuid.uuid4()), "date": yesterday, "substance": "alcohol",
             "answer": "used", "amount": 5, "unit": "standard_drink"},
            {"id": str(uuid.uuid4()), "date": today.isoformat(),
             "substance": "alcohol", "answer": "not_used"},
        ]}
        self.assertEqual(app.call("upload_entries", batch), (200, {"created": 2,
                                                                   "unchanged": 0}))
        self.assertEqual(app.call("upload_entries", batch), (200, {"created": 0,
                                                                   "unchanged": 2}))
        status, listed = app.call("list_entries")
        self.assertEqual(sorted(e["id"] for e in listed["entries"]),
                         sorted(e["id"] for e in batch["entries"]))

        status, error = app.call("upload_entries", {"entries": [
            {**batch["entries"][0], "id": str(uuid.uuid4()), "unit": "gram"}]})
        self.assertEqual((status, error["errors"][0]["field"]), (422, "entries.0.unit"))
        self.assertEqual(DiaryEntry.objects.filter(client=kiwi).count(), 2)
