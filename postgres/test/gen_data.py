#!/usr/bin/env python3
"""Deterministic prospects for the PostgreSQL test (postgres/test/policy.lr), standard library only.

    python3 gen_data.py --prospects 20000 --seed 1 [--mean-activities 12] --out-dir DIR

Writes into DIR the same data twice:
  prospects.jsonl   JSON Lines for `leadrules run` (activities and "fired" inside each object)
  prospects.csv     for COPY into the prospects table (tags as a text[] literal, fired as jsonb)
  activities.csv    for COPY into the activities table (prospect_id, type, at, page, form, asset)
Times in the JSON have Z, offsets or fractions; in the CSV the same instants as PostgreSQL
reads them. Some activity types are not in the schema (skipped by both). now = 2026-11-22T00:00:00Z.
"""
import argparse
import datetime
import json
import os
import random

NOW = datetime.datetime(2026, 11, 22, tzinfo=datetime.timezone.utc)
FIRST = ["Ana", "Ken", "Mei", "Hans", "Joe", "Aiko", "Li", "Olga", "Raj", "Zoë", "Émile", None]
COMPANIES = ["Initech", "Nakatomi Trading", "Hooli", "Wonka Foods", "Umbrella", "Acme, Inc.", 'The "Q" Co', None]
TITLES = ["Director of IT", "VP Sales", "Head of Marketing", "Chief Executive Officer", "International Sales Manager",
          "Summer Intern", "Student", "Engineer", "部長", "Marketing Manager", "", None]
COUNTRIES = ["JP", "US", "DE", "FR", "BR", None]
DOMAINS = ["gmail.com", "Yahoo.co.jp", "outlook.com", "initech.example", "hooli.example", "acme.example"]
PAGES = ["/", "/pricing", "/Pricing", "/en/pricing", "/pricing/enterprise", "/careers", "/blog/a,b", "/demo"]
FORMS = ["contact", "demo", "newsletter", None]
ASSETS = ["ebook.pdf", "whitepaper-ai.pdf", "roi.xlsx", "nurture 1", "nurture 2", None]
KINDS = ["visit"] * 8 + ["form", "download", "email_open", "email_open", "webinar", "unsubscribe", "page_view", "chat"]
RULES = ["Hot list", "Buying committee", "Hot account", "MQL"]


def iso(t, rng):
    """The instant as RFC 3339, written one of several ways (all the same instant)."""
    style = rng.random()
    if style < 0.6:
        return t.isoformat().replace("+00:00", "Z")
    if style < 0.8:
        return t.isoformat(timespec="microseconds").replace("+00:00", "Z")
    return t.astimezone(datetime.timezone(datetime.timedelta(hours=9))).isoformat()


def gen(n, seed, mean_activities=12):
    rng = random.Random(seed)
    prospects, activities = [], []
    accounts = [f"acct-{i:05d}" for i in range(max(1, n // 4))]
    for i in range(n):
        pid = f"p{i:06d}"
        account = rng.choice(accounts) if rng.random() < 0.8 else None
        p = {"id": pid, "account": account,
             "email": f"user{i}@{rng.choice(DOMAINS)}",
             "first_name": rng.choice(FIRST), "company": rng.choice(COMPANIES), "title": rng.choice(TITLES),
             "employees": rng.choice([None, 10, 150, 200, 499.5, 500, 1200, 25000]),
             "country": rng.choice(COUNTRIES),
             "status": rng.choice([None, "Prospect", "MQL", "Customer"]),
             "assigned_at": None if rng.random() < 0.6 else NOW - datetime.timedelta(hours=rng.randint(1, 200)),
             "tags": rng.sample(["hot", "vip", "partner", "a;b"], rng.randint(0, 2))}
        fired = {}
        for r in RULES:
            if rng.random() < 0.1:
                fired[r] = {"count": rng.randint(1, 3),
                            "last": iso(NOW - datetime.timedelta(days=rng.randint(0, 20)), rng)}
        p["fired"] = fired or None
        acts = []
        for _ in range(min(int(rng.expovariate(1 / mean_activities)), 25 * mean_activities)):
            kind = rng.choice(KINDS)
            age = rng.choice([rng.uniform(0, 14), rng.uniform(0, 365), 30, 90, 7])
            at = NOW - datetime.timedelta(days=age)
            at = at.replace(microsecond=at.microsecond if rng.random() < 0.2 else 0)
            a = {"type": kind, "at": at, "page": None, "form": None, "asset": None}
            if kind == "visit":
                a["page"] = rng.choice(PAGES)
            elif kind == "form":
                a["form"] = rng.choice(FORMS)
            elif kind in ("download", "email_open", "webinar"):
                a["asset"] = rng.choice(ASSETS)
            acts.append(a)
        if rng.random() < 0.02:  # an activity after now: invisible to both
            acts.append({"type": "visit", "at": NOW + datetime.timedelta(days=1), "page": "/pricing",
                         "form": None, "asset": None})
        prospects.append(p)
        activities.append(acts)
    return prospects, activities


def write(prospects, activities, out, seed):
    rng = random.Random(seed + 1)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "prospects.jsonl"), "w", encoding="utf-8") as f:
        for p, acts in zip(prospects, activities):
            rec = {k: v for k, v in p.items() if v is not None and k != "assigned_at"}
            if p["assigned_at"] is not None:
                rec["assigned_at"] = iso(p["assigned_at"], rng)
            rec["activities"] = [dict({k: v for k, v in a.items() if v is not None and k != "at"}, at=iso(a["at"], rng))
                                 for a in acts]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def pg_array(items):
        return "{" + ",".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in items) + "}"

    def cell(v):
        """COPY's CSV: an unquoted empty cell is NULL, a quoted one a string (empty included)."""
        if v is None:
            return ""
        if isinstance(v, datetime.datetime):
            v = v.isoformat()
        return '"' + str(v).replace('"', '""') + '"'

    with open(os.path.join(out, "prospects.csv"), "w", encoding="utf-8") as f:
        f.write("id,account,email,first_name,company,title,employees,country,status,assigned_at,tags,fired\n")
        for p in prospects:
            fired = json.dumps(p["fired"], ensure_ascii=False) if p["fired"] else None
            row = [p["id"], p["account"], p["email"], p["first_name"], p["company"], p["title"], p["employees"],
                   p["country"], p["status"], p["assigned_at"], pg_array(p["tags"]), fired]
            f.write(",".join(cell(v) for v in row) + "\n")
    with open(os.path.join(out, "activities.csv"), "w", encoding="utf-8") as f:
        f.write("prospect_id,type,at,page,form,asset\n")
        for p, acts in zip(prospects, activities):
            for a in acts:
                row = [p["id"], a["type"], a["at"], a["page"], a["form"], a["asset"]]
                f.write(",".join(cell(v) for v in row) + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--prospects", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mean-activities", type=float, default=12, help="activities per prospect (exponential)")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    ps, acts = gen(args.prospects, args.seed, args.mean_activities)
    write(ps, acts, args.out_dir, args.seed)
