"""schemathesis against the mock in-process, in every dialect, with checks for rent.php's in-band errors."""
import os

import schemathesis
from hypothesis import HealthCheck, settings

from contracts.openapi import openapi
from contracts.st_checks import checks_for, excluded_checks
from mockserver.core import catalogue
from mockserver.http.app import create_app
from tests.conftest import KEY, make_hub

EXAMPLES = int(os.environ.get("RENT_MOCK_EXAMPLES", "15"))
CAT = catalogue.load()
APPS = {d: create_app(make_hub(CAT, dialect=d)) for d in ("documented", "sdk", "live")}
SCHEMAS = {}
for dialect, app in APPS.items():
    SCHEMAS[dialect] = schemathesis.openapi.from_dict(openapi(dialect))
    SCHEMAS[dialect].app = app


def _run(case, dialect):
    if case.query is not None and case.method.upper() == "GET" and "apikey" not in case.query \
            and case.operation.definition.raw.get("security") != [{}]:
        case.query["apikey"] = KEY  # the generated calls act as a funded account
    case.call_and_validate(additional_checks=checks_for(dialect), excluded_checks=excluded_checks())


@SCHEMAS["documented"].parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_documented_dialect(case):
    _run(case, "documented")


@SCHEMAS["sdk"].parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_sdk_dialect(case):
    _run(case, "sdk")


@SCHEMAS["live"].parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_live_dialect(case):
    _run(case, "live")


class RentStateMachine(SCHEMAS["documented"].as_state_machine()):
    """Stateful runs through the links (create → activate, sms, prolong, delete)."""

    def before_call(self, case):
        if case.query is not None and "apikey" not in case.query:
            case.query["apikey"] = KEY

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, additional_checks=checks_for("documented"),
                               excluded_checks=excluded_checks())


TestStateful = RentStateMachine.TestCase
TestStateful.settings = settings(max_examples=EXAMPLES, stateful_step_count=6, deadline=None,
                                 suppress_health_check=list(HealthCheck))
