"""Real identity providers for the tests, each an HTTP server on a free port of this
machine: a SAML IdP (pysaml2's own Server, signing and encrypting real assertions with
keys made here) and an OpenID Connect provider (ID tokens signed with joserfc, PKCE
checked). What each answers next is set on the object by the test."""

import base64
import datetime
import hashlib
import html
import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import saml2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwk, jwt
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import SIG_RSA_SHA256

OIO = "https://data.gov.dk/model/core/eid/"
LOA = "https://data.gov.dk/concept/core/nsis/loa"
PRIVILEGES = OIO + "privilegesIntermediate"
CLIENT_SECRET = "s3cret-for-tests"  # the test provider's client secret, nothing else


def keypair(folder: Path, name: str) -> tuple[str, str]:
    """A throw-away RSA key and self-signed certificate, for this test run only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"spor test {name}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def privileges_xml(roles: list[str], cvr: str = "29189846") -> str:
    """KOMBIT's Basic Privilege Profile, base64 encoded, as the Context Handler sends it."""
    items = "".join(f"<Privilege>{html.escape(r)}</Privilege>" for r in roles)
    xml = (f'<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
           f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">{items}'
           f'</PrivilegeGroup></bpp:PrivilegeList>')
    return base64.b64encode(xml.encode()).decode()


class Server_(ThreadingHTTPServer):
    daemon_threads = True


