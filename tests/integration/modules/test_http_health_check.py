"""platform_ops.aws.http_health_check against real HTTP(S) servers on loopback."""

from __future__ import annotations

import datetime
import functools
import importlib
import io
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from contextlib import redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible.module_utils.testing import patch_module_args

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # fall back to the openssl CLI
    x509 = None

HEALTHY = {
    "status": "ok",
    "components": {
        "database": {"status": "ok", "latency_ms": 3},
        "cache": {"status": "healthy", "latency_ms": 1},
        "storage": "pass",
    },
}
UNHEALTHY = {
    "status": "fail",
    "components": {
        "database": {"status": "fail", "error": "connection refused", "latency_ms": 2001},
        "cache": {"status": "down"},
        "storage": {"status": "ok", "latency_ms": 7},
    },
}


class Handler(BaseHTTPRequestHandler):
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, code: int, body, ctype: str = "application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server API
        path = self.path
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            count = self.counts[path]
        if path == "/healthy":
            self._send(200, HEALTHY)
        elif path == "/unhealthy":
            self._send(503, UNHEALTHY)
        elif path.startswith("/flaky/"):
            # /flaky/<n>/<id>: unhealthy for the first n requests, healthy afterwards
            failures = int(path.split("/")[2])
            if count <= failures:
                self._send(503, UNHEALTHY)
            else:
                self._send(200, HEALTHY)
        elif path == "/text":
            self._send(200, b"OK", "text/plain")
        elif path == "/error":
            self._send(500, b"<html>Internal Server Error</html>", "text/html")
        elif path == "/header":
            if self.headers.get("X-Health-Token") == "s3cret":
                self._send(200, HEALTHY)
            else:
                self._send(401, {"error": "missing token"})
        elif path == "/degraded":
            self._send(200, {"status": "degraded", "components": {}})
        else:
            self._send(404, {"error": "not found"})


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def http_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    _serve(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _make_ca_and_cert(directory):
    """A private CA and a server certificate for 127.0.0.1/localhost signed by it (PEM files)."""
    if x509 is None:
        return _make_ca_and_cert_openssl(directory)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform-ops test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


def _make_ca_and_cert_openssl(directory):
    """The same with the openssl CLI, for environments without the cryptography package."""
    if not shutil.which("openssl"):
        pytest.skip("neither the cryptography package nor the openssl CLI is available")
    ca_key, ca_path = directory / "ca.key", directory / "ca.pem"
    key_path, csr, cert_path = directory / "server.key", directory / "server.csr", directory / "server.pem"
    ext = directory / "server.ext"
    ext.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    run_ = functools.partial(subprocess.run, check=True, capture_output=True)
    run_(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            ca_key,
            "-out",
            ca_path,
            "-days",
            "1",
            "-subj",
            "/CN=platform-ops test CA",
        ]
    )
    run_(
        [
            "openssl",
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            key_path,
            "-out",
            csr,
            "-subj",
            "/CN=localhost",
        ]
    )
    run_(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            ca_path,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            cert_path,
            "-days",
            "1",
            "-extfile",
            ext,
        ]
    )
    return ca_path, cert_path, key_path


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    ca_path, cert_path, key_path = _make_ca_and_cert(tmp_path_factory.mktemp("tls"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _serve(server)
    yield f"https://127.0.0.1:{server.server_address[1]}", str(ca_path)
    server.shutdown()
    server.server_close()


def run(args: dict, check_mode: bool = False) -> dict:
    """Run the module in-process (no AWS parameters: this module takes none)."""
    module = importlib.import_module("ansible_collections.platform_ops.aws.plugins.modules.http_health_check")
    full = dict(args, _ansible_check_mode=check_mode)
    out = io.StringIO()
    with patch_module_args(full), redirect_stdout(out), pytest.raises(SystemExit):
        module.main()
    return json.loads(out.getvalue())


FAST = {"delay": 0.05, "max_delay": 0.2, "timeout": 5}


def test_healthy_report(http_url):
    result = run({"url": f"{http_url}/healthy", **FAST})
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["status"] == "healthy"
    assert result["http_status"] == 200
    assert result["attempts"] == 1
    assert result["unhealthy"] == []
    assert result["components"]["database"] == {"status": "ok", "latency_ms": 3, "healthy": True}
    assert result["components"]["storage"]["status"] == "pass"
    assert result["report"]["status"] == "ok"


def test_unhealthy_fails_naming_components_after_timeout(http_url):
    start = time.monotonic()
    result = run({"url": f"{http_url}/unhealthy", "wait_timeout": 1, **FAST})
    took = time.monotonic() - start
    assert result["failed"] is True
    assert result["status"] == "unhealthy"
    assert result["http_status"] == 503
    assert result["attempts"] > 1, "it must retry until the timeout"
    assert 0.9 <= result["elapsed"] and took < 10
    assert sorted(result["unhealthy"]) == ["cache", "database"]
    assert "unhealthy: database (connection refused), cache" in result["msg"]
    assert "HTTP 503" in result["msg"]
    assert "storage" not in result["unhealthy"]


def test_becomes_healthy_after_some_requests(http_url):
    result = run({"url": f"{http_url}/flaky/3/a", "wait_timeout": 30, **FAST})
    assert not result.get("failed"), result
    assert result["attempts"] == 4
    assert result["status"] == "healthy"


def test_retries_limit_attempts(http_url):
    result = run({"url": f"{http_url}/flaky/10/b", "retries": 2, "wait_timeout": 30, **FAST})
    assert result["failed"] is True
    assert result["attempts"] == 3
    assert "after 3 attempts" in result["msg"]


def test_non_json_body_is_unhealthy_unless_json_not_expected(http_url):
    result = run({"url": f"{http_url}/text", "wait_timeout": 0.3, **FAST})
    assert result["failed"] is True
    assert "not JSON" in result["msg"]
    result = run({"url": f"{http_url}/text", "expect_json": False, **FAST})
    assert not result.get("failed"), result
    assert result["http_status"] == 200


def test_server_error_fails_with_status(http_url):
    result = run({"url": f"{http_url}/error", "wait_timeout": 0.3, "expect_json": False, **FAST})
    assert result["failed"] is True
    assert result["http_status"] == 500
    assert "HTTP 500 (expected 200)" in result["msg"]


def test_expected_status_list(http_url):
    # with expect_json=false only the status decides, and 500 may be declared acceptable
    result = run({"url": f"{http_url}/error", "expected_status": [200, 500], "expect_json": False, **FAST})
    assert not result.get("failed"), result
    assert result["http_status"] == 500


def test_overall_status_counts(http_url):
    result = run({"url": f"{http_url}/degraded", "wait_timeout": 0.3, **FAST})
    assert result["failed"] is True
    assert "overall status 'degraded'" in result["msg"]


def test_headers_are_sent(http_url):
    result = run({"url": f"{http_url}/header", "wait_timeout": 0.3, **FAST})
    assert result["failed"] is True and result["http_status"] == 401
    result = run({"url": f"{http_url}/header", "headers": {"X-Health-Token": "s3cret"}, **FAST})
    assert not result.get("failed"), result


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run({"url": f"http://127.0.0.1:{port}/health", "wait_timeout": 0.5, **FAST})
    assert result["failed"] is True
    assert result["http_status"] == -1
    assert result["attempts"] > 1
    assert "request failed" in result["msg"]


def test_check_mode_still_checks(http_url):
    result = run({"url": f"{http_url}/healthy", **FAST}, check_mode=True)
    assert not result.get("failed") and result["status"] == "healthy"
    result = run({"url": f"{http_url}/unhealthy", "wait_timeout": 0.2, **FAST}, check_mode=True)
    assert result["failed"] is True


def test_tls_with_ca_path(https_server):
    url, ca_path = https_server
    result = run({"url": f"{url}/healthy", "ca_path": ca_path, **FAST})
    assert not result.get("failed"), result
    assert result["status"] == "healthy"


def test_tls_without_ca_fails_verification_fast(https_server):
    url, _ = https_server
    start = time.monotonic()
    result = run({"url": f"{url}/healthy", "wait_timeout": 30, **FAST})
    assert result["failed"] is True
    assert "certificate verify failed" in result["msg"].lower()
    assert result["attempts"] == 1, "a certificate error is not retried"
    assert time.monotonic() - start < 10


def test_tls_validate_certs_false(https_server):
    url, _ = https_server
    result = run({"url": f"{url}/healthy", "validate_certs": False, **FAST})
    assert not result.get("failed"), result


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"url": "ftp://example.org/health"}, "http:// or https://"),
        ({"url": "http://127.0.0.1:1/h", "expected_status": []}, "expected_status"),
        ({"url": "http://127.0.0.1:1/h", "wait_timeout": 0}, "wait_timeout must be a positive"),
        ({"url": "http://127.0.0.1:1/h", "method": "DELETE"}, "value of method must be one of"),
    ],
)
def test_bad_input(args, message):
    result = run(args)
    assert result["failed"] is True
    assert message in result["msg"]


def test_skipped_components_are_listed_not_failed(run_module):
    from ansible_collections.platform_ops.aws.plugins.modules.http_health_check import evaluate_report

    report = {"status": "ok", "components": {"database": {"status": "ok"}, "search": {"status": "skipped"}}}
    components, unhealthy, problems = evaluate_report(report, "components")
    assert unhealthy == [] and problems == []
    assert components["search"]["skipped"] is True
    _, unhealthy, problems = evaluate_report(report, "components", ["search", "cache"])
    assert unhealthy == ["search", "cache"]
    assert "cache (missing from the report)" in problems
