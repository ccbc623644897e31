"""Spor settings, read from environment variables (see README, "Configuration")."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from spor.lib.env import envbool, envint, envlist
from spor.lib.keys import stored_secret

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SPOR_DATA_DIR") or BASE_DIR.parent / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("SECRET_KEY") or stored_secret(DATA_DIR, "secret")
# Encrypts CPR numbers at rest and keys their search hash. Back it up with the database.
SPOR_DATA_KEY = os.environ.get("SPOR_DATA_KEY") or stored_secret(DATA_DIR, "data")

DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "djangosaml2",
    "spor.accounts",
    "spor.audit",
    "spor.clients",
    "spor.treatment",
    "spor.measures",
    "spor.tracking",
    "spor.programmes",
    "spor.reports",
    "spor.public",
    "spor.operations",
    "spor.outbox",
]

MIDDLEWARE = [
    "spor.operations.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "spor.accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "djangosaml2.middleware.SamlSessionMiddleware",
    "spor.accounts.middleware.DanishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "spor.accounts.middleware.StaffGuardMiddleware",
    "spor.accounts.middleware.TabletLockMiddleware",
    "spor.lib.busy.BusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "spor.lib.once.OnceMiddleware",  # last: it wraps only the view in its transaction
]

ROOT_URLCONF = "spor.urls"
WSGI_APPLICATION = "spor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["spor.lib.once"],  # {% form_token %} in every staff form
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'spor.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite runs one writer at a time. WAL lets readers go on while one writes; write
    # transactions begin IMMEDIATE, so that they queue for the lock (up to the busy
    # timeout) instead of failing when a read inside them turns into a write. A request
    # that still finds the database busy is answered 503 with Retry-After (spor.lib.busy).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; "
                        "PRAGMA synchronous=NORMAL;",
        "timeout": envint("SPOR_SQLITE_BUSY_SECONDS", 20),
        "transaction_mode": "IMMEDIATE",
    })
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the query (server-side binding), so that a query a
    # connection has run DATABASE_PREPARE_THRESHOLD times is parsed and planned once and
    # then only run (psycopg's prepared statements): a caseload's query, with its due rules,
    # costs PostgreSQL more to plan than to run. 0 turns preparing off, as a pooler in
    # transaction mode without max_prepared_statements needs.
    prepare_after = envint("DATABASE_PREPARE_THRESHOLD", 5)
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "server_side_binding": True, "prepare_threshold": prepare_after or None})
# Rate limits and page caches. One process needs nothing more; several processes share
# REDIS_URL.
# Laid-out PDFs and the statistics' charts (spor.lib.charts.cached) have a cache of their
# own, so that they never push rate limits out.
CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": prefix}
    if os.environ.get("REDIS_URL") else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias,
     "OPTIONS": {"MAX_ENTRIES": entries}}
    for alias, prefix, entries in (("default", "", 300), ("charts", "charts", 2000))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "spor.accounts.sso.LocalPasswordBackend",
    "spor.accounts.sso.IdpBackend",
]
# Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 thread); measured
# with bench/login.py. Raise them where the server has memory and cores to spare.
SPOR_ARGON2_TIME_COST = envint("SPOR_ARGON2_TIME_COST", 2)
SPOR_ARGON2_MEMORY_KIB = envint("SPOR_ARGON2_MEMORY_KIB", 19456)
SPOR_ARGON2_PARALLELISM = envint("SPOR_ARGON2_PARALLELISM", 1)
PASSWORD_HASHERS = [
    "spor.accounts.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins lock the account name out for a while.
AXES_FAILURE_LIMIT = envint("SPOR_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("SPOR_LOGIN_COOLOFF_MINUTES", 30) / 60
# Lock per account name, not per address: a whole office shares one address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",
    # SQLite ignores the non-key columns of covering indexes (PostgreSQL reads the
    # statistics from them); the index still serves on the key columns.
    "models.W040",
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Two-factor login (TOTP) for every role that sees identified clients. The demo relaxes it.
SPOR_REQUIRE_2FA = envbool("SPOR_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Spor"

SESSION_COOKIE_AGE = envint("SPOR_SESSION_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
HTTPS = envbool("SPOR_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
# Rating and survey links carry their token in the address: never send it elsewhere.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]  # load balancers ask over plain HTTP
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The HSTS preload list takes whole registrable domains; Spor runs on a municipality's
# subdomain, which cannot be submitted alone.
SILENCED_SYSTEM_CHECKS += ["security.W021"]

# Every page: scripts, styles, pictures, sounds and fonts from Spor itself only, no inline
# script, no plugins, no framing, forms sent only here (ContentSecurityPolicyMiddleware).
# Two fixed inline style sheets are allowed by their hash, not by "unsafe-inline": the
# page for young people (no second round trip on a weak connection) and the statistics
# (which also work as one saved HTML file).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CONTENT_SECURITY_POLICY_INLINE_STYLES = ["public/_style.css", "reports/_report.css"]
# Spor uses none of these browser features; no page of it or in it may ask for them.
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), bluetooth=(), midi=(), display-capture=(), "
                      "browsing-topics=()")

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["spor.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served from the package by WhiteNoise; collectstatic needs this only
# where a front server serves them.
STATIC_ROOT = os.environ.get("SPOR_STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Plain console logging. Request bodies are never logged: they can hold CPR numbers
# and names; nor are paths: a request is named by its URL pattern.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"route_only": {"()": "spor.operations.serve.RouteOnly"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["route_only"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The public page for young people. Uploads are checked by content and limited in size;
# spam is held off by a limit of posts per address per hour (a school shares one address,
# hence generous) and a minimum time to fill a form. Behind a reverse proxy, set how many
# proxies add to X-Forwarded-For, or every visitor looks like the proxy.
SPOR_PUBLIC_IMAGE_MAX_MB = envint("SPOR_PUBLIC_IMAGE_MAX_MB", 10)
SPOR_PUBLIC_SOUND_MAX_MB = envint("SPOR_PUBLIC_SOUND_MAX_MB", 15)
SPOR_PUBLIC_POSTS_PER_HOUR = envint("SPOR_PUBLIC_POSTS_PER_HOUR", 10)
SPOR_PUBLIC_MIN_FILL_SECONDS = envint("SPOR_PUBLIC_MIN_FILL_SECONDS", 3)
SPOR_PUBLIC_PAGE_CACHE_SECONDS = envint("SPOR_PUBLIC_PAGE_CACHE_SECONDS", 600)
SPOR_PUBLIC_BROWSER_CACHE_SECONDS = envint("SPOR_PUBLIC_BROWSER_CACHE_SECONDS", 60)
SPOR_PUBLIC_VIDEO_HOSTS = envlist("SPOR_PUBLIC_VIDEO_HOSTS",
                                  "youtube.com,youtu.be,vimeo.com,tiktok.com")
# Used by every limit per address (spor.lib.ratelimit.client_address).
SPOR_TRUSTED_PROXIES = envint("SPOR_TRUSTED_PROXIES", 0)

# The app API (spor.tracking): requests a minute per device token, and pairing attempts a
# minute per address (a pairing code is short; this keeps guessing hopeless).
SPOR_API_REQUESTS_PER_MINUTE = envint("SPOR_API_REQUESTS_PER_MINUTE", 60)
SPOR_API_PAIRINGS_PER_MINUTE = envint("SPOR_API_PAIRINGS_PER_MINUTE", 10)

# FIT (see docs/fit.md). Norms and the SRS flag rules are not here: they are per service
# in the database, editable by the administrator.
# A personal rating link (QR code) for the young person's or a parent's own phone.
SPOR_RATING_LINK_HOURS = envint("SPOR_RATING_LINK_HOURS", 24)
# Hand-over on the clinician's tablet: the form must be filled in within this time.
SPOR_HANDOVER_MINUTES = envint("SPOR_HANDOVER_MINUTES", 30)
# Requests to the public rating pages per network address per 10 minutes.
SPOR_RATING_RATE_LIMIT = envint("SPOR_RATING_RATE_LIMIT", 60)
# The expected course is drawn once it is learned from this many closed courses with two or
# more ratings; from this session on, sessions count as this one (each rating as it is).
SPOR_EXPECTED_MIN_COURSES = envint("SPOR_EXPECTED_MIN_COURSES", 30)
SPOR_EXPECTED_MAX_SESSION = envint("SPOR_EXPECTED_MAX_SESSION", 12)
# The band drawn spans these percentiles (the off-track alarm is a rule of its own).
SPOR_EXPECTED_LOW_PERCENTILE = envint("SPOR_EXPECTED_LOW_PERCENTILE", 25)
SPOR_EXPECTED_HIGH_PERCENTILE = envint("SPOR_EXPECTED_HIGH_PERCENTILE", 75)
# A course whose outcome swings this many times by this many points is doubtful.
SPOR_ZIGZAG_SWINGS = envint("SPOR_ZIGZAG_SWINGS", 4)
SPOR_ZIGZAG_POINTS = envint("SPOR_ZIGZAG_POINTS", 6)

# Operations (spor.operations): the production server, scheduled jobs and backups.
# `spor serve` runs SPOR_WORKERS processes (0: one per core) of SPOR_THREADS threads (0: 8).
SPOR_BIND = os.environ.get("SPOR_BIND", "127.0.0.1:8000")
SPOR_WORKERS = envint("SPOR_WORKERS", 0)
SPOR_THREADS = envint("SPOR_THREADS", 0)
SPOR_BACKUP_DIR = Path(os.environ.get("SPOR_BACKUP_DIR") or DATA_DIR / "backups")
SPOR_BACKUP_KEEP = envint("SPOR_BACKUP_KEEP", 14)
# Who saw which young person is kept this long; never less than 6 months.
SPOR_ACCESS_LOG_RETENTION_MONTHS = envint("SPOR_ACCESS_LOG_RETENTION_MONTHS", 60)
if SPOR_ACCESS_LOG_RETENTION_MONTHS < 6:
    raise ImproperlyConfigured("SPOR_ACCESS_LOG_RETENTION_MONTHS must be 6 or more, not "
                               f"{SPOR_ACCESS_LOG_RETENTION_MONTHS}")

# Single sign-on (docs/sso.md). Staff sign in with the municipality's identity provider:
# SAML 2.0 (OIOSAML 3.0, e.g. KOMBIT's Context Handler) when SPOR_SAML_IDP_METADATA is set,
# OpenID Connect when SPOR_OIDC_ISSUER is set; both may be on. Roles come from the
# provider through the mapping an administrator keeps on the "Log ind via
# identitetsudbyder" page. The demo has neither.
# Spor's own address as the provider sees it, e.g. https://spor.kommune.dk (no slash).
SPOR_BASE_URL = os.environ.get("SPOR_BASE_URL", "").rstrip("/")
SPOR_SAML_IDP_METADATA = os.environ.get("SPOR_SAML_IDP_METADATA", "")  # file or https URL
SPOR_SAML_IDP_LABEL = os.environ.get("SPOR_SAML_IDP_LABEL", "KOMBIT (medarbejdersignatur)")
SPOR_SAML_ENTITY_ID = os.environ.get("SPOR_SAML_ENTITY_ID", "")  # default: metadata URL
# The key and certificate that sign Spor's requests and decrypt the assertions (one pair
# may do both; OIOSAML allows it, a separate encryption pair is cleaner).
SPOR_SAML_KEY_FILE = os.environ.get("SPOR_SAML_KEY_FILE", "")
SPOR_SAML_CERT_FILE = os.environ.get("SPOR_SAML_CERT_FILE", "")
SPOR_SAML_ENCRYPTION_KEY_FILE = os.environ.get("SPOR_SAML_ENCRYPTION_KEY_FILE", "")
SPOR_SAML_ENCRYPTION_CERT_FILE = os.environ.get("SPOR_SAML_ENCRYPTION_CERT_FILE", "")
SPOR_SAML_XMLSEC = os.environ.get("SPOR_SAML_XMLSEC", "/usr/bin/xmlsec1")
SPOR_SAML_CLOCK_SKEW_SECONDS = envint("SPOR_SAML_CLOCK_SKEW_SECONDS", 60)
# The lowest NSIS assurance level accepted; below it a sign-in is refused. An accepted
# sign-in counts as the second factor.
SPOR_SAML_MIN_ASSURANCE = os.environ.get("SPOR_SAML_MIN_ASSURANCE", "Substantial")
if SPOR_SAML_MIN_ASSURANCE not in ("Substantial", "High"):
    raise ImproperlyConfigured("SPOR_SAML_MIN_ASSURANCE must be Substantial or High, not "
                               f"{SPOR_SAML_MIN_ASSURANCE!r}")
# Attribute names of the OIOSAML 3.0 profile; change them only for another profile.
SPOR_SAML_ATTRIBUTES = {
    key: os.environ.get(f"SPOR_SAML_ATTR_{key.upper()}", default) for key, default in (
        ("subject", "https://data.gov.dk/model/core/eid/professional/uuid/persistent"),
        ("name", "https://data.gov.dk/model/core/eid/fullName"),
        ("email", "https://data.gov.dk/model/core/eid/email"),
        ("assurance", "https://data.gov.dk/concept/core/nsis/loa"),
        # KOMBIT's job-function roles: a base64 Basic Privilege Profile, or plain values.
        ("roles", "https://data.gov.dk/model/core/eid/privilegesIntermediate"),
    )
}
SPOR_OIDC_ISSUER = os.environ.get("SPOR_OIDC_ISSUER", "").rstrip("/")
SPOR_OIDC_LABEL = os.environ.get("SPOR_OIDC_LABEL", "Microsoft Entra ID")
SPOR_OIDC_CLIENT_ID = os.environ.get("SPOR_OIDC_CLIENT_ID", "")
SPOR_OIDC_CLIENT_SECRET = os.environ.get("SPOR_OIDC_CLIENT_SECRET", "")
SPOR_OIDC_SCOPES = os.environ.get("SPOR_OIDC_SCOPES", "openid profile email")
SPOR_OIDC_ROLES_CLAIM = os.environ.get("SPOR_OIDC_ROLES_CLAIM", "roles")
SPOR_OIDC_USERNAME_CLAIM = os.environ.get("SPOR_OIDC_USERNAME_CLAIM", "preferred_username")
# An OIDC sign-in counts as two factors only when the ID token says so: one of these
# "amr" values (Entra ID: mfa) or "acr" values. Otherwise it is refused.
SPOR_OIDC_TWO_FACTOR_AMR = envlist("SPOR_OIDC_TWO_FACTOR_AMR", "mfa")
SPOR_OIDC_TWO_FACTOR_ACR = envlist("SPOR_OIDC_TWO_FACTOR_ACR", "")
# Who to ask for a role, named on the page that refuses a sign-in without one.
SPOR_SSO_ROLE_CONTACT = os.environ.get("SPOR_SSO_ROLE_CONTACT", "")
# Off: only the break-glass administrators (user names) log in with a local password;
# each such login is written in "Kontoændringer" and shown to the other administrators.
SPOR_LOCAL_PASSWORDS = envbool("SPOR_LOCAL_PASSWORDS", True)
SPOR_BREAK_GLASS_USERS = envlist("SPOR_BREAK_GLASS_USERS", "")
# Refused sign-ins (with the person's name as the provider gave it) are kept this long.
SPOR_SIGN_IN_REFUSAL_DAYS = envint("SPOR_SIGN_IN_REFUSAL_DAYS", 90)
if not SPOR_LOCAL_PASSWORDS and not (SPOR_SAML_IDP_METADATA or SPOR_OIDC_ISSUER):
    raise ImproperlyConfigured("SPOR_LOCAL_PASSWORDS=false needs an identity provider: set "
                               "SPOR_SAML_IDP_METADATA or SPOR_OIDC_ISSUER")
# djangosaml2 reads its configuration from spor.accounts.saml (built from the above).
SAML_CONFIG_LOADER = "spor.accounts.saml.sp_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_SESSION_COOKIE_NAME = "spor_saml"
# The identity provider posts its answer from another site: only a SameSite=None cookie
# comes with it, and browsers take that only over HTTPS.
SAML_SESSION_COOKIE_SAMESITE = "None" if HTTPS else "Lax"
SAML_IGNORE_AUTHENTICATED_USERS_ON_LOGIN = True
SAML_CSP_HANDLER = ""  # Spor sends its own policy (ContentSecurityPolicyMiddleware)
# Messages to young people and parents (spor.outbox, see docs/deploy.md "Messages").
# Links in messages start with SPOR_BASE_URL (above), as young people's phones reach Spor;
# unset, with http://localhost:8000 (the demo).
# E-mail through Django's backend: the console unless SMTP is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND",
                               "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "spor@localhost")
# SMS: the demo writes them to SPOR_SMS_FILE (or standard output);
# spor.outbox.providers.HttpSmsGateway posts each to a generic HTTP gateway.
SPOR_SMS_BACKEND = os.environ.get("SPOR_SMS_BACKEND", "spor.outbox.providers.FileSms")
SPOR_SMS_FILE = os.environ.get("SPOR_SMS_FILE", "")
SPOR_SMS_GATEWAY_URL = os.environ.get("SPOR_SMS_GATEWAY_URL", "")
SPOR_SMS_GATEWAY_USER = os.environ.get("SPOR_SMS_GATEWAY_USER", "")
SPOR_SMS_GATEWAY_PASSWORD = os.environ.get("SPOR_SMS_GATEWAY_PASSWORD", "")
# The request body, with $to, $text and $sender filled in.
SPOR_SMS_GATEWAY_BODY = os.environ.get("SPOR_SMS_GATEWAY_BODY",
                                       '{"to": $to, "text": $text, "from": $sender}')
SPOR_SMS_GATEWAY_CONTENT_TYPE = os.environ.get("SPOR_SMS_GATEWAY_CONTENT_TYPE",
                                               "application/json")
SPOR_SMS_GATEWAY_TIMEOUT = envint("SPOR_SMS_GATEWAY_TIMEOUT", 10)
SPOR_SMS_SENDER = os.environ.get("SPOR_SMS_SENDER", "Spor")
# The gateway posts answers ("STOP") to /outbox/sms/inbound/?key=SPOR_SMS_INBOUND_KEY.
# Empty: the endpoint refuses every request.
SPOR_SMS_INBOUND_KEY = os.environ.get("SPOR_SMS_INBOUND_KEY", "")
# Sending: tries before a message is given up, and the first wait (doubled each time).
SPOR_OUTBOX_MAX_ATTEMPTS = envint("SPOR_OUTBOX_MAX_ATTEMPTS", 5)
SPOR_OUTBOX_RETRY_SECONDS = envint("SPOR_OUTBOX_RETRY_SECONDS", 300)
# Reminders for a link not answered: how many, and after how long.
SPOR_OUTBOX_REMINDERS = envint("SPOR_OUTBOX_REMINDERS", 2)
SPOR_OUTBOX_REMIND_RATING_HOURS = envint("SPOR_OUTBOX_REMIND_RATING_HOURS", 6)
SPOR_OUTBOX_REMIND_SURVEY_DAYS = envint("SPOR_OUTBOX_REMIND_SURVEY_DAYS", 7)
# A service that sends rating links after sessions by itself waits this long after a
# session is registered, so that a rating made in the session comes first.
SPOR_RATING_LINK_AFTER_MINUTES = envint("SPOR_RATING_LINK_AFTER_MINUTES", 60)
if SPOR_RATING_LINK_AFTER_MINUTES < 0:
    raise ImproperlyConfigured("SPOR_RATING_LINK_AFTER_MINUTES must be 0 or more")
for _name in ("SPOR_OUTBOX_MAX_ATTEMPTS", "SPOR_OUTBOX_RETRY_SECONDS",
              "SPOR_SMS_GATEWAY_TIMEOUT"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more, not {globals()[_name]}")
