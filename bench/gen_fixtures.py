#!/usr/bin/env python3
"""Benchmark fixtures: N customer accounts (default 1,000), each with one contact who can sign
in, a few cases and a couple of shared documents, in the exact format of
``scripts/generate_fixtures.py`` (whose id, date and case-text helpers it reuses).

    python3 bench/gen_fixtures.py OUT_DIR [--accounts 1000] [--cases 4] [--docs 2]

writes OUT_DIR/salesforce/{Account,Contact,Case,ContentDocument,ContentVersion,
ContentDocumentLink}.json, OUT_DIR/salesforce/files/ (two small files copied from the demo data)
and OUT_DIR/local_accounts.json. Sign-ins are customerNNNN@bench.example, password
``portal-demo``. One argon2id hash (the demo's parameters) is shared by every sign-in: hashing a
thousand times would take a minute and measures nothing here. Deterministic for a given N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("generate_fixtures", ROOT / "scripts" / "generate_fixtures.py")
gf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gf)  # defines helpers only; its main() runs under __main__ alone

DEMO_FILES = ROOT / "backend" / "mocks" / "salesforce" / "files"
DOC_FILES = [("invoice-2025-01.pdf", "pdf"), ("usage-export-2025.csv", "csv")]


def build(n_accounts: int, n_cases: int, n_docs: int, out: Path) -> dict:
    gf.rng.seed(gf.SEED + 7)
    sf = out / "salesforce"
    (sf / "files").mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, _ in DOC_FILES:
        shutil.copyfile(DEMO_FILES / name, sf / "files" / name)
        sizes[name] = (sf / "files" / name).stat().st_size

    accounts, contacts, cases, docs, versions, links, sign_ins = [], [], [], [], [], [], []
    case_rows = []
    owner = gf.new_id("005")
    for i in range(1, n_accounts + 1):
        aid = gf.new_id("001")
        created = gf.rand_time(gf.START, gf.START + dt.timedelta(days=20))
        accounts.append({"attributes": gf.attrs("Account", aid), "Id": aid,
                         "Name": f"Bench Customer {i:04d}", "AccountNumber": f"BENCH-{i:05d}",
                         "Industry": "Technology", "Phone": "+1 415 555 0100",
                         "Website": f"https://customer{i:04d}.bench.example",
                         "CreatedDate": gf.sf_date(created),
                         "LastModifiedDate": gf.sf_date(gf.later(created, 86400, 400 * 86400))})
        cid = gf.new_id("003")
        email = f"customer{i:04d}@bench.example"
        c_created = gf.later(created, 3600, 30 * 86400)
        contacts.append({"attributes": gf.attrs("Contact", cid), "Id": cid, "AccountId": aid,
                         "FirstName": "Customer", "LastName": f"{i:04d}", "Name": f"Customer {i:04d}",
                         "Email": email, "Phone": "+1 415 555 0199",
                         "CreatedDate": gf.sf_date(c_created),
                         "LastModifiedDate": gf.sf_date(c_created)})
        sign_ins.append((email, cid, aid))
        first_case = created + dt.timedelta(days=21)
        for _ in range(n_cases):
            t = gf.rand_time(first_case, gf.END - dt.timedelta(hours=2))
            ctype = gf.rng.choices(gf.TYPES, weights=[3, 6, 1])[0]
            subject, desc = gf.case_text(ctype)
            st = gf.pick_status(t)
            closed = st == "Closed"
            closed_at = gf.later(t, 1800, 21 * 86400) if closed else None
            modified = gf.later(closed_at or t, 0, 600)
            case_rows.append((t, {"Id": gf.new_id("500"), "AccountId": aid, "ContactId": cid,
                                  "Subject": subject, "Description": desc, "Status": st,
                                  "Priority": gf.rng.choice(gf.PRIORITIES), "Origin": "Web",
                                  "Type": ctype, "IsClosed": closed,
                                  "CreatedDate": gf.sf_date(t), "LastModifiedDate": gf.sf_date(modified),
                                  "ClosedDate": gf.sf_date(closed_at) if closed_at else None}))
        for d in range(n_docs):
            fname, ext = DOC_FILES[d % len(DOC_FILES)]
            doc_id, vid, lid = gf.new_id("069"), gf.new_id("068"), gf.new_id("06A")
            t = gf.rand_time(first_case, gf.END - dt.timedelta(days=3))
            title = f"Document {d + 1} of customer {i:04d}"
            versions.append({"attributes": gf.attrs("ContentVersion", vid), "Id": vid,
                             "ContentDocumentId": doc_id, "Title": title,
                             "PathOnClient": f"{title}.{ext}", "FileExtension": ext,
                             "FileType": gf.EXT_INFO[ext], "ContentSize": sizes[fname],
                             "VersionNumber": "1", "IsLatest": True,
                             "VersionData": f"{gf.API}/sobjects/ContentVersion/{vid}/VersionData",
                             "CreatedDate": gf.sf_date(t), "VersionDataFile": f"files/{fname}"})
            docs.append({"attributes": gf.attrs("ContentDocument", doc_id), "Id": doc_id,
                         "Title": title, "FileExtension": ext, "FileType": gf.EXT_INFO[ext],
                         "ContentSize": sizes[fname], "LatestPublishedVersionId": vid,
                         "OwnerId": owner, "CreatedDate": gf.sf_date(t), "LastModifiedDate": gf.sf_date(t)})
            links.append({"attributes": gf.attrs("ContentDocumentLink", lid), "Id": lid,
                          "ContentDocumentId": doc_id, "LinkedEntityId": aid,
                          "ShareType": "V", "Visibility": "AllUsers"})

    case_rows.sort(key=lambda r: (r[0], r[1]["Id"]))
    for n, (_, rec) in enumerate(case_rows, start=1001):
        cases.append({"attributes": gf.attrs("Case", rec["Id"]), "Id": rec["Id"],
                      "CaseNumber": f"{n:08d}", **{k: v for k, v in rec.items() if k != "Id"}})

    salt = b"bench-fixtures-1"
    password_hash = gf.hash_secret(b"portal-demo", salt, time_cost=2, memory_cost=19456,
                                   parallelism=1, hash_len=32, type=gf.Type.ID).decode()
    objects = {"Account": accounts, "Contact": contacts, "Case": cases, "ContentDocument": docs,
               "ContentVersion": versions, "ContentDocumentLink": links}
    for sobject, records in objects.items():
        gf.write_json(sf / f"{sobject}.json", records)
    gf.write_json(out / "local_accounts.json",
                  [{"email": e, "password_hash": password_hash, "contact_id": c, "account_id": a}
                   for e, c, a in sign_ins])
    return {k: len(v) for k, v in objects.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument("--cases", type=int, default=4)
    p.add_argument("--docs", type=int, default=2)
    a = p.parse_args()
    counts = build(a.accounts, a.cases, a.docs, a.out)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