class _Http:
    """An HTTP server on a free port in a thread; `handle(handler)` answers each GET."""

    def __init__(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.handle(self)

            def do_POST(self):  # noqa: N802
                outer.handle(self)

            def log_message(self, *args):
                pass

        self.httpd = Server_(("localhost", 0), Handler)
        self.url = f"http://localhost:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def answer(handler, status, body, content_type="text/html; charset=utf-8", headers=()):
        data = body.encode() if isinstance(body, str) else body
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


class SamlIdp(_Http):
    """pysaml2's IdP. `person` holds the attributes of the next answer; `loa`, `lifetime`,
    `audience`, `signer` (another Server to sign with) and `encrypt` change it."""

    OTHER_SP = "https://other.example.dk/saml/metadata"

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder
        self.entity_id = self.url + "/idp"
        self.key, self.cert = keypair(folder, "idp")
        self.person = {}
        self.reset()
        self.last_form = ""
        self.logouts = 0

    def reset(self):
        self.loa = "Substantial"
        self.lifetime = {"minutes": 5}
        self.audience = None
        self.signer = None
        self.encrypt = True

    def config(self, sp_metadata, entity_id=None, key=None, cert=None, lifetime=None):
        conf = IdPConfig()
        conf.load({
            "entityid": entity_id or self.entity_id,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": key or self.key, "cert_file": cert or self.cert,
            "metadata": {"local": sp_metadata},
            "allow_unknown_attributes": True,
            "service": {"idp": {
                "endpoints": {
                    "single_sign_on_service": [(self.url + "/sso", saml2.BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(self.url + "/slo", saml2.BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": True,
                "policy": {"default": {"lifetime": lifetime or {"minutes": 5},
                                       "name_form": NAME_FORMAT_URI}},
            }},
        })
        return conf

    def start(self, sp_metadata: str):
        """Load Spor's metadata (written to a file) and write this IdP's own."""
        # Another service known to this IdP, with Spor's addresses and keys: an assertion
        # for it, posted to Spor, must not sign anyone in.
        other = self.folder / "other-sp-metadata.xml"
        text = Path(sp_metadata).read_text()
        spor_id = self.sp_entity_id = text.split('entityID="')[1].split('"')[0]
        other.write_text(text.replace(f'entityID="{spor_id}"',
                                      f'entityID="{self.OTHER_SP}"'))
        self.sp_metadata = [sp_metadata, str(other)]
        self.server = Server(config=self.config(self.sp_metadata))
        path = self.folder / "idp-metadata.xml"
        path.write_text(str(entity_descriptor(self.server.config)))
        return str(path)

    def other_server(self, name: str, entity_id=None):
        """An IdP Spor does not trust: another key, and perhaps another name."""
        key, cert = keypair(self.folder, name)
        return Server(config=self.config(self.sp_metadata, entity_id, key, cert))

    def handle(self, handler):
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/sso":
            self.single_sign_on(handler, query)
        elif url.path == "/replay":
            self.answer(handler, 200, self.last_form)
        elif url.path == "/slo" and "SAMLResponse" in query:
            self.answer(handler, 200, "<!doctype html><title>IdP</title><p>Logget ud</p>")
        elif url.path == "/slo":
            self.single_logout(handler, query)
        elif url.path == "/logout-everywhere":
            self.logout_everywhere(handler)
        else:
            self.answer(handler, 404, "not here")

    def single_sign_on(self, handler, query):
        if "Signature" not in query:
            return self.answer(handler, 400, "unsigned AuthnRequest")
        request = self.server.parse_authn_request(
            query["SAMLRequest"], saml2.BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"), sigalg=query["SigAlg"],
            signature=query["Signature"]).message
        server = self.signer or self.server
        if self.lifetime != {"minutes": 5}:
            server = Server(config=self.config(self.sp_metadata, lifetime=self.lifetime))
        identity = {**self.person, LOA: [self.loa]}
        with open(self.sp_cert) as f:
            sp_cert = f.read()
        response = server.create_authn_response(
            identity, in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=self.audience or request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT,
                           text=self.person[OIO + "professional/uuid/persistent"][0]),
            authn={"class_ref": f"{LOA}/{self.loa}", "authn_auth": server.config.entityid},
            sign_assertion=True, sign_response=False, encrypt_assertion=self.encrypt,
            encrypt_cert_assertion=sp_cert if self.encrypt else None)
        self.last_form = self.form(request.assertion_consumer_service_url, str(response),
                                   query.get("RelayState", ""))
        self.answer(handler, 200, self.last_form)

    @staticmethod
    def form(action, message, relay_state, name="SAMLResponse"):
        value = base64.b64encode(message.encode()).decode()
        return (f'<!doctype html><title>IdP</title><form method="post" action="{action}">'
                f'<input type="hidden" name="{name}" value="{value}">'
                f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
                f'<button id="continue" type="submit">Fortsæt til Spor</button></form>')

    def logout_everywhere(self, handler):
        """The person logs out at the IdP (or in another system): the IdP asks Spor too."""
        subject = self.person[OIO + "professional/uuid/persistent"][0]
        _id, request = self.server.create_logout_request(
            self.sp_logout_url, issuer_entity_id=self.sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject))
        info = self.server.apply_binding(saml2.BINDING_HTTP_REDIRECT, str(request),
                                         self.sp_logout_url, "", sign=True,
                                         sigalg=SIG_RSA_SHA256)
        self.answer(handler, 302, "", headers=[("Location", dict(info["headers"])["Location"])])

    def single_logout(self, handler, query):
        request = self.server.parse_logout_request(
            query["SAMLRequest"], saml2.BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"), sigalg=query.get("SigAlg"),
            signature=query.get("Signature"))
        response = self.server.create_logout_response(request.message,
                                                      [saml2.BINDING_HTTP_REDIRECT])
        info = self.server.apply_binding(saml2.BINDING_HTTP_REDIRECT, str(response),
                                         self.sp_logout_url, query.get("RelayState", ""),
                                         response=True, sign=True, sigalg=SIG_RSA_SHA256)
        self.logouts += 1
        location = dict(info["headers"])["Location"]
        self.answer(handler, 302, "", headers=[("Location", location)])


class OidcProvider(_Http):
    """A small OpenID Connect provider: discovery, an authorisation endpoint that signs in
    `person` at once, a token endpoint that checks the client secret and the PKCE
    verifier, its keys, and a logout endpoint that records each logout. `tamper` and
    `wrong_nonce` spoil the next ID token."""

    def __init__(self, client_id="spor", client_secret=CLIENT_SECRET):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.key = jwk.RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.codes = {}
        self.person = {}
        self.tamper = self.wrong_nonce = False
        self.seen_challenges = []
        self.logouts = []

    def handle(self, handler):
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            self.answer(handler, 200, json.dumps({
                "issuer": self.url, "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token", "jwks_uri": self.url + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "end_session_endpoint": self.url + "/logout"}), "application/json")
        elif url.path == "/jwks":
            self.answer(handler, 200, json.dumps({"keys": [self.key.as_dict(private=False)]}),
                        "application/json")
        elif url.path == "/authorize":
            self.authorize(handler, query)
        elif url.path == "/logout":
            self.logouts.append(query)
            self.answer(handler, 302, "",
                        headers=[("Location", query["post_logout_redirect_uri"])])
        elif url.path == "/token":
            length = int(handler.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(handler.rfile.read(length).decode()))
            self.token(handler, form)
        else:
            self.answer(handler, 404, "not here")

    def authorize(self, handler, query):
        if query.get("client_id") != self.client_id or query.get(
                "code_challenge_method") != "S256" or not query.get("code_challenge"):
            return self.answer(handler, 400, "PKCE (S256) and the client id are required")
        self.seen_challenges.append(query["code_challenge"])
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        target = query["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"code": code, "state": query["state"]})
        self.answer(handler, 302, "", headers=[("Location", target)])

    def token(self, handler, form):
        auth = handler.headers.get("Authorization", "")
        secret_ok = auth == "Basic " + base64.b64encode(
            f"{self.client_id}:{self.client_secret}".encode()).decode()
        query = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secret_ok or query is None or challenge != query["code_challenge"]:
            return self.answer(handler, 400, json.dumps({"error": "invalid_grant"}),
                               "application/json")
        now = int(datetime.datetime.now(datetime.UTC).timestamp())
        claims = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": "another-sign-in" if self.wrong_nonce else query.get("nonce"),
                  **self.person}
        id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, self.key)
        if self.tamper:  # change a claim after signing: the signature no longer fits
            head, body, signature = id_token.split(".")
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            data["roles"] = ["spor-admin"]
            body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
            id_token = ".".join([head, body, signature])
        self.answer(handler, 200, json.dumps({"access_token": secrets.token_urlsafe(16),
                                              "token_type": "Bearer", "expires_in": 300,
                                              "id_token": id_token}), "application/json")
