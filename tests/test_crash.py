"""The crash test's short draw (#26 item 3; the machine and the long run: tests/crash.py): kills between calls, in
the middle of one and while starting, values at every bound's edges; the file always starts again and holds
every acknowledged write."""
from tests.crash import run


def test_the_file_starts_again_after_kills_at_random_moments_with_values_at_the_bounds():
    done = run(examples=4, steps=12, derandomize=True)
    assert done["writes"] > 10 and done["refused"] > 0, done
    assert all(done[how] >= 1 for how in ("between calls", "in flight", "while starting", "clean stop")), done
