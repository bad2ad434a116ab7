"""A world's catalogue is part of its state: the file keeps the catalogue its worlds were made with, so a
logged creation or reset is rebuilt from it after a crash, whatever catalogue the next start is given; a
--catalogue that differs is refused naming the difference, never applied to history (#16 item 7)."""
import json
import sqlite3
from importlib.resources import files
from pathlib import Path

import pytest

from mockserver.core import catalogue
from mockserver.state.storage import StateError
from tests.state_helpers import InProcess, refused

WEEK = {"method": "create", "dtype": "week", "dcount": 1, "country": "RU", "service": "opt16"}


def _catalogue(tmp_path, name: str, price: str) -> str:
    """The shipped reference catalogue with RU opt16 at `price` a day, as a file."""
    doc = json.loads(files("mockserver.core").joinpath("data/catalogue-reference.json").read_text(encoding="utf-8"))
    ru = next(c for c in doc["countries"] if c["code"] == "RU")
    ru["services"]["opt16"]["price_day"] = price
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def _balance(s: InProcess, apikey: str) -> float:
    return s.client.get(f"/_mock/accounts/{apikey}").get_json()["balance"]


def test_a_crashed_file_replays_with_the_catalogue_its_worlds_were_made_with(tmp_path):
    path = str(tmp_path / "state.db")
    mine, other = _catalogue(tmp_path, "mine.json", "10.01"), _catalogue(tmp_path, "other.json", "3.00")
    s = InProcess(path, catalogue=mine)
    assert s.client.post("/_mock/worlds", json={"world": "w", "apikey": "kw", "balance": "100"}).status_code == 201
    assert s.rent(**WEEK, apikey="kw")["status"] == 1
    assert s.client.post("/_mock/reset", json={"world": "default"}).status_code == 200  # a reset rebuilds from it too
    assert s.rent(**WEEK)["status"] == 1
    assert (_balance(s, "kw"), _balance(s, "demo")) == (29.93, 929.93)  # 100 - 7 x 10.01
    s.crash()  # the creation, the reset and the rentals are only in the log

    with pytest.raises(StateError) as caught:
        InProcess(path, catalogue=other)
    assert str(caught.value) == (
        f"{path} keeps the catalogue its worlds were made with, and --catalogue {other} differs (country RU, "
        "service opt16: price_day 3.00 given, 10.01 in the file); start without --catalogue to use the file's, "
        "or use a new --state file")
    out = refused(path, "--catalogue", other)
    assert out.returncode == 2 and out.stderr == f"rent-mock: {caught.value}\n"

    s = InProcess(path)  # the shipped catalogue (another release's, say) gives way to the file's
    assert s.rt.catalogue_note == ("the state file's own (the shipped one differs: country RU, service opt16: "
                                   "price_day 0.49 given, 10.01 in the file)")
    assert (_balance(s, "kw"), _balance(s, "demo")) == (29.93, 929.93)
    made = s.client.post("/_mock/worlds", json={"apikey": "k2", "balance": "100"}).get_json()
    assert s.rent(**WEEK, apikey="k2")["status"] == 1 and _balance(s, "k2") == 29.93  # new worlds: the file's too
    assert made["world"] in s.hub.worlds
    s.crash()
    s = InProcess(path, catalogue=mine)  # the same catalogue given: nothing to say
    assert s.rt.catalogue_note is None and _balance(s, "k2") == 29.93
    s.stop()


def _sql(path: str, *statements) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(*statement)
    db.commit()
    db.close()


def test_a_file_from_before_the_catalogues_were_kept_keeps_the_ones_it_starts_with(tmp_path):
    path = str(tmp_path / "state.db")
    mine, other = _catalogue(tmp_path, "mine.json", "10.01"), _catalogue(tmp_path, "other.json", "3.00")
    s = InProcess(path)
    s.stop()
    assert sqlite3.connect(path).execute("SELECT dialect FROM catalogues ORDER BY dialect").fetchall() == [
        ("documented",), ("live",), ("sdk",)]
    _sql(path, ("DROP TABLE catalogues",))
    s = InProcess(path, catalogue=mine)
    assert s.rt.catalogue_note is None
    s.stop()
    with pytest.raises(StateError) as caught:
        InProcess(path, catalogue=other)
    assert "(country RU, service opt16: price_day 3.00 given, 10.01 in the file)" in str(caught.value)
    # the version before kept one catalogue, in a table of its own
    _sql(path, ("DROP TABLE catalogues",), ("CREATE TABLE catalogue (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)",),
         ("INSERT INTO catalogue VALUES (1, ?)", (json.dumps(catalogue.load(mine).to_doc()),)))
    with pytest.raises(StateError) as caught:
        InProcess(path, catalogue=other)
    assert "(country RU, service opt16: price_day 3.00 given, 10.01 in the file)" in str(caught.value)


def test_worlds_of_another_dialect_keep_their_dialect_s_catalogue(tmp_path, monkeypatch):
    # live worlds start from the live catalogue, documented ones (the helpers' default world) from the
    # reference one: the file keeps both
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    assert s.client.post("/_mock/worlds", json={"world": "l", "apikey": "kl", "balance": "100",
                                                "dialect": "live"}).status_code == 201
    kz = {"method": "create", "dtype": "week", "dcount": 1, "country": "KZ", "service": "opt51"}
    assert s.rent(**kz, apikey="kl")["status"] == 1
    acknowledged = _balance(s, "kl")
    s.crash()
    shipped = catalogue.shipped

    def newer():  # a release whose live catalogue raised KZ opt51
        out = shipped()
        doc = out["live"].to_doc()
        next(c for c in doc["countries"] if c["code"] == "KZ")["services"]["opt51"]["price_day"] = "5.55"
        out["live"] = catalogue.parse(doc)
        return out

    monkeypatch.setattr(catalogue, "shipped", newer)
    s = InProcess(path)
    assert s.rt.catalogue_note == ("the state file's own (the shipped one differs: live worlds: country KZ, "
                                   "service opt51: price_day 5.55 given, 0.79 in the file)")
    assert _balance(s, "kl") == acknowledged == 94.47  # 100 - 7 x 0.79
    s.stop()
