"""The HTTP API: GET /health (deep, per component), GET /health/live, GET/POST /cases."""

import logging
from collections.abc import Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import auth
from .config import Settings, scrub
from .db import DatabaseNotConfigured, dispose_all, session_scope
from .health import run_checks
from .models import Case

log = logging.getLogger("app")


class CaseIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    status: Literal["open", "pending", "closed"] = "open"


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: str
    created_at: datetime


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The health check reads the alembic revision on every call; keep alembic's chatter out of the log.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    yield from session_scope(request.app.state.settings)


def require_writer(request: Request, authorization: Annotated[str | None, Header()] = None) -> dict | None:
    secret = request.app.state.settings.jwt_secret
    if not secret:
        return None
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "bearer token required", headers={"WWW-Authenticate": "Bearer"})
    try:
        return auth.decode_any(token.strip(), [secret, request.app.state.settings.jwt_secret_previous])
    except auth.InvalidToken as exc:
        raise HTTPException(401, f"invalid token: {exc}", headers={"WWW-Authenticate": "Bearer"}) from exc


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    _configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info("starting caseapp %s with %s", settings.version, settings.describe())
        yield
        dispose_all()

    app = FastAPI(title="caseapp", version=settings.version, lifespan=lifespan)
    app.state.settings = settings

    @app.exception_handler(DatabaseNotConfigured)
    async def _no_database(request: Request, exc: DatabaseNotConfigured) -> JSONResponse:
        return JSONResponse({"detail": "database not configured"}, status_code=503)

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        log.error("database error on %s %s: %s", request.method, request.url.path, scrub(message, settings)[:300])
        return JSONResponse({"detail": "database unavailable"}, status_code=503)

    @app.get("/health")
    def health(settings: Annotated[Settings, Depends(get_settings)]) -> JSONResponse:
        report = run_checks(settings)
        if report["status"] != "ok":
            log.warning("health check failed: %s", report.get("failed"))
        return JSONResponse(
            report, status_code=200 if report["status"] == "ok" else 503, headers={"Cache-Control": "no-store"}
        )

    @app.get("/health/live")
    def live(settings: Annotated[Settings, Depends(get_settings)]) -> dict:
        """Liveness: the process serves HTTP. No dependency is checked (container HEALTHCHECK)."""
        return {"status": "ok", "version": settings.version}

    @app.get("/cases", response_model=list[CaseOut])
    def list_cases(
        session: Annotated[Session, Depends(get_session)],
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
        status: Literal["open", "pending", "closed"] | None = None,
    ) -> list[Case]:
        query = select(Case).order_by(Case.id).limit(limit).offset(offset)
        if status:
            query = query.where(Case.status == status)
        return list(session.scalars(query))

    @app.get("/cases/{case_id}", response_model=CaseOut)
    def get_case(case_id: int, session: Annotated[Session, Depends(get_session)]) -> Case:
        case = session.get(Case, case_id)
        if case is None:
            raise HTTPException(404, "case not found")
        return case

    @app.post("/cases", response_model=CaseOut, status_code=201)
    def create_case(
        body: CaseIn,
        _claims: Annotated[dict | None, Depends(require_writer)],
        session: Annotated[Session, Depends(get_session)],
    ) -> Case:
        case = Case(title=body.title, status=body.status)
        session.add(case)
        session.commit()
        session.refresh(case)
        log.info("created case %s", case.id)
        return case

    return app


app = create_app()
