"""Schemathesis hooks for the portal's contract test: the rules of the API that live between
requests, which a schema cannot say, applied to the generated requests that obey the schema.

- `X-CSRF-Token` is the session's token (any other is 403, as a wrong password would be): a
  generated one is replaced by it; a request sent without one stays without.
- An `Idempotency-Key` is new for each request (reusing one with another body is 422 by
  design): a generated key is made unique by a suffix, and stays schema-valid.
- A `cursor` is a `next_cursor` the server issued for the same query: a generated one is replaced
  by the real cursor of the query's first page (or dropped when there is no second page).

Both replace valid values by valid values, so a request meant to violate the schema still does
(Schemathesis re-checks a case after this hook).
"""

import os
import re
import uuid

import requests
import schemathesis

BASE_URL = os.environ["PORTAL_BASE_URL"]
SESSION_COOKIE = os.environ.get("PORTAL_SESSION_COOKIE", "portal_session")
KEY = re.compile(r"[\x21-\x7e]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    if "X-CSRF-Token" in headers:
        headers["X-CSRF-Token"] = os.environ["PORTAL_CSRF"]
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and KEY.fullmatch(key):
        # 33 characters of suffix, within the 255 a key may have.
        headers["Idempotency-Key"] = f"{key[:222]}-{uuid.uuid4().hex}"
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
