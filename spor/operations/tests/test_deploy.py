"""The deploy/ folder checked with the tools this machine has: systemd-analyze for the
units, Caddy's own validator for the site file, the compose file parsed and held against
the image's entry point, and the real `spor serve` behind the real Caddy over HTTPS."""

import gc
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from unittest import mock

import yaml
from django.core.management import get_commands
from django.db import connection
from django.test import SimpleTestCase, TestCase, override_settings

from spor.operations import serve
from spor.operations.tests.installations import SPOR, Installation

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "deploy.md"
SERVER_ENV = {"ALLOWED_HOSTS": "localhost", "SPOR_HTTPS": "true", "SPOR_WORKERS": "2",
              "SPOR_THREADS": "2", "SPOR_TRUSTED_PROXIES": "1",
              "SPOR_BASE_URL": "https://spor.kommune.dk"}


def needs(program: str):
    """Skip where the program is missing, except in CI (.ci/run installs it)."""
    if shutil.which(program) or os.environ.get("SPOR_REQUIRE_DEPLOY_TOOLS") != "1":
        return unittest.skipUnless(shutil.which(program), f"{program} is not installed")
    raise RuntimeError(f"{program} is missing: apt-get install it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)  # noqa: S603


class SystemdUnitTests(SimpleTestCase):
    @needs("systemd-analyze")
    def test_the_units_and_the_timer_verify_cleanly(self):
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        for unit in (DEPLOY / "systemd").iterdir():
            # The units name the documented install path; verify needs a program there.
            text = unit.read_text().replace("/opt/spor/venv/bin/spor", SPOR)
            (folder / unit.name).write_text(text)
        units = sorted(str(p) for p in folder.iterdir())
        self.assertEqual(len(units), 3)
        result = run("systemd-analyze", "verify", *units)
        self.assertEqual((result.returncode, result.stdout + result.stderr), (0, ""))

    def test_the_timer_starts_the_jobs_and_the_server_stops_gracefully(self):
        timer = (DEPLOY / "systemd" / "spor-jobs.timer").read_text()
        self.assertIn("OnCalendar=*:0/5", timer)
        self.assertIn("ExecStart=/opt/spor/venv/bin/spor jobs",
                      (DEPLOY / "systemd" / "spor-jobs.service").read_text())
        server = (DEPLOY / "systemd" / "spor.service").read_text()
        self.assertIn("ExecStart=/opt/spor/venv/bin/spor serve", server)
        self.assertIn("User=spor", server)


class CaddyTests(SimpleTestCase):
    @needs("caddy")
    def test_the_site_file_is_valid(self):
        env = {**os.environ, "SPOR_DOMAIN": "spor.example.dk", "HOME": tempfile.mkdtemp()}
        result = run("caddy", "validate", "--adapter", "caddyfile",
                     "--config", str(DEPLOY / "caddy" / "Caddyfile"), env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Valid configuration", result.stdout + result.stderr)


class ImageAndComposeTests(SimpleTestCase):
    def setUp(self):
        self.compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
        self.dockerfile = (DEPLOY / "Dockerfile").read_text()
        self.final_stage = self.dockerfile.rsplit("\nFROM ", 1)[1]

    def test_the_image_is_slim_runs_as_a_user_without_a_compiler_and_checks_health(self):
        self.assertRegex(self.dockerfile, r"(?m)^FROM python:3\.11-slim")
        self.assertTrue(self.final_stage.startswith("python:3.11-slim"))
        self.assertRegex(self.final_stage, r"(?m)^USER spor$")
        self.assertNotRegex(self.final_stage, r"build-essential|gcc|\bmake\b")
        self.assertIn("COPY --from=build /opt/spor /opt/spor", self.final_stage)
        self.assertRegex(self.final_stage, r"HEALTHCHECK .*\n.*/healthz")
        self.assertIn('ENTRYPOINT ["spor"]', self.final_stage)

    def test_every_service_runs_a_command_the_image_has(self):
        services = self.compose["services"]
        self.assertEqual(services["db"]["image"], "postgres:16")
        self.assertTrue(services["caddy"]["image"].startswith("caddy:2"))
        commands = set(get_commands())
        for name in ("migrate", "spor", "jobs"):
            service = services[name]
            self.assertEqual(service["build"]["dockerfile"], "deploy/Dockerfile")
            self.assertTrue((DEPLOY / service["build"]["context"] / "pyproject.toml").exists())
            if "entrypoint" in service:
                # The jobs loop replaces the image's `spor` entry point with a shell.
                verbs = re.findall(r"\bspor (\w+)", " ".join(service["entrypoint"]))
            else:
                verbs = service["command"][:1]
            self.assertTrue(verbs, name)
            self.assertLessEqual(set(verbs), commands, name)
        self.assertEqual(services["spor"]["command"], ["serve"])
        self.assertIn("jobs", services["jobs"]["entrypoint"][-1])
        self.assertEqual(services["spor"]["environment"]["SPOR_HTTPS"], "true")
        self.assertIn("@db:5432/", services["spor"]["environment"]["DATABASE_URL"])
        [caddyfile] = [v.split(":")[0] for v in services["caddy"]["volumes"] if "Caddyfile" in v]
        self.assertTrue((DEPLOY / caddyfile).is_file())
        self.assertIn("SPOR_UPSTREAM", services["caddy"]["environment"])

    def test_the_server_and_the_jobs_share_one_count_of_the_rate_limits(self):
        services = self.compose["services"]
        url = urllib.parse.urlsplit(services["spor"]["environment"]["REDIS_URL"])
        self.assertEqual(url.scheme, "redis")
        self.assertTrue(services[url.hostname]["image"].startswith("redis:"))
        for name in ("spor", "jobs"):
            self.assertEqual(services[name]["depends_on"][url.hostname],
                             {"condition": "service_healthy"}, name)

    def test_every_variable_the_deploy_files_use_is_documented(self):
        docs = DOCS.read_text()
        text = (DEPLOY / "compose.yaml").read_text() + (DEPLOY / "caddy" / "Caddyfile").read_text()
        names = set(re.findall(r"\$\{(\w+)|\{\$(\w+)", text))
        names = {a or b for a, b in names} | set(self.compose["services"]["spor"]["environment"])
        self.assertGreaterEqual(len(names), 6)
        undocumented = [name for name in sorted(names) if f"`{name}`" not in docs]
        self.assertEqual(undocumented, [])


class ServeTests(SimpleTestCase):
    def installation(self, **env) -> Installation:
        made = Installation(connection.vendor, **env)
        self.addCleanup(made.remove)
        return made

    def test_it_refuses_to_start_without_the_production_settings_naming_each(self):
        site = self.installation(DEBUG="true")
        for name in ("SECRET_KEY", "SPOR_DATA_KEY", "ALLOWED_HOSTS"):
            site.env.pop(name, None)
        result = site.spor("serve", check=False)
        self.assertEqual(result.returncode, 1)
        for name in ("SECRET_KEY is not set", "SPOR_DATA_KEY is not set",
                     "ALLOWED_HOSTS is not set", "DEBUG is on", "SPOR_HTTPS is not true"):
            self.assertIn(name, result.stderr)

    def test_it_warns_when_several_workers_would_count_the_rate_limits_apart(self):
        with mock.patch.dict(os.environ, {"REDIS_URL": ""}):
            [caution] = serve.cautions(2)
            self.assertIn("REDIS_URL is not set", caution)
            self.assertEqual(serve.cautions(1), [])
        with mock.patch.dict(os.environ, {"REDIS_URL": "redis://127.0.0.1:6379/0"}):
            self.assertEqual(serve.cautions(2), [])

    def test_check_deploy_is_clean_with_the_documented_production_settings(self):
        site = self.installation(**SERVER_ENV)
        site.env.pop("SPOR_REQUIRE_2FA")
        site.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests
        result = site.spor("check", "--deploy", "--fail-level", "WARNING", check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_a_missing_data_folder_is_created(self):
        site = self.installation()
        site.env["SPOR_DATA_DIR"] = str(site.folder / "new" / "folder")
        if connection.vendor == "sqlite":
            site.env["DATABASE_URL"] = f"sqlite:///{site.folder / 'new' / 'folder' / 'db'}"
        site.spor("migrate", "-v0")
        self.assertTrue((site.folder / "new" / "folder").is_dir())

    @needs("caddy")
    def test_spor_serve_behind_caddy_over_https(self):
        site = Installation(connection.vendor, **SERVER_ENV)
        self.addCleanup(site.remove)
        site.spor("migrate", "-v0")
        site.python("from spor.accounts.models import Service, User; "
                    "User.objects.create_user('it', password='it-password-1', role='admin', "
                    "service=Service.objects.create(name='Kommunen'))")
        spor_port, https_port, http_port = free_port(), free_port(), free_port()
        server = site.start("serve", "--bind", f"127.0.0.1:{spor_port}")
        self.addCleanup(lambda: server.poll() is None and server.kill())
        caddy_home = site.folder / "caddy"
        config = caddy_home / "Caddyfile"
        caddy_home.mkdir()
        config.write_text(
            "{\n\tadmin off\n\tskip_install_trust\n\tlocal_certs\n"
            f"\thttp_port {http_port}\n\thttps_port {https_port}\n"
            f"\tstorage file_system {caddy_home / 'data'}\n}}\n"
            f"import {DEPLOY / 'caddy' / 'Caddyfile'}\n")
        caddy = subprocess.Popen(  # noqa: S603
            ["caddy", "run", "--adapter", "caddyfile", "--config", str(config)],  # noqa: S607
            env={**os.environ, "HOME": str(caddy_home), "SPOR_DOMAIN": f"localhost:{https_port}",
                 "SPOR_UPSTREAM": f"127.0.0.1:{spor_port}"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: caddy.poll() is None and (caddy.kill(), caddy.wait()))

        root = caddy_home / "data" / "pki" / "authorities" / "local" / "root.crt"
        base = f"https://localhost:{https_port}"
        for _ in range(150):
            if root.exists() and self.answers(base, root):
                break
            if server.poll() is not None:
                self.fail(f"spor serve stopped: {server.communicate()[1]}")
            time.sleep(0.2)
        tls = ssl.create_default_context(cafile=str(root))  # Caddy's own CA: verified
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls),
                                              urllib.request.HTTPCookieProcessor(jar))

        with browser.open(f"{base}/healthz", timeout=30) as health:
            self.assertEqual(health.status, 200)
            self.assertIn(b'"migrations": "ok"', health.read())
        with browser.open(f"{base}/login/?next=/jobs/", timeout=30) as login:
            self.assertIn("max-age=", login.headers["Strict-Transport-Security"])
            page = login.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.assertTrue(all(cookie.secure for cookie in jar))
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "it",
                                       "password": "it-password-1", "next": "/jobs/"}).encode()
        request = urllib.request.Request(f"{base}/login/", data=form, headers={  # noqa: S310
            "Referer": f"{base}/login/", "Origin": base})
        with browser.open(request, timeout=30) as jobs_page:
            self.assertEqual(jobs_page.url, f"{base}/jobs/")
            self.assertIn("purge_public", jobs_page.read().decode())

        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
        self.assertEqual(server.returncode, 0, err)
        log = out + err
        self.assertIn("Shutting down", log)
        self.assertRegex(log, r"GET /login/ 200 \d+")
        self.assertRegex(log, r"POST /login/ 302 \d+")
        self.assertIn("GET /jobs/ 200", log)
        self.assertNotIn("next=", log)
        self.assertNotIn("it-password-1", log)

    @staticmethod
    def answers(base: str, root: Path) -> bool:
        try:
            tls = ssl.create_default_context(cafile=str(root))
            with urllib.request.urlopen(f"{base}/healthz", context=tls, timeout=5) as r:  # noqa: S310
                return r.status == 200
        except (OSError, urllib.error.URLError, ssl.SSLError):
            return False


