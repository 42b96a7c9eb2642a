"""Media processor: `python -m app.worker`.

Serves the same HTTP app (so /health works behind the platform's health checks) on $PORT (default 8080)
and, in a background thread, fills in ``documents.sha256`` for documents that have none, reading the
objects from the bucket of purpose $WORKER_BUCKET (default ``media``; the only configured bucket if
there is just one). $WORKER_INTERVAL_S sets the polling interval (default 10 s).
"""

import hashlib
import logging
import os
import threading

import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import Settings
from .db import get_engine
from .health import s3_client
from .models import Document

log = logging.getLogger("app.worker")


def worker_bucket(settings: Settings) -> str | None:
    purpose = os.environ.get("WORKER_BUCKET", "media").lower()
    if purpose in settings.s3_buckets:
        return settings.s3_buckets[purpose]
    if len(settings.s3_buckets) == 1:
        return next(iter(settings.s3_buckets.values()))
    return None


def process_pending(settings: Settings, limit: int = 20) -> int:
    """Hash up to ``limit`` documents without a sha256; returns how many were filled in."""
    bucket = worker_bucket(settings)
    if not bucket or not settings.database_url:
        return 0
    s3 = s3_client(settings.aws_endpoint_url, settings.aws_region)
    done = 0
    with Session(get_engine(settings)) as session:
        query = (
            select(Document)
            .where(Document.sha256.is_(None))
            .order_by(Document.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        for document in session.scalars(query):
            try:
                body = s3.get_object(Bucket=bucket, Key=document.s3_key)["Body"]
            except Exception as exc:  # noqa: BLE001 - keep going with the other documents
                log.warning("document %s: cannot read s3 object: %s", document.id, type(exc).__name__)
                continue
            digest = hashlib.sha256()
            for chunk in iter(lambda body=body: body.read(1 << 20), b""):
                digest.update(chunk)
            document.sha256 = digest.hexdigest()
            done += 1
        session.commit()
    if done:
        log.info("hashed %d document(s)", done)
    return done


def _loop(settings: Settings, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            process_pending(settings)
        except Exception as exc:  # noqa: BLE001 - the health endpoint reports the database state
            log.warning("processing failed: %s", type(exc).__name__)
        stop.wait(interval)


def main() -> None:
    from .main import app  # noqa: PLC0415 - configures logging from the environment

    settings = app.state.settings
    stop = threading.Event()
    interval = float(os.environ.get("WORKER_INTERVAL_S", "10"))
    thread = threading.Thread(target=_loop, args=(settings, stop, interval), name="media-processor", daemon=True)
    thread.start()
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104 - the container's port is the service's port
    try:
        uvicorn.run(app, host=host, port=int(os.environ.get("PORT", "8080")))
    finally:
        stop.set()
        thread.join(timeout=5)


if __name__ == "__main__":
    main()
