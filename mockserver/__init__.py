"""smspva-rent-mock: a stateful fake of the SMSPVA rent.php API."""
