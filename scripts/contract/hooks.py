"""Schemathesis hooks for the portal's contract test: the rules of the API that live between
requests, which a schema cannot say, applied to the generated requests that obey the schema.

- `X-CSRF-Token` is the session's token (any other is 403, as a wrong password would be): a
  generated one is replaced by it; a request sent without one stays without.
- An `Idempotency-Key` is new for each request (reusing one with another body is 422 by
  design): a generated key is made unique by a suffix, and stays schema-valid.
- A `cursor` is a `next_cursor` the server issued for the same query: a generated one is replaced
  by the real cursor of the query's first page (or dropped when there is no second page).

- Appointments (decision 028): which topics exist and which instants are free slots is
  configuration and the owner's calendar, and a slot window must be ordered and at most 14
  days: a schema-valid `topic` is replaced by a configured one, a schema-valid `start` by a
  slot the server offers now, a `from`/`to` pair by the next week, and a `case_id` by one of
  the customer's cases.

Both replace valid values by valid values, so a request meant to violate the schema still does
(Schemathesis re-checks a case after this hook).
"""

import datetime
import os
import re
import uuid

import requests
import schemathesis

BASE_URL = os.environ["PORTAL_BASE_URL"]
SESSION_COOKIE = os.environ.get("PORTAL_SESSION_COOKIE", "portal_session")
KEY = re.compile(r"[\x21-\x7e]{1,255}")
TOPIC = re.compile(r"[a-z0-9-]{1,40}")
SALESFORCE_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")


def portal_get(path, params=None):
    response = requests.get(
        BASE_URL + path,
        params=params,
        cookies={SESSION_COOKIE: os.environ["PORTAL_SESSION"]},
        timeout=30,
    )
    return response.json() if response.status_code == 200 else None


def is_instant(value):
    if not isinstance(value, str):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True
    except ValueError:
        return False


def customer_prefix(path):
    """`/customer/{id}` of a formatted path, or None."""
    match = re.match(r"^/customer/[^/]+", path)
    return match.group(0) if match else None


def appointment_values(case):
    """A configured topic, a slot that is free now, and the customer's own case, for the
    booking, reschedule and slots operations (see the module's docstring)."""
    path = case.formatted_path
    base = customer_prefix(path)
    if base is None or "/appointments" not in path:
        return
    topics = portal_get(f"{base}/appointments/topics")
    if not topics or not topics.get("topics"):
        return
    codes = [t["code"] for t in topics["topics"]]
    query = case.query if isinstance(case.query, dict) else None
    body = case.body if isinstance(case.body, dict) else None
    if path.endswith("/appointments/slots") and query is not None:
        if isinstance(query.get("topic"), str) and TOPIC.fullmatch(query["topic"]):
            query["topic"] = codes[0]
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        if is_instant(query.get("from")):
            query["from"] = now.isoformat().replace("+00:00", "Z")
        if is_instant(query.get("to")):
            query["to"] = (now + datetime.timedelta(days=7)).isoformat().replace("+00:00", "Z")
        return
    if body is None:
        return
    topic = codes[0]
    if isinstance(body.get("topic"), str) and TOPIC.fullmatch(body["topic"]):
        body["topic"] = topic
        topic = body["topic"]
    if path.endswith("/reschedule"):
        appointment = path.rsplit("/", 2)[-2]
        listed = portal_get(f"{base}/appointments", {"limit": 100}) or {"items": []}
        for item in listed["items"]:
            if item["id"] == appointment:
                topic = item["topic"]["code"]
    if is_instant(body.get("start")):
        # The run books many slots: look week by week for one still free.
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        for week in range(52):
            start = now + datetime.timedelta(days=7 * week)
            window = {
                "topic": topic,
                "from": start.isoformat().replace("+00:00", "Z"),
                "to": (start + datetime.timedelta(days=7)).isoformat().replace("+00:00", "Z"),
            }
            slots = portal_get(f"{base}/appointments/slots", window) or {"slots": []}
            if slots["slots"]:
                body["start"] = slots["slots"][uuid.uuid4().int % len(slots["slots"])]["start"]
                break
    if isinstance(body.get("case_id"), str) and SALESFORCE_ID.fullmatch(body["case_id"]):
        cases = portal_get(f"{base}/cases", {"limit": 1}) or {"items": []}
        if cases["items"]:
            body["case_id"] = cases["items"][0]["id"]


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    if "X-CSRF-Token" in headers:
        headers["X-CSRF-Token"] = os.environ["PORTAL_CSRF"]
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and KEY.fullmatch(key):
        # 33 characters of suffix, within the 255 a key may have.
        headers["Idempotency-Key"] = f"{key[:222]}-{uuid.uuid4().hex}"
    appointment_values(case)
    query = case.query or {}
    if isinstance(query.get("cursor"), str) and query["cursor"]:
        first_page = {name: value for name, value in query.items() if name != "cursor"}
        response = requests.get(
            BASE_URL + case.formatted_path,
            params=first_page,
            cookies={SESSION_COOKIE: os.environ["PORTAL_SESSION"]},
            timeout=30,
        )
        cursor = response.json().get("next_cursor") if response.status_code == 200 else None
        if cursor:
            query["cursor"] = cursor
        else:
            del query["cursor"]
