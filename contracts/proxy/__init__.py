"""`rent-mock proxy`: stand between a client and a real rent.php service, judge and record every answer,
guard the user's balance, answer spending calls from a mock (spy) or compare with one (diff)."""
