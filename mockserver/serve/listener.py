"""The mock's listener: contracts.listener (connection cap, idle timeout, request deadline, body limits, shared
with the proxy), with the listener's own refusals in rent.php's words on every path that serves rent.php."""
from __future__ import annotations

from contracts.listener import Channel, Listener, raise_open_files, waitress_options
from contracts.listener import create_server as _create_server

from mockserver.http.rent import encode, error
from mockserver.http.wsgi import is_rent_path

__all__ = ["Channel", "Listener", "create_server", "raise_open_files", "waitress_options"]


def refusal(path: str, message: str) -> bytes:
    """rent.php's error envelope on rent.php paths (a world's /w/<name>/ ones too), `{"error": ...}` elsewhere."""
    return encode(error(message) if is_rent_path(path) else {"error": message})


def create_server(app, request_timeout: float, **adjustments):
    """contracts.listener.create_server, refusing in the mock's words."""
    return _create_server(app, request_timeout, refusal, **adjustments)
