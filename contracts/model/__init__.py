"""An executable model of the SMSPVA rental service (rent.php and the account API /priemnik.php), the oracle
conform judges any server by: seeded from what the target shows, it predicts every whole answer (envelope,
each field's value and type, refusal texts in the dialect) and the state reads that follow, with room (a set,
an interval) where the service leaves some. It imports nothing from the mock."""
