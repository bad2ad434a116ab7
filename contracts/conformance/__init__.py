"""Conformance: the rules of rent.php stated as code (rules, model), scenarios and a model-based machine that
judge any server's behaviour against them, `rent-mock conform`, and a pytest suite (`pytest --pyargs
contracts.conformance`). Nothing here imports the mock."""
