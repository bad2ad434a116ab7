"""Baseline: a bare Flask app on the same WSGI server, answering the mock's getcountries JSON."""
import sys

from flask import Flask, Response
from waitress import serve

app = Flask(__name__)
BODY = sys.argv[2].encode() if len(sys.argv) > 2 else b'{"status":1,"data":[]}'


@app.get("/api/rent.php")
def rent():
    """The same bytes the mock sends for getcountries."""
    return Response(BODY, mimetype="application/json")


if __name__ == "__main__":
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)
