"""Baselines on the mock's own WSGI server (waitress, 8 threads), answering the mock's getcountries bytes.

Usage: python benchmarks/bare_app.py PORT BODY [--wsgi]: a bare Flask app, or with --wsgi a bare WSGI function.
"""
import sys

from flask import Flask, Response
from waitress import serve

app = Flask(__name__)
BODY = sys.argv[2].encode() if len(sys.argv) > 2 else b'{"status":1,"data":[]}'


@app.get("/api/rent.php")
def rent():
    """The same bytes the mock sends for getcountries."""
    return Response(BODY, mimetype="application/json")


def bare(environ, start_response):
    """The same bytes, with no framework at all."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]


if __name__ == "__main__":
    serve(bare if "--wsgi" in sys.argv[3:] else app, host="127.0.0.1", port=int(sys.argv[1]), threads=8,
          _quiet=True)
