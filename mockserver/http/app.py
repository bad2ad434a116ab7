"""The Flask app factory: rent.php on both paths, the control API under /_mock/, JSON for every error."""
from __future__ import annotations

import json
import time

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from contracts.registry import PATHS

from ..core.hub import DEFAULT, Hub
from .journal import findings
from .rent import dispatch, error
from .runtime import Runtime
from .wire_faults import DropMiddleware, faulty

MAX_QUERY = 8_192
MAX_BODY = 1 << 20
WORLD_PREFIX = "/w/<world>"  # a world's own base URL: /w/<world>/api/rent.php


def json_response(payload, status: int = 200) -> Response:
    """A compact JSON response (non-ASCII kept as is)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json")


def _is_rent(path: str) -> bool:
    return path.endswith("/rent.php")


def create_app(hub: Hub, admin_token: str | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the WSGI app serving `hub`; `admin_token`, when set, guards every /_mock/ call."""
    from ..control.routes import blueprint  # the control plane is optional for users of the app

    rt = runtime or Runtime(hub)
    app = Flask(__name__)
    app.config["HUB"] = hub
    app.config["RUNTIME"] = rt
    app.config["ADMIN_TOKEN"] = admin_token
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    def rent_php(world: str | None = None) -> Response:
        started = rt.monotonic()
        if len(request.query_string) > MAX_QUERY:
            return json_response(error(f"Query string longer than {MAX_QUERY} bytes"))
        args = request.args
        method, apikey = args.get("method"), args.get("apikey") or None
        scope = hub.by_apikey.get(apikey, world) if apikey else world
        decision = rt.faults.decide(scope or DEFAULT, method or "", apikey)
        if decision.delay:
            rt.sleep(decision.delay)
        if decision.reply is not None:
            outcome = None
            response = faulty(decision, lambda: dispatch(rt, request.method, args, world).payload)
        else:
            outcome = dispatch(rt, request.method, args, world)
            response = json_response(outcome.payload)
        rt.journal(outcome.world if outcome else scope or DEFAULT).add(
            at=time.time(), verb=request.method, method=method, params=dict(args), apikey=apikey,
            status=outcome.payload.get("status") if outcome else None, http_status=response.status_code,
            latency_ms=round((rt.monotonic() - started) * 1000, 3),
            findings=outcome.findings if outcome else findings(request.method, args),
            fault=decision.reply)
        return response

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    for path in PATHS:
        app.add_url_rule(path, f"rent{path}", rent_php, methods=methods)
        app.add_url_rule(WORLD_PREFIX + path, f"world-rent{path}", rent_php, methods=methods)
    app.register_blueprint(blueprint, url_prefix="/_mock")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if _is_rent(request.path):
            return json_response(error(exc.description or exc.name))
        return json_response({"error": exc.description or exc.name}, exc.code or 500)

    @app.errorhandler(Exception)
    def fault(exc: Exception) -> Response:
        app.logger.exception("internal fault")
        if _is_rent(request.path):
            return json_response(error(f"Internal error in the mock: {type(exc).__name__}"), 500)
        return json_response({"error": f"internal error: {type(exc).__name__}"}, 500)

    app.wsgi_app = DropMiddleware(app.wsgi_app)
    return app
