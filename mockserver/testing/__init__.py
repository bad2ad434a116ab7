"""Tools that test a client against the mock: check-client, the scenario matrix, leftovers, replay, the pytest plugin."""
