"""The mock's WSGI app, built as `rent-mock serve --clock manual --seed 1` builds it, for granian
(`granian --interface wsgi benchmarks.granian_app:app`): a measurement of the HTTP server alone, not a way to
serve (granian keeps none of the listener's promises: see docs/figures.md)."""
from mockserver.http.app import create_app
from mockserver.http.runtime import Runtime
from mockserver.serve.server import ServeOptions, build_hub

hub = build_hub(ServeOptions(clock="manual", apikey="bench", seed=1))
app = create_app(hub, None, Runtime(hub))
