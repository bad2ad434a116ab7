"""The rental dashboard: the service's rental page, served by the mock at `/` (assets ship in the package)."""
from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, abort

blueprint = Blueprint("dashboard", __name__)
STATIC = files("mockserver.dashboard").joinpath("static")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8"}


def _asset(name: str) -> Response:
    path = STATIC.joinpath(name)
    suffix = "." + name.rsplit(".", 1)[-1]
    if "/" in name or suffix not in TYPES or not path.is_file():
        abort(404)
    response = Response(path.read_bytes(), mimetype=TYPES[suffix].split(";")[0])
    response.headers["Content-Type"] = TYPES[suffix]
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/")
def index() -> Response:
    """The page."""
    return _asset("index.html")


@blueprint.get("/dashboard/<name>")
def asset(name: str) -> Response:
    """A script or stylesheet of the page."""
    return _asset(name)
