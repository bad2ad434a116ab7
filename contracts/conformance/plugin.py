"""pytest plugin (entry point `rent_mock_conform`): the options of the packaged conformance suite
(`pytest --pyargs contracts.conformance --conform-base-url URL`); each also reads an environment variable."""
from __future__ import annotations

import os


OPTIONS = (  # option, environment variable, help
    ("--base-url", "RENT_MOCK_BASE_URL", "server root of the rent.php server to judge"),
    ("--apikey", "RENT_MOCK_APIKEY", "account for the account rules (not needed against the mock)"),
    ("--alt-apikey", "RENT_MOCK_ALT_APIKEY", "a second account, for NOTOWNER and isolation"),
    ("--admin-token", "RENT_MOCK_ADMIN_TOKEN", "the mock's control token"),
    ("--dialect", "RENT_MOCK_DIALECT", "dialect to judge by (default: auto)"),
    ("--max-spend", "RENT_MOCK_MAX_SPEND", "most money the run may spend (with --allow-spend)"),
    ("--examples", "RENT_MOCK_EXAMPLES", "examples of the model-based machine (default 25)"),
)


def pytest_addoption(parser):
    group = parser.getgroup("conform", "rent.php conformance")
    for option, env, text in OPTIONS:
        group.addoption("--conform-" + option[2:], dest="conform_" + option[2:].replace("-", "_"), default=os.environ.get(env),
                        help=f"{text} (env {env})")
    group.addoption("--conform-allow-spend", dest="conform_allow_spend", action="store_true",
                    default=os.environ.get("RENT_MOCK_ALLOW_SPEND", "") not in ("", "0", "false"),
                    help="let rules that cost real money run (env RENT_MOCK_ALLOW_SPEND=1; needs --conform-max-spend)")
