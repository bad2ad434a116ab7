"""A deliberately wrong rent.php server for testing the contract suite; it records every call it gets."""
from flask import Flask, jsonify, request

COUNTRIES = [{"name": "Россия", "code": "RU"}]


def make_app(calls: list):
    """An app with planted bugs: string ids, a 500, a lenient dcount, a bool-ish status, a missing msg."""
    app = Flask(__name__)

    @app.route("/api/rent.php", methods=["GET", "POST"])
    def rent():
        q = request.args
        calls.append((request.method, q.get("method"), dict(q)))
        m = q.get("method")
        if m is None:
            return jsonify({"status": 0})  # bug: no msg
        if m == "getcountries":
            return jsonify({"status": 1, "data": COUNTRIES})  # fine, and served to POST too (bug)
        if m == "get_default_services":
            return jsonify({"status": 1, "data": [{"name": "Instagram", "service": "opt16", "priceForDay": 2.5,
                                                   "img": "", "DAYP": 0, "PROC": 0}]})
        if m == "getdata":
            if not q.get("country"):
                return jsonify({"status": 0, "msg": "Missing required parameter: country"})
            # bug: dcount=abc accepted; price as a string
            return jsonify({"status": 1, "data": [{"name": "Instagram", "service": "opt16", "price_day": "2.5",
                                                   "count": 3}]})
        if m == "orders":
            if not q.get("apikey"):
                return jsonify({"status": 0, "msg": "Missing required parameter: apikey"})
            return jsonify({"status": "1", "data": [{"id": "40000"}]})  # bugs: status and id are strings
        if m == "get_rent_history":
            return jsonify({"status": 1, "data": []})
        if m in ("sms", "restore_user_precalc"):
            return jsonify({"status": 0, "msg": "Order not found"})
        if m in ("get_days_canada_paypal",):
            return jsonify({"status": 1, "data": [{"Days": 30, "Amount": 10}]})
        if m == "get_min_paypal_days":
            return jsonify({"status": 1, "data": {"Days": 30, "Status": 1, "Message": "ok"}})
        if m in ("getcount", "get_count_multi", "getdataWithProviders", "getCountWithProviders",
                 "get_country_by_service"):
            return jsonify({"status": 0, "msg": "database is locked"})  # bug: an undocumented refusal
        return "Internal Server Error", 500  # bug: unknown methods crash

    return app
