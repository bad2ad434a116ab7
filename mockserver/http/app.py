"""The Flask app factory: rent.php on both paths, the control API under /_mock/, JSON for every error."""
from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from ..control.routes import blueprint
from ..core.hub import Hub
from ..dashboard import blueprint as dashboard
from .responses import json_response
from .runtime import Runtime
from .wsgi import HeadWithoutBody, RentApp

MAX_BODY = 1 << 20


def create_app(hub: Hub, admin_token: str | None = None, runtime: Runtime | None = None,
               allowed_hosts: tuple[str, ...] = ()) -> Flask:
    """Build the WSGI app serving `hub`; `admin_token`, when set, guards every /_mock/ call;
    `allowed_hosts` are names besides loopback ones the control API accepts in Host."""
    rt = runtime or Runtime(hub)
    app = Flask(__name__)
    app.config["HUB"] = hub
    app.config["RUNTIME"] = rt
    app.config["ADMIN_TOKEN"] = admin_token
    app.config["ALLOWED_HOSTS"] = tuple(allowed_hosts)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.register_blueprint(blueprint, url_prefix="/_mock")
    app.register_blueprint(dashboard)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return json_response({"error": exc.description or exc.name}, exc.code or 500)

    @app.errorhandler(Exception)
    def fault(exc: Exception) -> Response:
        app.logger.exception("internal fault")
        return json_response({"error": f"internal error: {type(exc).__name__}"}, 500)

    # rent.php answered before Flask's request machinery; HEAD never gets a body, whatever the path
    app.wsgi_app = HeadWithoutBody(RentApp(app.wsgi_app, rt))
    return app