class ServerLoadTests(SimpleTestCase):
    def test_what_the_application_holds_when_loaded_is_left_out_of_collections(self):
        self.addCleanup(gc.unfreeze)
        gc.unfreeze()
        serve.Server("127.0.0.1:0").load()
        self.assertGreater(gc.get_freeze_count(), 10_000)


class ServerSizeTests(SimpleTestCase):
    def test_it_runs_one_process_per_core_of_eight_threads_unless_told(self):
        with mock.patch.object(serve.os, "sched_getaffinity", return_value={0, 1}, create=True):
            with override_settings(SPOR_WORKERS=0, SPOR_THREADS=0):
                self.assertEqual(serve.sizes(), (2, 8))
            with override_settings(SPOR_WORKERS=5, SPOR_THREADS=2):
                self.assertEqual(serve.sizes(), (5, 2))


@unittest.skipUnless(connection.vendor == "postgresql", "prepared statements are PostgreSQL's")
class PreparedStatementTests(TestCase):
    def test_a_query_a_connection_runs_again_and_again_is_planned_once(self):
        asked = "SELECT count(*) FROM accounts_service WHERE name = %s"
        with connection.cursor() as cursor:
            for name in ("a", "b", "c", "d", "e", "f", "g"):
                cursor.execute(asked, [name])
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        self.assertIn(asked.replace("%s", "$1"), prepared)
