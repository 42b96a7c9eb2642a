#!/usr/bin/env python3
"""A LOCAL STAND-IN for the OpenSearch domain's HTTP endpoint. It is not OpenSearch.

moto emulates the OpenSearch Service control plane (CreateDomain, DescribeDomain, ...) but has no data
plane: the endpoint it reports answers nothing. So that the reference app's search check runs over real
HTTP on the local stack, `scripts/local_stack.py up` starts this tiny server on 127.0.0.1 and the local
app gets its URL as OPENSEARCH_ENDPOINT in place of the domain's.

What it does, and nothing more:

- ``GET /_cluster/health`` answers ``{"status": "green", ...}`` (``PLATFORM_LOCAL_SEARCH_STATUS`` or
  ``--status`` changes the colour) when the request carries a SigV4 ``Authorization`` header for the
  service ``es`` (``AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/es/aws4_request, ...``) and an
  ``X-Amz-Date``, like a domain whose access policy allows only IAM principals; otherwise 403 with the
  message OpenSearch Service gives. The signature itself is not verified (the emulator accepts any key).
- ``GET /_local/ready`` answers 200 without authentication (the local stack's readiness probe).
- anything else: 404.

    local_search.py serve --port PORT [--status green|yellow|red]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIGV4_ES = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=[^/\s]+/\d{8}/[a-z0-9-]+/es/aws4_request, ?SignedHeaders=\S+, ?Signature=[0-9a-f]{64}$"
)
STATUSES = ("green", "yellow", "red")
CLUSTER_NAME = "local-stand-in"


def signed_for_es(headers) -> bool:
    """True when the request carries a SigV4 Authorization header for the service ``es`` and an X-Amz-Date."""
    return bool(SIGV4_ES.match(headers.get("Authorization") or "")) and bool(headers.get("X-Amz-Date"))


def make_handler(status: str):
    class Handler(BaseHTTPRequestHandler):
        server_version = "platform-ops-local-search/1"
        cluster_status = status

        def _send(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):  # noqa: N802 - http.server API
            path = self.path.split("?", 1)[0]
            if path == "/_local/ready":
                self._send(200, {"ready": True, "stand_in": True})
            elif path == "/_cluster/health":
                if not signed_for_es(self.headers):
                    self._send(403, {"message": "User: anonymous is not authorized to perform: es:ESHttpGet"})
                    return
                self._send(
                    200,
                    {
                        "cluster_name": CLUSTER_NAME,
                        "status": type(self).cluster_status,
                        "number_of_nodes": 1,
                        "number_of_data_nodes": 1,
                        "active_shards_percent_as_number": 100.0,
                        "local_stand_in": "moto has no OpenSearch data plane",
                    },
                )
            else:
                self._send(404, {"error": "not found", "local_stand_in": True})

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, format, *args):  # noqa: A002 - http.server API
            sys.stderr.write(f"local search stand-in: {self.address_string()} {format % args}\n")

    return Handler


def make_server(port: int = 0, status: str = "green") -> ThreadingHTTPServer:
    """The stand-in bound to 127.0.0.1:port (0: a free port); serve_forever() runs it."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    return ThreadingHTTPServer(("127.0.0.1", port), make_handler(status))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="local_search.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve on 127.0.0.1:PORT until stopped")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--status", choices=STATUSES, default=os.environ.get("PLATFORM_LOCAL_SEARCH_STATUS") or "green")
    args = parser.parse_args(argv)
    server = make_server(args.port, args.status)
    print(f"local search stand-in (moto has no OpenSearch data plane) on http://127.0.0.1:{server.server_address[1]}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
