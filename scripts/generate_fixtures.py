#!/usr/bin/env python3
"""Generate the deterministic demo data for the customer self-service portal.

The portal's Rust API talks to Salesforce; in development and tests an embedded
mock store of JSON files stands in for Salesforce. This script writes that
store, shaped exactly like records returned by ``/services/data/v62.0/query``:

    backend/mocks/salesforce/Account.json
    backend/mocks/salesforce/Contact.json
    backend/mocks/salesforce/Case.json
    backend/mocks/salesforce/ContentDocument.json
    backend/mocks/salesforce/ContentVersion.json
    backend/mocks/salesforce/ContentDocumentLink.json
    backend/mocks/salesforce/Product2.json, Pricebook2.json, PricebookEntry.json,
    backend/mocks/salesforce/Asset.json       (the catalog and what accounts own)
    backend/mocks/salesforce/files/...        (the bytes behind ContentVersion)
    backend/mocks/local_accounts.json         (the portal's local sign-ins)

Accounts and volumes:

    Acme Corporation   2,100 cases, 520 customer-visible documents
    Globex Industries     40 cases,  15 customer-visible documents
    Initech               35 cases,  12 customer-visible documents
    Umbrella Health       32 cases,  10 customer-visible documents

Every account also has a few documents linked with Visibility "InternalUsers"
that the portal must not show, and cases in every Status. Ids are real 18-char
Salesforce ids (15-char body plus case-safe checksum). ContentVersion carries
one mock-only field, ``VersionDataFile``: the path of its bytes relative to
``backend/mocks/salesforce/``; ContentSize always equals that file's size.

Sign-ins (all with password ``portal-demo``): alice@acme.example,
bob@acme.example, gina@globex.example, ian@initech.example,
uma@umbrella.example. Hashes are argon2id (m=19456, t=2, p=1) with a salt
derived from the email, so output is reproducible.

Run from the repository root (or anywhere; paths are relative to this file):

    pip install argon2-cffi        # only dependency outside the stdlib
    python3 scripts/generate_fixtures.py

Re-running produces byte-identical output (fixed random seed, stable order).
``python3 scripts/generate_fixtures.py --products`` rewrites only the product
fixtures, for the accounts already in Account.json (their ids come from their
own random stream).
Files in ``files/`` that the generator does not produce are removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import struct
import sys
import zlib
from pathlib import Path

from argon2.low_level import Type, hash_secret

ROOT = Path(__file__).resolve().parent.parent
MOCKS = ROOT / "backend" / "mocks"
SF_DIR = MOCKS / "salesforce"
FILES_DIR = SF_DIR / "files"

API = "/services/data/v62.0"
SEED = 20261101
END = dt.datetime(2026, 11, 1, 0, 0, 0)
START = END - dt.timedelta(days=730)

STATUSES = ["New", "Working", "Escalated", "On Hold", "Waiting on Customer", "Closed"]
OPEN_STATUSES = STATUSES[:-1]
PRIORITIES = ["Low", "Medium", "High"]
ORIGINS = ["Web", "Email", "Phone"]
TYPES = ["Question", "Problem", "Feature Request"]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

rng = random.Random(SEED)


# --------------------------------------------------------------------------
# Ids and dates
# --------------------------------------------------------------------------

def sf_checksum(body15: str) -> str:
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(body15[chunk * 5:chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(CHECKSUM_ALPHABET[bits])
    return "".join(out)


_used_ids: set[str] = set()


def new_id(prefix: str) -> str:
    """prefix (3) + instance "Dn" (2) + "000" + 7 random base62 chars."""
    while True:
        body = prefix + "Dn000" + "".join(rng.choice(BASE62) for _ in range(7))
        if body not in _used_ids:
            _used_ids.add(body)
            return body + sf_checksum(body)


def sf_date(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def rand_time(lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    span = int((hi - lo).total_seconds())
    return lo + dt.timedelta(seconds=rng.randint(0, max(span, 0)))


def later(t: dt.datetime, min_s: int, max_s: int) -> dt.datetime:
    """t plus a random delay, never past END."""
    cap = END - dt.timedelta(seconds=1)
    r = t + dt.timedelta(seconds=rng.randint(min_s, max_s))
    return max(t, min(r, cap))


def attrs(sobject: str, rid: str) -> dict:
    return {"type": sobject, "url": f"{API}/sobjects/{sobject}/{rid}"}


# --------------------------------------------------------------------------
# Sample files (real, valid bytes)
# --------------------------------------------------------------------------

def pdf_escape(s: str) -> bytes:
    b = s.encode("cp1252")
    return b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(title: str, lines: list[str]) -> bytes:
    """Minimal valid PDF 1.4: one A4 page of Helvetica text, exact xref."""
    content = io.BytesIO()
    content.write(b"BT\n/F1 16 Tf\n56 780 Td\n(" + pdf_escape(title) + b") Tj\n")
    content.write(b"/F1 10 Tf\n0 -28 Td\n14 TL\n")
    for line in lines:
        content.write(b"(" + pdf_escape(line) + b") '\n")
    content.write(b"ET\n")
    stream = content.getvalue()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Title (" + pdf_escape(title) + b") /Producer (portal fixture generator) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n".encode())
    out.write(b"0000000000 65535 f \n")
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def make_png(width: int, height: int, pixel) -> bytes:
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        for x in range(width):
            raw.extend(pixel(x, y))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + png_chunk(b"IEND", b""))


def gradient_png(w, h, c1, c2) -> bytes:
    def px(x, y):
        t = (x + y) / (w + h - 2)
        return bytes(int(a + (b - a) * t) for a, b in zip(c1, c2))
    return make_png(w, h, px)


def bar_chart_png(w, h, values, color) -> bytes:
    n = len(values)
    bw = w // n
    vmax = max(values)

    def px(x, y):
        i = min(x // bw, n - 1)
        if y == h - 1 or x == 0:
            return b"\x40\x40\x40"
        top = h - 1 - int(values[i] / vmax * (h - 8))
        if y >= top and (x % bw) not in (0, bw - 1):
            return bytes(color)
        return b"\xf7\xf7\xf7" if y % 10 else b"\xe0\xe0\xe0"
    return make_png(w, h, px)


def build_file_pool() -> dict[str, list[tuple[str, bytes]]]:
    """category -> list of (file name on disk, bytes). ~30 files in total."""
    pool: dict[str, list[tuple[str, bytes]]] = {}
    frng = random.Random(SEED + 1)

    invoices = []
    for ym in ["2025-01", "2025-03", "2025-06", "2025-09", "2026-01", "2026-04"]:
        items, total = [], 0.0
        lines = [f"Invoice period: {ym}", "Bill to: customer account on file",
                 "Payment terms: net 30 days", "", "Item                              Qty     Unit      Amount"]
        for _ in range(frng.randint(4, 9)):
            name = frng.choice(["Support plan (monthly)", "Portal seats", "Onsite service visit",
                                "Spare parts kit", "Data export add-on", "Training session",
                                "Extended warranty", "Shipping & handling"])
            qty, unit = frng.randint(1, 12), frng.choice([19.0, 49.5, 120.0, 250.0, 980.0])
            total += qty * unit
            lines.append(f"{name:<32} {qty:>4} {unit:>9.2f} {qty * unit:>11.2f}")
        lines += ["", f"Total due (EUR): {total:,.2f}",
                  "Thank you for your business. Questions? Open a case in the portal."]
        invoices.append((f"invoice-{ym}.pdf", make_pdf(f"Invoice {ym}", lines)))
    invoices.append(("ueberweisung-maerz-2025.pdf", make_pdf("Überweisung März 2025", [
        "Zahlungsbestätigung / payment confirmation", "",
        "Empfänger: Müller & Söhne GmbH, Straße des 17. Juni 12, Berlin",
        "Betrag: 1.234,56 EUR", "Verwendungszweck: Rechnung März 2025",
        "Ausgeführt am 2025-03-28 · Referenz ÜW-2025-0328"])))
    pool["invoice"] = invoices

    contracts = []
    for i, (name, title) in enumerate([("service-agreement.pdf", "Master Service Agreement"),
                                       ("sla-addendum.pdf", "SLA Addendum"),
                                       ("dpa.pdf", "Data Processing Agreement")]):
        lines = []
        for s in range(1, frng.randint(7, 11)):
            lines.append(f"{s}. " + frng.choice([
                "The provider shall deliver the services described in Schedule A.",
                "Response times are measured from the creation of a case in the portal.",
                "Either party may terminate this agreement with 90 days written notice.",
                "Personal data is processed solely on documented instructions.",
                "Fees are invoiced monthly in arrears and payable within 30 days.",
                "Scheduled maintenance is announced at least 5 business days in advance.",
                "Liability is limited to the fees paid in the preceding 12 months."]))
        contracts.append((name, make_pdf(title, [f"Contract reference C-{4100 + i}", ""] + lines)))
    pool["contract"] = contracts

    reports = []
    for q in ["2025-Q2", "2025-Q4", "2026-Q2"]:
        lines = [f"Reporting period: {q}", ""]
        for metric in ["Cases opened", "Cases closed", "Median first response (h)",
                       "Availability (%)", "Customer satisfaction (1-5)"]:
            lines.append(f"{metric:<32} {frng.uniform(1, 500):>10.1f}")
        lines += ["", "Highlights: faster response on High priority cases; new café and",
                  "retail locations onboarded; Japan region launch planned (see roadmap)."]
        reports.append((f"service-report-{q.lower()}.pdf", make_pdf(f"Service Report {q}", lines)))
    pool["report"] = reports

    images = [
        ("chart-cases-by-month.png", bar_chart_png(160, 90, [frng.randint(5, 60) for _ in range(12)], (52, 120, 200))),
        ("chart-response-times.png", bar_chart_png(160, 90, [frng.randint(5, 60) for _ in range(8)], (220, 120, 40))),
        ("chart-uptime.png", bar_chart_png(120, 80, [frng.randint(90, 100) for _ in range(6)], (40, 170, 90))),
        ("screenshot-error.png", gradient_png(96, 64, (200, 40, 40), (250, 220, 200))),
        ("site-photo.png", gradient_png(96, 64, (30, 60, 120), (180, 220, 250))),
        ("logo.png", gradient_png(64, 64, (250, 200, 30), (120, 40, 160))),
    ]
    pool["image"] = images

    exports = []
    for name, rows in [("usage-export-2025.csv", 40), ("usage-export-2026.csv", 55),
                       ("asset-register.csv", 25), ("open-items.csv", 18), ("price-list.csv", 30)]:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["date", "site", "item", "quantity", "amount_eur"])
        for r in range(rows):
            day = START.date() + dt.timedelta(days=frng.randint(0, 729))
            w.writerow([day.isoformat(),
                        frng.choice(["Berlin", "München", "Lyon", "Café Nord, Zürich", "Tokyo 日本", "Chicago"]),
                        frng.choice(["WS-40 scanner", "LP-2 printer", "Portal seat", "Support hours", "Spare kit \"B\""]),
                        frng.randint(1, 40), f"{frng.uniform(5, 2500):.2f}"])
        exports.append((name, buf.getvalue().encode("utf-8")))
    pool["export"] = exports

    texts = []
    log = io.StringIO()
    t = dt.datetime(2026, 2, 3, 8, 0, 0)
    for i in range(45):
        t += dt.timedelta(seconds=frng.randint(1, 400))
        lvl = frng.choice(["INFO", "INFO", "INFO", "WARN", "ERROR"])
        msg = frng.choice(["sync started", "sync finished in 4.2s", "retrying upload (attempt 2)",
                           "certificate expires in 14 days", "connection reset by peer",
                           "queue depth 128", "user müller logged in"])
        log.write(f"{t.isoformat()}Z {lvl:<5} gateway[{frng.randint(100, 999)}]: {msg}\n")
    texts.append(("gateway.log.txt", log.getvalue().encode("utf-8")))
    texts.append(("release-notes-4.2.txt", (
        "Release notes 4.2\n=================\n\n"
        "- Invoices can now be downloaded as PDF from the portal.\n"
        "- Case list supports filtering by status and priority.\n"
        "- Fixed: umlauts (ä, ö, ü) in attachment names were garbled.\n"
        "- Fixed: time zone of scheduled exports (UTC).\n"
        "- Known issue: CSV export in Excel needs UTF-8 import for 日本語 text.\n").encode("utf-8")))
    texts.append(("troubleshooting.txt", (
        "Troubleshooting checklist\n\n"
        "1. Power-cycle the device and wait 60 seconds.\n"
        "2. Check the network cable and the status LED (green = OK).\n"
        "3. Note the error code shown on the display.\n"
        "4. Open a case with the code, serial number and a photo.\n").encode("utf-8")))
    texts.append(("meeting-notes.txt", (
        "Quarterly review - notes\n\nAttendees: customer success, support, account team.\n"
        "Topics: open escalations, roadmap, renewal.\nAction items:\n"
        " * Share updated SLA addendum.\n * Schedule onsite visit at the café location.\n").encode("utf-8")))
    pool["text"] = texts

    configs = []
    for name, obj in [
        ("device-config.json", {"device": "WS-40", "firmware": "4.2.1", "network": {"dhcp": True, "ntp": "pool.ntp.org"},
                                "scan": {"beep": False, "prefix": "", "suffix": "\n"}}),
        ("integration-settings.json", {"webhook": "https://hooks.example/portal", "events": ["case.created", "case.closed"],
                                       "retry": {"max": 5, "backoff_s": 30}, "locale": "de-DE"}),
        ("export-schema.json", {"type": "object", "required": ["date", "site", "amount_eur"],
                                "properties": {"date": {"type": "string", "format": "date"},
                                               "site": {"type": "string"}, "amount_eur": {"type": "number"}}}),
    ]:
        configs.append((name, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")))
    pool["config"] = configs
    return pool


EXT_INFO = {  # extension -> Salesforce FileType
    "pdf": "PDF", "png": "PNG", "csv": "CSV", "txt": "TEXT", "json": "JSON",
}

# category -> (weight, title templates)
DOC_KINDS = {
    "invoice": (30, ["Invoice {n}", "Invoice {ym}", "Credit note {n}", "Payment confirmation {ym}"]),
    "contract": (8, ["Service agreement {n}", "SLA addendum {ym}", "Order form {n}", "Data processing agreement"]),
    "report": (12, ["Service report {ym}", "Incident report {n}", "Monthly summary {ym}"]),
    "image": (15, ["Screenshot {n}", "Site photo {n}", "Chart {ym}", "Diagram {n}"]),
    "export": (18, ["Usage export {ym}", "Asset register {ym}", "Open items {ym}", "Price list {ym}"]),
    "text": (10, ["Gateway log {n}", "Release notes {n}", "Troubleshooting notes {n}", "Meeting notes {ym}"]),
    "config": (7, ["Device configuration {n}", "Integration settings {n}", "Export schema {n}"]),
}
INTERNAL_TITLES = ["INTERNAL - Credit risk assessment", "INTERNAL - Escalation notes",
                   "INTERNAL - Renewal pricing strategy", "INTERNAL - Account health review"]


# --------------------------------------------------------------------------
# Case text
# --------------------------------------------------------------------------

PRODUCTS = ["WS-40 barcode scanner", "LP-2 label printer", "customer portal", "invoice PDF export",
            "single sign-on", "iOS app", "Android app", "data export API", "gateway G7",
            "POS terminal at the café", "billing address", "monthly usage report", "VPN connector",
            "warehouse sync", "SLA dashboard", "firmware 4.2", "user management", "webhook integration"]
PROBLEMS = ["stops responding after the latest update", "shows wrong totals", "times out during peak hours",
            "cannot be downloaded", "returns error 500", "rejects valid credentials",
            "prints blank labels", "duplicates every entry", "is extremely slow since Monday",
            "loses its configuration after a restart", "shows the wrong currency",
            "sends notifications twice", "fails with a certificate error", "crashes on start"]
QUESTIONS = ["How do I reset the password for {p}?", "Which settings are recommended for {p}?",
             "Can we export data from {p} to CSV?", "Is {p} covered by our support plan?",
             "How do I add a new user to {p}?", "Where can I find the invoice for {p}?",
             "What is the maintenance window for {p}?"]
FEATURES = ["Request: dark mode for {p}", "Request: bulk edit in {p}", "Please add Japanese (日本語) language to {p}",
            "Request: scheduled exports for {p}", "Add per-site permissions to {p}",
            "Request: webhooks when {p} changes", "Support for umlauts (ä, ö, ü) in {p}"]
SPECIAL_SUBJECTS = ["Delivery to Müller GmbH is missing the {p}", "Café Zürich: {p} {x}",
                    "日本 office: {p} {x}", "François at the Lyon site reports that {p} {x}"]
SITES = ["Berlin", "München", "Lyon", "Chicago", "Café Nord in Zürich", "Tokyo (日本)", "Rotterdam", "Austin"]
NAMES = ["Jürgen Müller", "Sofia", "Sébastien", "Priya", "Tom", "Keiko Tanaka", "Ana", "Lars"]


def case_text(ctype: str) -> tuple[str, str]:
    p = rng.choice(PRODUCTS)
    x = rng.choice(PROBLEMS)
    site = rng.choice(SITES)
    who = rng.choice(NAMES)
    if ctype == "Question":
        subject = rng.choice(QUESTIONS).format(p=p)
        body = [f"{who} from our {site} team asked about the {p}.",
                rng.choice(["We could not find this in the documentation.",
                            "The knowledge article we found seems outdated.",
                            "A colleague said this changed with the last release."]),
                rng.choice(["A short step-by-step answer would be great.",
                            "Please reply by email if possible.",
                            "No urgency, but we need it before the next audit."])]
    elif ctype == "Feature Request":
        subject = rng.choice(FEATURES).format(p=p)
        body = [f"Our {site} team uses the {p} every day.",
                rng.choice(["This would save us several hours per week.",
                            "Other vendors already offer this.",
                            f"{who} raised this in the last quarterly review."]),
                rng.choice(["Please let us know if it is on the roadmap.",
                            "We are happy to join a beta test.",
                            "Happy to discuss the details on a call."])]
    else:
        if rng.random() < 0.06:
            subject = rng.choice(SPECIAL_SUBJECTS).format(p=p, x=x)
        else:
            subject = f"{p[0].upper()}{p[1:]} {x}"
        code = f"E{rng.randint(100, 999)}"
        body = [f"Since {rng.choice(['this morning', 'yesterday', 'last week', 'the weekend'])} the {p} {x} at our {site} site.",
                rng.choice([f"The error code shown is {code}.",
                            f"{who} restarted it twice, without success.",
                            "We attached a screenshot and the log file.",
                            f"It happens on {rng.randint(2, 40)} of our devices."]),
                rng.choice(["This blocks our daily operations.",
                            "Workaround: we process orders manually for now.",
                            "Only some users are affected.",
                            "It started right after the latest update."])]
        if rng.random() < 0.5:
            body.append(rng.choice(["Please call us back as soon as possible.",
                                    "Can you provide an ETA for a fix?",
                                    "Let us know if you need remote access."]))
    return subject[:255], " ".join(body)


# --------------------------------------------------------------------------
# Build the data
# --------------------------------------------------------------------------

ACCOUNTS = [
    # name, number, industry, phone, website, cases, visible docs, contacts
    ("Acme Corporation", "CUST-100101", "Manufacturing", "+1 415 555 0100", "https://www.acme.example", 2100, 520,
     [("Alice", "Anderson", "alice@acme.example"), ("Bob", "Brennan", "bob@acme.example"),
      ("Jürgen", "Müller", "juergen.mueller@acme.example")]),
    ("Globex Industries", "CUST-100102", "Energy", "+1 312 555 0142", "https://www.globex.example", 40, 15,
     [("Gina", "Garcia", "gina@globex.example"), ("Hank", "Hoffmann", "hank@globex.example")]),
    ("Initech", "CUST-100103", "Technology", "+1 512 555 0177", "https://www.initech.example", 35, 12,
     [("Ian", "Ito", "ian@initech.example"), ("Peter", "Gibbons", "peter@initech.example"),
      ("Chloé", "Dubois", "chloe.dubois@initech.example")]),
    ("Umbrella Health", "CUST-100104", "Healthcare", "+1 617 555 0119", "https://www.umbrella.example", 32, 10,
     [("Uma", "Umeda", "uma@umbrella.example"), ("Victor", "Vance", "victor@umbrella.example")]),
]
SIGN_INS = ["alice@acme.example", "bob@acme.example", "gina@globex.example",
            "ian@initech.example", "uma@umbrella.example"]
INTERNAL_DOCS_PER_ACCOUNT = {"Acme Corporation": 4}  # others: 3


def pick_status(created: dt.datetime) -> str:
    age_days = (END - created).days
    p_closed = 0.95 if age_days > 90 else (0.6 if age_days > 21 else 0.25)
    if rng.random() < p_closed:
        return "Closed"
    return rng.choices(OPEN_STATUSES, weights=[3, 5, 1, 1, 2])[0]


def build():
    pool = build_file_pool()
    users = [new_id("005") for _ in range(3)]

    accounts, contacts, cases, docs, versions, links = [], [], [], [], [], []
    case_rows = []  # (created, account, record-without-number)
    acct_created = {}

    for name, number, industry, phone, web, n_cases, n_docs, people in ACCOUNTS:
        aid = new_id("001")
        created = rand_time(START, START + dt.timedelta(days=20))
        acct_created[aid] = created
        accounts.append({"attributes": attrs("Account", aid), "Id": aid, "Name": name,
                         "AccountNumber": number, "Industry": industry, "Phone": phone, "Website": web,
                         "CreatedDate": sf_date(created),
                         "LastModifiedDate": sf_date(later(created, 86400, 400 * 86400))})
        cids = []
        for first, last, email in people:
            cid = new_id("003")
            cids.append(cid)
            c_created = later(created, 3600, 30 * 86400)
            contacts.append({"attributes": attrs("Contact", cid), "Id": cid, "AccountId": aid,
                             "FirstName": first, "LastName": last, "Name": f"{first} {last}",
                             "Email": email, "Phone": f"{phone[:-4]}{rng.randint(1000, 9999)}",
                             "CreatedDate": sf_date(c_created),
                             "LastModifiedDate": sf_date(later(c_created, 0, 200 * 86400))})

        # ---- cases
        first_case = created + dt.timedelta(days=21)
        created_list = sorted(rand_time(first_case, END - dt.timedelta(hours=2)) for _ in range(n_cases))
        statuses = [pick_status(t) for t in created_list]
        recent = list(range(max(0, n_cases - max(12, n_cases // 5)), n_cases))
        forced = rng.sample(recent, len(STATUSES))
        for idx, st in zip(forced, STATUSES):
            statuses[idx] = st
        for t, st in zip(created_list, statuses):
            ctype = rng.choices(TYPES, weights=[3, 6, 1])[0]
            subject, desc = case_text(ctype)
            closed = st == "Closed"
            if closed:
                closed_at = later(t, 1800, 21 * 86400)
                modified = later(closed_at, 0, 600)
            else:
                closed_at = None
                modified = later(t, 0, 10 * 86400)
            rec = {"Id": new_id("500"), "AccountId": aid, "ContactId": rng.choice(cids),
                   "Subject": subject, "Description": desc, "Status": st,
                   "Priority": rng.choices(PRIORITIES, weights=[3, 5, 2])[0],
                   "Origin": rng.choice(ORIGINS), "Type": ctype, "IsClosed": closed,
                   "CreatedDate": sf_date(t), "LastModifiedDate": sf_date(modified),
                   "ClosedDate": sf_date(closed_at) if closed_at else None}
            case_rows.append((t, rec))

        # ---- documents
        n_internal = INTERNAL_DOCS_PER_ACCOUNT.get(name, 3)
        specs = []  # (title, path_on_client, category, visibility)
        kinds = list(DOC_KINDS)
        weights = [DOC_KINDS[k][0] for k in kinds]
        serial = rng.randint(10000, 20000)
        if name == "Acme Corporation":
            specs.append(("Überweisung März 2025", "Überweisung März 2025.pdf", "invoice:ueberweisung", "AllUsers"))
            specs.append(('Report "Q3"; final/v2', 'Report "Q3"; final/v2.pdf', "report", "AllUsers"))
        if name == "Globex Industries":
            specs.append(("Angebot für Café Nord", "Angebot für Café Nord.pdf", "contract", "AllUsers"))
        while len(specs) < n_docs:
            kind = rng.choices(kinds, weights=weights)[0]
            serial += rng.randint(1, 9)
            ym = f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}"
            title = rng.choice(DOC_KINDS[kind][1]).format(n=serial, ym=ym)
            specs.append((title, None, kind, "AllUsers"))
        for i in range(n_internal):
            specs.append((INTERNAL_TITLES[i % len(INTERNAL_TITLES)], None,
                          rng.choice(["report", "text", "export"]), "InternalUsers"))

        for title, path_on_client, kind, visibility in specs:
            if kind == "invoice:ueberweisung":
                candidates = [f for f in pool["invoice"] if f[0].startswith("ueberweisung")]
            else:
                candidates = [f for f in pool[kind] if not f[0].startswith("ueberweisung")]
            n_versions = 2 if rng.random() < 0.15 and len(candidates) > 1 else 1
            picks = rng.sample(candidates, n_versions)
            doc_id = new_id("069")
            doc_created = rand_time(first_case, END - dt.timedelta(days=3))
            owner = rng.choice(users)
            vtimes = [doc_created]
            if n_versions == 2:
                vtimes.append(later(doc_created, 3600, 60 * 86400))
            vrecs = []
            for vn, ((fname, data), vt) in enumerate(zip(picks, vtimes), start=1):
                ext = fname.rsplit(".", 1)[1]
                poc = path_on_client or f"{title}.{ext}"
                vid = new_id("068")
                vrecs.append({"attributes": attrs("ContentVersion", vid), "Id": vid,
                              "ContentDocumentId": doc_id, "Title": title, "PathOnClient": poc,
                              "FileExtension": ext, "FileType": EXT_INFO[ext], "ContentSize": len(data),
                              "VersionNumber": str(vn), "IsLatest": vn == n_versions,
                              "VersionData": f"{API}/sobjects/ContentVersion/{vid}/VersionData",
                              "CreatedDate": sf_date(vt), "VersionDataFile": f"files/{fname}"})
            latest = vrecs[-1]
            docs.append((doc_created, {
                "attributes": attrs("ContentDocument", doc_id), "Id": doc_id, "Title": title,
                "FileExtension": latest["FileExtension"], "FileType": latest["FileType"],
                "ContentSize": latest["ContentSize"], "LatestPublishedVersionId": latest["Id"],
                "OwnerId": owner, "CreatedDate": sf_date(doc_created),
                "LastModifiedDate": latest["CreatedDate"]}))
            versions.extend(vrecs)
            lid = new_id("06A")
            links.append({"attributes": attrs("ContentDocumentLink", lid), "Id": lid,
                          "ContentDocumentId": doc_id, "LinkedEntityId": aid,
                          "ShareType": "V", "Visibility": visibility})

    # Case numbers are global and follow creation order, like an autonumber.
    case_rows.sort(key=lambda r: (r[0], r[1]["Id"]))
    for n, (_, rec) in enumerate(case_rows, start=1001):
        cid = rec["Id"]
        cases.append({"attributes": attrs("Case", cid), "Id": cid, "CaseNumber": f"{n:08d}",
                      **{k: v for k, v in rec.items() if k != "Id"}})
    docs.sort(key=lambda r: (r[0], r[1]["Id"]))
    doc_order = {d["Id"]: i for i, (_, d) in enumerate(docs)}
    versions.sort(key=lambda v: (doc_order[v["ContentDocumentId"]], int(v["VersionNumber"])))
    links.sort(key=lambda lk: doc_order[lk["ContentDocumentId"]])

    user_rows, comments = build_comments(users, contacts, cases)
    return pool, {"Account": accounts, "Contact": contacts, "Case": cases,
                  "ContentDocument": [d for _, d in docs], "ContentVersion": versions,
                  "ContentDocumentLink": links, "User": user_rows, "CaseComment": comments}


# --------------------------------------------------------------------------
# Case conversations: the newest cases of each account have a few comments
# --------------------------------------------------------------------------

AGENT_NAMES = [("Maria", "Lopez"), ("Tom", "Becker"), ("Priya", "Natarajan")]
# Who the portal writes customers' replies as: its integration user.
PORTAL_USER = ("Portal", "Integration")
COMMENTED_CASES_PER_ACCOUNT = 30

AGENT_LINES = [
    "Thanks for reaching out. We are looking into this now.",
    "Could you send us the exact time it happened and a screenshot if you have one?",
    "We have found the cause and a fix is being rolled out today.",
    "Can you confirm whether this still happens after the update?",
    "I have escalated this to our engineering team; I will update you here.",
]
CUSTOMER_LINES = [
    "It happened again this morning around 9:30.",
    "Thanks, that fixed it for us.",
    "Here is the detail you asked for:\nserial 4471-B, firmware 2.8.1.",
    "Is there any update on this?",
    "Yes, it still happens on two of our devices.",
]
INTERNAL_LINES = [
    "Internal: customer is on the legacy plan, check the SLA before promising a date.",
    "Internal: duplicate of an engineering ticket, do not share the ticket link.",
]


def build_comments(users: list[str], contacts: list[dict], cases: list[dict]):
    """Published comments by agents and by customers (through the portal, with its marker
    line), and internal ones that the portal must never show. Uses its own random stream, so
    adding conversations changed none of the other fixtures."""
    crng = random.Random(SEED + 17)
    portal_user = new_id("005")
    user_rows = []
    for uid, (first, last) in zip(users + [portal_user], AGENT_NAMES + [PORTAL_USER]):
        user_rows.append({"attributes": attrs("User", uid), "Id": uid, "FirstName": first,
                          "LastName": last, "Name": f"{first} {last}",
                          "CreatedDate": sf_date(START), "LastModifiedDate": sf_date(START)})
    by_account: dict[str, list[dict]] = {}
    for case in cases:
        by_account.setdefault(case["AccountId"], []).append(case)
    comments = []
    for account_cases in by_account.values():
        newest = sorted(account_cases, key=lambda c: (c["CreatedDate"], c["Id"]))[-COMMENTED_CASES_PER_ACCOUNT:]
        for case in newest:
            opened = dt.datetime.strptime(case["CreatedDate"], "%Y-%m-%dT%H:%M:%S.000+0000")
            last = (dt.datetime.strptime(case["ClosedDate"], "%Y-%m-%dT%H:%M:%S.000+0000")
                    if case["ClosedDate"] else END - dt.timedelta(minutes=30))
            n = crng.randint(1, 4)
            times = sorted(opened + (last - opened) * crng.random() for _ in range(n + 1))
            # Waiting on the customer: the agent spoke last. Otherwise the turns alternate
            # from the agent's first answer.
            waiting = case["Status"] == "Waiting on Customer"
            for i, t in enumerate(times[:n]):
                agent_turn = (n - 1 - i) % 2 == 0 if waiting else i % 2 == 0
                cid = new_id("00a")
                if agent_turn:
                    body, by = crng.choice(AGENT_LINES), crng.choice(users)
                else:
                    ref = "".join(crng.choice("0123456789abcdef") for _ in range(16))
                    body = f"[portal:{case['ContactId']}:{ref}]\n{crng.choice(CUSTOMER_LINES)}"
                    by = portal_user
                stamp = sf_date(t.replace(microsecond=0))
                comments.append({"attributes": attrs("CaseComment", cid), "Id": cid,
                                 "ParentId": case["Id"], "CommentBody": body, "IsPublished": True,
                                 "CreatedById": by, "CreatedDate": stamp, "LastModifiedDate": stamp})
            if crng.random() < 0.5:
                cid = new_id("00a")
                stamp = sf_date(times[n].replace(microsecond=0))
                comments.append({"attributes": attrs("CaseComment", cid), "Id": cid,
                                 "ParentId": case["Id"], "CommentBody": crng.choice(INTERNAL_LINES),
                                 "IsPublished": False, "CreatedById": crng.choice(users),
                                 "CreatedDate": stamp, "LastModifiedDate": stamp})
    comments.sort(key=lambda c: (c["CreatedDate"], c["Id"]))
    return user_rows, comments


# --------------------------------------------------------------------------
# Products (issue 15): a catalog in the standard price book, and what accounts own
# --------------------------------------------------------------------------

# code, name, family, description, active, in the standard price book, list price
CATALOG = [
    ("GW-050", "Gateway 50 (legacy)", "Hardware", "The first-generation site gateway.", False, False, 450.0),
    ("GW-100", "Gateway 100", "Hardware", "Site gateway for up to 100 sensors.", True, True, 1200.0),
    ("GW-200", "Gateway 200", "Hardware", "Site gateway for up to 200 sensors, with a backup link.", True, True, 2100.0),
    ("SEN-05", "Sensor 5 (discontinued)", "Hardware", "A single temperature probe.", True, False, 40.0),
    ("SEN-10", "Temperature Sensor Pack", "Hardware", "Ten wireless temperature sensors.", True, True, 390.0),
    ("SEN-20", "Vibration Sensor Pack", "Hardware", "Ten wireless vibration sensors for rotating machines.", True, True, 640.0),
    ("CLD-BASIC", "Cloud Monitoring Basic", "Software", "Dashboards and 30 days of history.", True, True, 99.0),
    ("CLD-PRO", "Cloud Monitoring Pro", "Software", "Alerts, two years of history and an API.", True, True, 249.0),
    ("ANL-PACK", "Analytics Add-on", "Software", "Scheduled reports and trend analysis.", True, True, 149.0),
    ("SVC-INSTALL", "On-site Installation", "Services", "A technician installs and commissions your devices.", True, True, 800.0),
    ("SVC-TRAIN", "Operator Training", "Services", "A one-day course for your operators.", True, True, 650.0),
    ("SUP-PREM", "Premium Support", "Support", "Round-the-clock phone support, four-hour response.", True, True, 1500.0),
]

# account name -> (product code or None, asset name, serial, install date, status)
ASSETS = {
    "Acme Corporation": [
        ("GW-100", "Gateway 100 - Plant A", "GW1-00417", "2025-02-11", "Installed"),
        ("GW-100", "Gateway 100 - Plant B", "GW1-00532", "2025-06-03", "Installed"),
        ("SEN-10", "Temperature Sensor Pack", "SEN10-7781", "2025-02-11", "Installed"),
        ("CLD-BASIC", "Cloud Monitoring Basic", None, "2025-02-15", "Registered"),
        ("GW-050", "Gateway 50 - Warehouse", "GW0-00031", "2023-09-20", "Obsolete"),
        (None, "Mounting bracket kit", None, None, "Shipped"),
    ],
    "Globex Industries": [
        ("GW-200", "Gateway 200 - Refinery", "GW2-01118", "2025-04-22", "Installed"),
        ("SUP-PREM", "Premium Support", None, "2025-05-01", "Registered"),
    ],
    "Initech": [
        ("GW-100", "Gateway 100 - HQ", "GW1-00901", "2024-12-02", "Installed"),
        ("CLD-PRO", "Cloud Monitoring Pro", None, "2024-12-05", "Registered"),
        ("ANL-PACK", "Analytics Add-on", None, "2025-01-10", "Registered"),
        ("SEN-20", "Vibration Sensor Pack", "SEN20-1102", "2025-03-14", "Installed"),
    ],
    "Umbrella Health": [
        ("GW-100", "Gateway 100 - Lab", "GW1-01277", "2025-07-08", "Installed"),
        ("CLD-PRO", "Cloud Monitoring Pro", None, "2025-07-10", "Registered"),
        ("SVC-TRAIN", "Operator Training", None, "2025-07-21", "Purchased"),
    ],
}


def build_products(accounts: list[dict]) -> dict[str, list[dict]]:
    """The catalog (Product2, the standard Pricebook2 and its entries) and each account's
    assets. Fixed rather than random, so the recommendation tests can name what they expect;
    the ids come from their own random stream, so they depend on nothing else generated."""
    prng = random.Random(SEED + 29)

    def new_id(prefix: str) -> str:
        while True:
            body = prefix + "Dn000" + "".join(prng.choice(BASE62) for _ in range(7))
            if body not in _used_ids:
                _used_ids.add(body)
                return body + sf_checksum(body)

    stamp = sf_date(START)
    book = new_id("01s")
    pricebooks = [{"attributes": attrs("Pricebook2", book), "Id": book, "Name": "Standard Price Book",
                   "IsActive": True, "IsStandard": True, "CreatedDate": stamp, "LastModifiedDate": stamp}]
    products, entries, by_code = [], [], {}
    for code, name, family, description, active, listed, price in CATALOG:
        pid = new_id("01t")
        by_code[code] = pid
        products.append({"attributes": attrs("Product2", pid), "Id": pid, "Name": name, "ProductCode": code,
                         "Description": description, "Family": family, "IsActive": active,
                         "CreatedDate": stamp, "LastModifiedDate": stamp})
        if listed:
            eid = new_id("01u")
            entries.append({"attributes": attrs("PricebookEntry", eid), "Id": eid, "Pricebook2Id": book,
                            "Product2Id": pid, "UnitPrice": price, "IsActive": True,
                            "UseStandardPrice": False, "CreatedDate": stamp, "LastModifiedDate": stamp})
    by_name = {a["Name"]: a["Id"] for a in accounts}
    assets = []
    for account, rows in ASSETS.items():
        for code, name, serial, installed, status in rows:
            aid = new_id("02i")
            assets.append({"attributes": attrs("Asset", aid), "Id": aid, "Name": name,
                           "AccountId": by_name[account], "ContactId": None,
                           "Product2Id": by_code[code] if code else None, "SerialNumber": serial,
                           "InstallDate": installed, "Status": status, "Quantity": 1.0,
                           "CreatedDate": stamp, "LastModifiedDate": stamp})
    return {"Pricebook2": pricebooks, "Product2": products, "PricebookEntry": entries, "Asset": assets}


# The appointment owners' calendars (issue 15, decision 028): meetings in one fixed week far
# ahead (Monday 7 January 2036, UTC), so the slot tests can name what is busy whatever day
# they run; one event shows as Free and must not block anything.
EVENT_WEEK = dt.datetime(2036, 1, 7, tzinfo=dt.timezone.utc)
EVENTS = [
    # (owner's first name, day of the week, start "HH:MM" UTC, minutes, subject, ShowAs)
    ("Maria", 0, "09:00", 60, "Team planning", "Busy"),
    ("Maria", 0, "13:30", 30, "Customer call", "Busy"),
    ("Maria", 1, "10:00", 90, "Training", "OutOfOffice"),
    ("Maria", 2, "11:00", 60, "Focus time", "Free"),
    ("Tom", 0, "10:00", 60, "Release review", "Busy"),
    ("Tom", 3, "14:00", 120, "Onsite visit", "Busy"),
    ("Priya", 1, "09:00", 30, "Invoice run", "Busy"),
    ("Priya", 4, "12:00", 60, "Month-end close", "Busy"),
]


def build_events(users: list[dict]) -> dict[str, list[dict]]:
    """Busy time on the appointment owners' calendars (`Event.json`), from its own random
    stream for the ids, so it depends on nothing else generated."""
    prng = random.Random(SEED + 31)

    def new_id(prefix: str) -> str:
        while True:
            body = prefix + "Dn000" + "".join(prng.choice(BASE62) for _ in range(7))
            if body not in _used_ids:
                _used_ids.add(body)
                return body + sf_checksum(body)

    owners = {u["FirstName"]: u["Id"] for u in users}
    stamp = sf_date(START)
    events = []
    for owner, day, start, minutes, subject, show_as in EVENTS:
        hour, minute = (int(x) for x in start.split(":"))
        begin = EVENT_WEEK + dt.timedelta(days=day, hours=hour, minutes=minute)
        end = begin + dt.timedelta(minutes=minutes)
        eid = new_id("00U")
        events.append({"attributes": attrs("Event", eid), "Id": eid, "Subject": subject,
                       "StartDateTime": sf_date(begin), "EndDateTime": sf_date(end),
                       "DurationInMinutes": minutes, "IsAllDayEvent": False,
                       "ActivityDate": begin.strftime("%Y-%m-%d"), "OwnerId": owners[owner],
                       "WhoId": None, "WhatId": None, "AccountId": None, "ShowAs": show_as,
                       "CreatedDate": stamp, "LastModifiedDate": stamp})
    return {"Event": events}
# --------------------------------------------------------------------------
# Dynamic case forms (issue 15, decision 029): Portal_Form__mdt and Portal_Form_Field__mdt,
# the Custom Metadata the portal reads its forms from, and the describe snapshot of Case the
# mock mode checks them against (the emulator serves the same fields).
# --------------------------------------------------------------------------

def metadata_id(prefix: str, name: str) -> str:
    """A fixed id per metadata record (its type's prefix), drawn from its name so that adding a form
    moves no other id, and no other fixture's random sequence."""
    digest = hashlib.sha256(name.encode()).digest()
    body = prefix + "Dn000" + "".join(BASE62[b % 62] for b in digest[:7])
    return body + sf_checksum(body)


# (developer name, label, case type, description, order, fields)
# field: (name, label, api field, type, required, min, max, max length, pattern, options,
#         help, visible when (field, value))
FORMS = [
    ("Hardware_Fault", "Hardware fault", "Problem",
     "A device that is broken, damaged or behaves wrongly.", 1, [
         ("Serial_Number", "Serial number", "Serial_Number__c", "text", True, None, None, 40,
          "^[A-Z0-9-]{4,40}$", None,
          "Printed on the label under the device: capital letters, digits and dashes.", None),
         ("Incident_Date", "When did it start?", "Incident_Date__c", "date", True, None, None,
          None, None, None, None, None),
         ("Affected_Users", "People affected", "Affected_Users__c", "number", False, 1, 10000,
          None, None, None, "How many people cannot work because of it.", None),
         ("Symptoms", "What happens?", "Symptoms__c", "textarea", False, None, None, 2000, None,
          None, None, None),
     ]),
    ("Billing_Question", "Billing question", "Question",
     "A question about an invoice, a charge or a payment.", 2, [
         ("Invoice_Number", "Invoice number", "Invoice_Number__c", "text", True, None, None, 20,
          "^INV-[0-9]{4,12}$", None, "As printed on the invoice, e.g. INV-20240017.", None),
         ("Category", "Topic", "Category__c", "picklist", True, None, None, None, None,
          [("charge", "An unexpected charge"), ("refund", "A refund"),
           ("payment", "A payment method")], None, None),
         ("Billing_Email", "Where should we answer?", "Billing_Email__c", "email", False, None,
          None, 80, None, None, "Leave empty to use the email of your sign-in.", None),
     ]),
    ("Access_Request", "Access request", "Feature Request",
     "Access to a system or service for someone of your company.", 3, [
         ("System_Name", "Which system?", "System_Name__c", "picklist", True, None, None, None,
          None, [("crm", "CRM"), ("erp", "ERP"), ("vpn", "VPN")], None, None),
         ("Callback_Requested", "Call me back", "Callback_Requested__c", "checkbox", False,
          None, None, None, None, None, None, None),
         ("Callback_Phone", "Phone number for the call", "Callback_Phone__c", "text", True,
          None, None, 40, "^\\+?[0-9 ()-]{6,40}$", None,
          "We call this number during office hours.", ("Callback_Requested", "true")),
     ]),
]

# The Case custom fields the demo forms map to, as the org (and the emulator) define them:
# (api name, describe type, length).
FORM_CASE_FIELDS = [
    ("Serial_Number__c", "string", 40),
    ("Incident_Date__c", "date", 0),
    ("Affected_Users__c", "double", 0),
    ("Symptoms__c", "textarea", 2000),
    ("Invoice_Number__c", "string", 20),
    ("Category__c", "string", 40),
    ("Billing_Email__c", "string", 80),
    ("System_Name__c", "string", 40),
    ("Callback_Requested__c", "boolean", 0),
    ("Callback_Phone__c", "string", 40),
]


def build_forms() -> dict[str, list[dict]]:
    forms, fields = [], []
    for (name, label, case_type, description, order, form_fields) in FORMS:
        fid = metadata_id("m00", f"Portal_Form__mdt.{name}")
        forms.append({"attributes": attrs("Portal_Form__mdt", fid), "Id": fid,
                      "DeveloperName": name, "MasterLabel": label, "Case_Type__c": case_type,
                      "Description__c": description, "Active__c": True, "Order__c": order})
        for i, (fname, flabel, api, ftype, req, lo, hi, max_len, pattern, options, help_text,
                visible) in enumerate(form_fields):
            dev = f"{name}_{fname}"
            rid = metadata_id("m01", f"Portal_Form_Field__mdt.{dev}")
            fields.append({
                "attributes": attrs("Portal_Form_Field__mdt", rid), "Id": rid,
                "DeveloperName": dev, "Form__c": name, "Field_Name__c": fname,
                "Label__c": flabel, "Api_Field__c": api, "Type__c": ftype, "Required__c": req,
                "Min__c": lo, "Max__c": hi, "Max_Length__c": max_len, "Pattern__c": pattern,
                "Options__c": "\n".join(f"{v}|{l}" for v, l in options) if options else None,
                "Help_Text__c": help_text, "Order__c": (i + 1) * 10,
                "Visible_When_Field__c": visible[0] if visible else None,
                "Visible_When_Value__c": visible[1] if visible else None,
            })
    return {"Portal_Form__mdt": forms, "Portal_Form_Field__mdt": fields}


def case_describe() -> dict:
    """The describe snapshot of Case (the fields a form may name) for the mock mode's start-up
    check: what `GET /sobjects/Case/describe` answers for them, trimmed to what the check reads."""
    def field(name, ftype, length, createable=True, updateable=True):
        return {"name": name, "type": ftype, "length": length, "createable": createable,
                "updateable": updateable}
    standard = [
        field("Id", "id", 18, False, False),
        field("CaseNumber", "string", 30, False, False),
        field("AccountId", "reference", 18),
        field("ContactId", "reference", 18),
        field("Subject", "string", 255),
        field("Description", "textarea", 32000),
        field("Status", "picklist", 255),
        field("Priority", "picklist", 255),
        field("Origin", "picklist", 255),
        field("Type", "picklist", 255),
        field("IsClosed", "boolean", 0, False, False),
        field("ClosedDate", "datetime", 0, False, False),
        field("Portal_Request_Id__c", "string", 255),
        field("Portal_Close_Reason__c", "textarea", 1000),
        field("CreatedDate", "datetime", 0, False, False),
        field("LastModifiedDate", "datetime", 0, False, False),
    ]
    custom = [field(n, t, l) for (n, t, l) in FORM_CASE_FIELDS]
    return {"name": "Case", "fields": standard + custom}


def forms_only() -> None:
    """Writes the dynamic forms' fixtures and the Case describe snapshot."""
    for sobject, records in build_forms().items():
        write_json(SF_DIR / f"{sobject}.json", records)
        print(f"{sobject:<20} {len(records):>5} records")
    write_json(SF_DIR / "describe" / "Case.json", case_describe())


# --------------------------------------------------------------------------
# Roles and visibility (issue 14, decision 031)
# --------------------------------------------------------------------------

# The first contact of each account is its manager; everyone else a member.
ROLE_MANAGERS = {"alice@acme.example", "gina@globex.example", "ian@initech.example",
                 "uma@umbrella.example"}
# Files shared with one contact alone (linked to the Contact): (email, title, reused file).
OWN_DOCUMENTS = [
    ("bob@acme.example", "Bob Brennan - travel expenses 2026-10", "report"),
    ("bob@acme.example", "Bob Brennan - training certificate", "contract"),
    ("juergen.mueller@acme.example", "Jürgen Müller - Gehaltsnachweis", "invoice"),
]


def build_roles(objects: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Sets each Contact's ``Portal_Role__c``, shares two of Acme's commented cases that Bob did
    not open with him through their case teams, and adds files linked to one contact alone.
    Idempotent (``--roles`` may run on fixtures it already changed); its ids come from their own
    random stream, so they depend on nothing else generated."""
    rrng = random.Random(SEED + 31)

    def new_id(prefix: str) -> str:
        while True:
            body = prefix + "Dn000" + "".join(rrng.choice(BASE62) for _ in range(7))
            if body not in _used_ids:
                _used_ids.add(body)
                return body + sf_checksum(body)

    contacts = objects["Contact"]
    by_email = {c["Email"]: c for c in contacts}
    for c in contacts:
        c["Portal_Role__c"] = "Manager" if c["Email"] in ROLE_MANAGERS else "Member"
    bob = by_email["bob@acme.example"]
    alice = by_email["alice@acme.example"]
    juergen = by_email["juergen.mueller@acme.example"]
    commented = {c["ParentId"] for c in objects["CaseComment"] if c["IsPublished"]}
    newest_first = sorted(objects["Case"], key=lambda c: (c["CreatedDate"], c["Id"]), reverse=True)
    team_role = new_id("0B7")
    team = []
    for opener in (alice, juergen):
        case = next(c for c in newest_first
                    if c["ContactId"] == opener["Id"] and c["Id"] in commented and not c["IsClosed"])
        mid = new_id("0B6")
        team.append({"attributes": attrs("CaseTeamMember", mid), "Id": mid, "ParentId": case["Id"],
                     "MemberId": bob["Id"], "TeamRoleId": team_role})

    docs = [d for d in objects["ContentDocument"] if not d["Title"].startswith(tuple(
        t for _, t, _ in OWN_DOCUMENTS))]
    doc_ids = {d["Id"] for d in docs}
    versions = [v for v in objects["ContentVersion"] if v["ContentDocumentId"] in doc_ids]
    links = [lk for lk in objects["ContentDocumentLink"] if lk["ContentDocumentId"] in doc_ids]
    stamp = END - dt.timedelta(days=2)
    for n, (email, title, kind) in enumerate(OWN_DOCUMENTS):
        owner = by_email[email]
        source = next(v for v in versions if v["VersionDataFile"].startswith("files/")
                      and KIND_PREFIX.get(kind, kind) in v["VersionDataFile"])
        doc_id, vid, lid = new_id("069"), new_id("068"), new_id("06A")
        created = sf_date(stamp - dt.timedelta(hours=5 * n))
        ext = source["FileExtension"]
        versions.append({**source, "attributes": attrs("ContentVersion", vid), "Id": vid,
                         "ContentDocumentId": doc_id, "Title": title, "PathOnClient": f"{title}.{ext}",
                         "VersionNumber": "1", "IsLatest": True,
                         "VersionData": f"{API}/sobjects/ContentVersion/{vid}/VersionData",
                         "CreatedDate": created})
        docs.append({"attributes": attrs("ContentDocument", doc_id), "Id": doc_id, "Title": title,
                     "FileExtension": ext, "FileType": source["FileType"],
                     "ContentSize": source["ContentSize"], "LatestPublishedVersionId": vid,
                     "OwnerId": docs[0]["OwnerId"], "CreatedDate": created, "LastModifiedDate": created})
        links.append({"attributes": attrs("ContentDocumentLink", lid), "Id": lid,
                      "ContentDocumentId": doc_id, "LinkedEntityId": owner["Id"],
                      "ShareType": "V", "Visibility": "AllUsers"})
    return {"Contact": contacts, "CaseTeamMember": team, "ContentDocument": docs,
            "ContentVersion": versions, "ContentDocumentLink": links}


# What a kind of file is called in files/ (the pool's names).
KIND_PREFIX = {"report": "service-report-2026", "contract": "service-agreement", "invoice": "invoice-2026-04"}


def roles_only() -> None:
    """`--roles`: (re)applies the roles, case teams and contacts' own files to the fixtures
    already written."""
    names = ["Contact", "Case", "CaseComment", "ContentDocument", "ContentVersion", "ContentDocumentLink"]
    objects = {n: json.loads((SF_DIR / f"{n}.json").read_text(encoding="utf-8")) for n in names}
    for sobject, records in build_roles(objects).items():
        write_json(SF_DIR / f"{sobject}.json", records)
        print(f"{sobject:<20} {len(records):>5} records")


def local_accounts(contacts: list[dict]) -> list[dict]:
    by_email = {c["Email"]: c for c in contacts}
    out = []
    for email in SIGN_INS:
        c = by_email[email]
        salt = hashlib.sha256(email.encode()).digest()[:16]
        h = hash_secret(b"portal-demo", salt, time_cost=2, memory_cost=19456, parallelism=1,
                        hash_len=32, type=Type.ID).decode()
        out.append({"email": email, "password_hash": h, "contact_id": c["Id"], "account_id": c["AccountId"]})
    return out


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")


def products_only() -> None:
    """`--products`: (re)writes only the product fixtures, for the accounts already in
    Account.json."""
    accounts = json.loads((SF_DIR / "Account.json").read_text(encoding="utf-8"))
    for sobject, records in build_products(accounts).items():
        write_json(SF_DIR / f"{sobject}.json", records)
        print(f"{sobject:<20} {len(records):>5} records")


def main() -> None:
    if "--products" in sys.argv[1:]:
        products_only()
        return
    if "--events" in sys.argv[1:]:
        users = json.loads((SF_DIR / "User.json").read_text(encoding="utf-8"))
        for sobject, records in build_events(users).items():
            write_json(SF_DIR / f"{sobject}.json", records)
            print(f"{sobject:<20} {len(records):>5} records")
        return
    if "--forms" in sys.argv[1:]:
        forms_only()
        return
    if "--roles" in sys.argv[1:]:
        roles_only()
        return
    pool, objects = build()
    objects.update(build_products(objects["Account"]))
    objects.update(build_events(objects["User"]))
    objects.update(build_roles(objects))
    FILES_DIR.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for files in pool.values():
        for fname, data in files:
            wanted.add(fname)
            target = FILES_DIR / fname
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
    for stale in FILES_DIR.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    for sobject, records in objects.items():
        write_json(SF_DIR / f"{sobject}.json", records)
    write_json(MOCKS / "local_accounts.json", local_accounts(objects["Contact"]))
    for sobject, records in objects.items():
        print(f"{sobject:<20} {len(records):>5} records")
    print(f"files/               {len(wanted):>5} files")
    forms_only()


if __name__ == "__main__":
    main()
