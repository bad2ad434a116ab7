"""examples/careful_client.py with one realistic bug planted (argv[1]), for check-client to catch:

one-poll        polls once and exits 0 claiming success
swallow         swallows every error and every give-up, and exits 0
never-delete    never deletes an order (not a lost one, not one it gives up on)
delete-on-success  deletes only after reading a code
no-sleep        polls with no sleep at all
blind-create    retries a create that got no answer without looking for the order it made
prolong-early   rents a month and prolongs right after the code (29 days left), dying on the refusal
other-sms       takes the first SMS of OtherSms + SmsList as its code
ignore-retry-after  asks again at once after a 429, whatever its Retry-After says
leak-on-exception  rents without listing orders first and dies on an answer that is not JSON, leaving
                its order running
orders-once     rents, activates, reads its orders once and exits 0: it never reads an SMS at all

    python tests/clients/buggy_client.py BUG [PATIENCE_SECONDS] [POLL_SECONDS]
"""
import importlib.util
import re
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "careful_client", Path(__file__).resolve().parents[2] / "examples" / "careful_client.py")
careful = importlib.util.module_from_spec(spec)
spec.loader.exec_module(careful)
BUG = sys.argv[1]


class Buggy(careful.Client):
    def once(self, method, **params):
        if BUG != "ignore-retry-after":
            return super().once(method, **params)
        for _ in range(50):
            r = careful.requests.get(careful.API, params={"method": method, "apikey": careful.KEY, **params},
                                     timeout=10)
            if r.status_code != 429:
                return r.json()
        raise careful.NoAnswer(f"{method}: still rate-limited")

    def call(self, method, **params):
        if method == "delete" and BUG == "never-delete":
            return {"status": 1}
        if BUG == "leak-on-exception":
            return self.once(method, **params)  # no retry: a non-JSON answer raises out of the client
        return super().call(method, **params)

    def rent(self):
        if BUG == "leak-on-exception":
            return self.once("create", **careful.RENT)["data"]["id"]
        if BUG == "prolong-early":  # a month: prolonging is refused while 7 days or more are left
            answer = self.call("create", **{**careful.RENT, "dtype": "month"})
            return answer["data"]["id"]
        if BUG != "blind-create":
            return super().rent()
        for _ in range(3):
            try:
                answer = self.once("create", **careful.RENT)
            except careful.NoAnswer:
                continue  # rents again: the first may well have run
            return answer["data"]["id"] if answer["status"] == 1 else None
        return None

    def code_of(self, order_id):
        if BUG == "other-sms":
            answer = self.call("sms", id=order_id)
            if answer["status"] == 1:
                for sms in answer["data"]["OtherSms"] + answer["data"]["SmsList"]:
                    found = re.search(r"\d{4,8}", sms["text"])
                    if found:
                        return found.group()
        code = super().code_of(order_id)
        if BUG == "prolong-early" and code not in (None, "lost", "gone"):
            print("code:", code)  # then keeps the number a week longer at once, 29 days before it ends
            answer = self.call("prolong", id=order_id, dtype="week", dcount=1)
            if answer["status"] != 1:
                raise SystemExit(f"prolong refused: {answer['msg']}")
        return code

    def run(self):
        if BUG == "one-poll":
            order_id = self.rent()
            self.call("activate", id=order_id)
            print("success:", self.call("sms", id=order_id))
            return 0
        if BUG == "orders-once":
            order_id = self.rent()
            self.call("activate", id=order_id)
            print("success:", self.call("orders"))
            return 0
        if BUG == "delete-on-success":
            real_call = self.call

            def call(method, **params):  # a delete anywhere but after a code is skipped
                if method == "delete" and not getattr(self, "got_code", False):
                    return {"status": 1}
                return real_call(method, **params)
            self.call = call
            original = self.code_of

            def code_of(order_id):
                code = original(order_id)
                self.got_code = code not in (None, "lost", "gone")
                return code
            self.code_of = code_of
        code = super().run()
        return 0 if BUG == "swallow" else code


if __name__ == "__main__":
    patience = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    poll = 0.0 if BUG == "no-sleep" else float(sys.argv[3]) if len(sys.argv) > 3 else 1
    client = Buggy(patience, poll)
    try:
        sys.exit(client.run())
    except careful.NoAnswer as exc:
        print("giving up:", exc)
        if BUG == "swallow":
            sys.exit(0)
        if BUG != "leak-on-exception" and client.order_id is not None:
            client.once("delete", id=client.order_id)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001
        if BUG == "swallow":
            print("error ignored:", exc)
            sys.exit(0)
        raise
