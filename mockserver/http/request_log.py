"""`rent-mock serve --log-requests`: one line per rent.php or account API call on the console, for people
who watch the terminal while their client runs. Keys never appear whole: only their last 4 characters."""
from __future__ import annotations

import threading
import time
from typing import Callable, TextIO

KEY_SHOWN = 4  # characters of an apikey a line shows (of keys longer than 8; shorter ones show none)


def key_suffix(apikey: str | None) -> str:
    """`…3f9a` for a long key, `…` for a short one, `-` for none."""
    if not apikey:
        return "-"
    return "…" + apikey[-KEY_SHOWN:] if len(apikey) > 2 * KEY_SHOWN else "…"


class RequestLog:
    """Writes a line per call to `out` (flushed at once, one writer at a time)."""

    def __init__(self, out: TextIO, local_time: Callable[[], time.struct_time] = time.localtime):
        self.out, self.local_time, self.lock = out, local_time, threading.Lock()

    def line(self, method: str | None, apikey: str | None, http_status: int, status: int | None, ms: float,
             fault: str | None = None, msg: str | None = None, world: str | None = None) -> str:
        """`12:04:05 create               …3f9a  200 1    3.1 ms`, then a fault, a refusal's text, a world."""
        envelope = "-" if status is None else str(status)
        answer = "no answer" if http_status == 0 else str(http_status)
        text = (f"{time.strftime('%H:%M:%S', self.local_time())} {str(method or '-')[:24]:<24} "
                f"{key_suffix(apikey):<5} {answer:>3} {envelope:<2} {ms:7.1f} ms")
        extras = [f"fault {fault}" if fault else "", (msg or "")[:60], f"world {world}" if world else ""]
        return " ".join([text, *(e for e in extras if e)])

    def write(self, *args, **kwargs) -> None:
        """Log one call (see `line`)."""
        text = self.line(*args, **kwargs)
        with self.lock:
            self.out.write(text + "\n")
            self.out.flush()
