"""PII stage quality: leak rate per entity type and survival of meaning-carrying non-PII.

    .venv/bin/python -m bench.pii_eval [--docs 600] [--seed 13] [--show-leaks 0]
    .venv/bin/python -m bench.pii_eval --corpus /tmp/pc.jsonl --labels /tmp/pc.labels.jsonl [--show-leaks 20]

With --corpus, it scores instead the output of `bench.corpus` (a generator written by someone
else, so a check that the stage is not tuned to the templates here): every pii_labelled
document is scrubbed, and planted values still present verbatim are leaks, grouped by type
and by the template that wrote them, each shown with a little context.

Part 1 renders seeded documents from templates written here (resumes, e-mails, support
tickets, logs, forum posts, config files, chats, commit messages, invoices, web bios), with
Faker values from several locales and hand-built secrets and wallets. Every planted value is
labelled: a PII value that still appears verbatim in the output is a leak; a planted non-PII
token (weekday, year, version, order number, ISBN, product, quantity, hash, ...) that no longer
appears is over-redaction.

Part 2 runs real text from this machine (package METADATA and license files, Debian copyright
files), which holds real maintainer names and e-mail addresses, and counts what remains.
"""
from __future__ import annotations

import argparse
import base64
import glob
import hashlib
import json
import os
import random
import re
import string
import sys
import time
from collections import defaultdict
from typing import Callable, Dict, List, Tuple

from faker import Faker

NAME_LOCALES = ["en_US", "en_GB", "en_US", "es_ES", "de_DE", "fr_FR", "it_IT", "en_IN", "nl_NL", "pt_BR",
                "pl_PL", "en_AU"]
PHONE_LOCALES = ["en_US", "en_US", "en_GB", "de_DE", "fr_FR", "en_IN", "en_AU", "es_ES", "it_IT", "nl_NL",
                 "en_CA", "pt_BR"]
SECRET_TYPES = ("aws_key_id", "aws_secret", "github_token", "slack_token", "stripe_key", "google_key", "jwt",
                "pem_key", "password", "api_key")


class Planter:
    """Fills template slots with values and remembers which are PII and which must survive."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fakers = {}
        for i, loc in enumerate(sorted(set(NAME_LOCALES + PHONE_LOCALES))):
            fake = Faker(loc)
            fake.seed_instance(seed * 100 + i)
            self.fakers[loc] = fake
        self.en = self.fakers["en_US"]
        self.pii: List[Tuple[str, str]] = []
        self.keep: List[Tuple[str, str]] = []
        self.person = None

    def fake(self, locales=None):
        return self.fakers[self.rng.choice(locales or ["en_US"])]

    def _pii(self, kind: str, value: str) -> str:
        self.pii.append((kind, value))
        return value

    def _keep(self, kind: str, value: str) -> str:
        self.keep.append((kind, value))
        return value

    def reset(self):
        self.pii, self.keep, self.person = [], [], None

    # ------------------------------------------------------------------ PII
    def name(self) -> str:
        fake = self.fake(NAME_LOCALES)
        value = f"{fake.first_name()} {fake.last_name()}"
        self.person = value
        return self._pii("PERSON", value)

    def first(self) -> str:
        return (self.person or self.name()).split()[0]

    def email(self) -> str:
        fake = self.fake(NAME_LOCALES)
        style = self.rng.random()
        if style < 0.4 and self.person:
            first, last = self.person.lower().split()[0], self.person.lower().split()[-1]
            local = self.rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{self.rng.randint(1, 99)}"])
            local = re.sub(r"[^a-z0-9._]", "", local.encode("ascii", "ignore").decode()) or "user"
            value = f"{local}@{fake.free_email_domain() if self.rng.random() < .5 else self.en.domain_name()}"
        elif style < 0.6:
            value = fake.company_email()
        elif style < 0.7:
            value = f"{self.en.user_name()}+{self.rng.choice(['news', 'git', 'work', 'spam'])}@{self.en.free_email_domain()}"
        else:
            value = fake.email()
        return self._pii("EMAIL_ADDRESS", value)

    def phone(self) -> str:
        return self._pii("PHONE_NUMBER", self.fake(PHONE_LOCALES).phone_number())

    def card(self) -> str:
        number = self.en.credit_card_number()
        if len(number) == 16 and self.rng.random() < 0.5:
            sep = self.rng.choice([" ", "-"])
            number = sep.join(number[i:i + 4] for i in range(0, 16, 4))
        return self._pii("CREDIT_CARD", number)

    def iban(self) -> str:
        value = self.fake(["en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"]).iban()
        if self.rng.random() < 0.4:
            value = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
        return self._pii("IBAN_CODE", value)

    def ipv4(self) -> str:
        return self._pii("IP_ADDRESS", self.en.ipv4_public() if self.rng.random() < .7 else self.en.ipv4_private())

    def ipv6(self) -> str:
        value = self.en.ipv6()
        if self.rng.random() < 0.3:  # compressed form
            parts = value.split(":")
            value = ":".join(parts[:3]) + "::" + ":".join(parts[6:])
        return self._pii("IP_ADDRESS", value)

    def ssn(self) -> str:
        return self._pii("US_SSN", self.en.ssn())

    def btc(self) -> str:
        payload = bytes([self.rng.choice([0, 5])]) + self.rng.randbytes(20)
        raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
        number = int.from_bytes(raw, "big")
        alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        encoded = ""
        while number:
            number, rem = divmod(number, 58)
            encoded = alphabet[rem] + encoded
        encoded = "1" * (len(raw) - len(raw.lstrip(b"\0"))) + encoded
        return self._pii("CRYPTO", encoded)

    def eth(self) -> str:
        return self._pii("CRYPTO", "0x" + self.rng.randbytes(20).hex())

    def address(self) -> str:
        value = self.en.street_address()
        return self._pii("STREET_ADDRESS", value)

    def _rand(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def secret(self, kind: str) -> str:
        alnum = string.ascii_letters + string.digits
        if kind == "aws_key_id":
            value = "AKIA" + self._rand(string.ascii_uppercase + string.digits, 16)
        elif kind == "aws_secret":
            value = self._rand(alnum + "/+", 40)
        elif kind == "github_token":
            value = self.rng.choice(["ghp_", "gho_"]) + self._rand(alnum, 36) if self.rng.random() < .8 else \
                "github_pat_" + self._rand(alnum, 22) + "_" + self._rand(alnum, 59)
        elif kind == "slack_token":
            value = f"xox{self.rng.choice('bpa')}-{self._rand(string.digits, 11)}-{self._rand(string.digits, 12)}-" \
                    f"{self._rand(alnum, 24)}"
        elif kind == "stripe_key":
            value = f"{self.rng.choice(['sk', 'rk'])}_{self.rng.choice(['live', 'test'])}_{self._rand(alnum, 24)}"
        elif kind == "google_key":
            value = "AIza" + self._rand(alnum + "-_", 35)
        elif kind == "jwt":
            def b64(obj):
                return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
            value = ".".join([b64({"alg": "HS256", "typ": "JWT"}),
                              b64({"sub": self._rand(string.digits, 8), "iat": self.rng.randint(1.6e9, 1.8e9)}),
                              self._rand(alnum + "-_", 43)])
        elif kind == "pem_key":
            body = base64.b64encode(self.rng.randbytes(48 * 8)).decode()
            lines = [body[i:i + 64] for i in range(0, len(body), 64)]
            label = self.rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
            for line in lines:
                self.pii.append(("SECRET", line))
            return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"
        elif kind == "password":
            value = self.en.password(length=self.rng.randint(10, 16))
        else:
            value = self._rand(string.ascii_lowercase + string.digits, 32)
        return self._pii("SECRET", value)

    # ------------------------------------------------------------------ non-PII that must survive
    def weekday(self):
        return self._keep("weekday", self.rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                                      "Saturday", "Sunday"]))

    def year(self):
        return self._keep("year", str(self.rng.randint(1998, 2026)))

    def version(self):
        parts = [str(self.rng.randint(0, 12)), str(self.rng.randint(0, 30))]
        if self.rng.random() < 0.6:
            parts.append(str(self.rng.randint(0, 99)))
        return self._keep("version", ".".join(parts))

    def order(self):
        return self._keep("order_number", self.rng.choice([
            str(self.rng.randint(10 ** 7, 10 ** 9)), f"A{self.rng.randint(10 ** 5, 10 ** 7)}",
            f"{self.rng.randint(100, 999)}-{self.rng.randint(1000000, 9999999)}",
            f"ORD-{self.rng.randint(2019, 2026)}-{self.rng.randint(1000, 999999):06d}"]))

    def isbn(self):
        digits = [9, 7, self.rng.choice([8, 9])] + [self.rng.randint(0, 9) for _ in range(9)]
        check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
        s = "".join(map(str, digits + [check]))
        return self._keep("isbn", self.rng.choice([s, f"{s[:3]}-{s[3]}-{s[4:7]}-{s[7:12]}-{s[12]}"]))

    def product(self):
        return self._keep("product", self.rng.choice([
            "Kubernetes", "PostgreSQL", "Docker", "Jenkins", "Terraform", "React", "Django", "Kafka", "Redis",
            "Elasticsearch", "TensorFlow", "PyTorch", "Ansible", "Grafana", "Airflow", "Snowflake", "Tableau",
            "Salesforce", "Jira", "Confluence", "Photoshop", "Excel", "Chrome", "Firefox", "iPhone 15",
            "Pixel 8", "Galaxy S23", "ThinkPad X1", "MacBook Pro", "Kindle Paperwhite", "Spark", "Hadoop",
            "Node.js", "TypeScript", "Rust", "Golang", "Java", "Python", "Swift", "Kotlin", "Flutter",
            "Windows 11", "Ubuntu", "Debian", "Nginx", "Apache Kafka", "MongoDB", "Slack", "Zoom", "Figma",
            # Names the library's word lists do not contain: the honest test of NER false positives.
            "Zipline", "Polars", "Kaggle", "Streamlit", "Supabase", "Prisma", "Tauri", "Electron", "Pulumi",
            "Dagster", "Prefect", "Metabase", "Superset", "Rancher", "Traefik", "Caddy", "Mastodon", "Obsidian",
            "Logseq", "Zotero", "Anki", "Blender", "Krita", "Inkscape", "Audacity", "Ghidra", "Wireshark",
            "Visual Studio", "Power BI", "Android Studio", "Adobe Premiere", "Final Cut Pro", "Logic Pro",
            "Unreal Engine", "Jetpack Compose", "Home Assistant", "Raspberry Pi", "Steam Deck", "Nintendo Switch"]))

    def qty(self):
        return self._keep("quantity", self.rng.choice([
            f"{self.rng.randint(2, 999)} units", f"{self.rng.randint(1, 64)} GB", f"{self.rng.randint(1, 500)} ms",
            f"{self.rng.randint(1000, 99999):,}", f"{self.rng.randint(1, 99)}%", f"${self.rng.randint(5, 9999)}.99",
            f"{self.rng.randint(1, 40)} kg", f"{self.rng.randint(1, 12)} months"]))

    def sha(self):
        return self._keep("hash", self.rng.randbytes(20).hex()[:self.rng.choice([7, 12, 40])])

    def ticket(self):
        return self._keep("ticket", self.rng.choice([f"INC{self.rng.randint(10 ** 6, 10 ** 7)}",
                                                      f"JIRA-{self.rng.randint(100, 9999)}",
                                                      f"#{self.rng.randint(1000, 99999)}",
                                                      f"CASE-{self.rng.randint(10 ** 5, 10 ** 6)}"]))

    def port(self):
        return self._keep("port", str(self.rng.choice([22, 80, 443, 5432, 6379, 8080, 8443, 9092, 27017])))

    def month(self):
        return self._keep("month", self.rng.choice(["January", "March", "April", "June", "August", "October",
                                                    "November", "December"]))

    # ------------------------------------------------------------------ neutral filler
    def company(self):
        return self.en.company()

    def city(self):
        return self.en.city()

    def job(self):
        return self.en.job().split(",")[0]

    def sentence(self):
        return self.en.sentence(nb_words=self.rng.randint(6, 14))

    def url(self):
        return self.en.url()


# --------------------------------------------------------------------------- templates


def t_resume(p: Planter) -> str:
    name = p.name()
    skills = ", ".join(p.product() for _ in range(4))
    heading = name.upper() if p.rng.random() < 0.2 else name
    if heading != name:
        p.pii.append(("PERSON", heading))
    return (f"{heading}\n{p.job()}\n{p.address()}, {p.city()}\n{p.phone()} | {p.email()}\n\n"
            f"SUMMARY\n{p.sentence()} Shipped {p.product()} {p.version()} to {p.qty()} of users.\n\n"
            f"EXPERIENCE\n{p.company()} — {p.job()} ({p.year()}–{p.year()})\n"
            f"- Migrated {p.product()} clusters, cutting latency by {p.qty()}.\n"
            f"- Led the {p.month()} {p.year()} launch; on-call every {p.weekday()}.\n\n"
            f"SKILLS\n{skills}\n\nREFERENCES\n{p.name()}, {p.job()}, {p.email()}, {p.phone()}\n")


def t_email(p: Planter) -> str:
    sender, recipient = p.name(), None
    sender_email = p.email()
    recipient = p.name()
    recipient_first = recipient.split()[0]
    return (f"From: {sender} <{sender_email}>\nTo: {recipient} <{p.email()}>\nDate: {p.weekday()}, 3 "
            f"{p.month()} {p.year()}\nSubject: Re: order {p.order()}\n\nHi {recipient_first},\n\n"
            f"Thanks for the update on {p.weekday()}. The invoice for order {p.order()} lists {p.qty()} of "
            f"{p.product()}. You can reach me on {p.phone()} until {p.weekday()}.\n"
            f"The book you asked about is ISBN {p.isbn()}.\n\nBest regards,\n{sender}\n{p.job()}, {p.company()}\n")


def t_ticket(p: Planter) -> str:
    return (f"Ticket {p.ticket()} | Priority: High | Opened {p.weekday()}\n"
            f"Customer: {p.name()}\nEmail: {p.email()}\nPhone: {p.phone()}\n"
            f"Billing address: {p.address()}, {p.city()}\n\n"
            f"Customer reports that {p.product()} {p.version()} crashes after upgrading in {p.year()}. "
            f"They paid with card {p.card()} and want a refund for order {p.order()} ({p.qty()}).\n"
            f"Agent note: verified identity with SSN {p.ssn()}. Escalated to {p.name()} on {p.weekday()}.\n")


def t_log(p: Planter) -> str:
    lines = []
    for _ in range(p.rng.randint(4, 7)):
        ts = f"{p.year()}-0{p.rng.randint(1, 9)}-1{p.rng.randint(0, 9)}T0{p.rng.randint(0, 9)}:1{p.rng.randint(0, 9)}:22Z"
        kind = p.rng.random()
        if kind < 0.3:
            lines.append(f"{ts} INFO  auth: login ok user={p.email()} src={p.ipv4()} port={p.port()}")
        elif kind < 0.45:
            lines.append(f"{ts} WARN  net: peer {p.ipv6()} reset connection after {p.qty()}")
        elif kind < 0.6:
            lines.append(f"{ts} DEBUG deploy: {p.product()} {p.version()} commit {p.sha()} ok")
        elif kind < 0.75:
            lines.append(f"{ts} ERROR payments: charge failed card={p.card()} order={p.order()}")
        elif kind < 0.87:
            lines.append(f"{ts} DEBUG http: GET /api/v2/orders Authorization: Bearer {p.secret('jwt')}")
        else:
            lines.append(f"{ts} INFO  worker: connecting with AWS key {p.secret('aws_key_id')} region us-east-1")
    return "\n".join(lines) + "\n"


def t_forum(p: Planter) -> str:
    name = p.name()
    first = name.split()[0]
    return (f"Posted by {name} on {p.weekday()}\n\n"
            f"Has anyone else had {p.product()} {p.version()} hang on {p.product()}? I tried the fix from the "
            f"{p.year()} thread ({p.ticket()}) but no luck. My box is at {p.ipv4()} if someone wants to look, "
            f"or mail me at {p.email()}.\n\n> quoting {p.name()}: reinstalling {p.product()} fixed it for me\n\n"
            f"Tips welcome! Donations: BTC {p.btc()} / ETH {p.eth()}\n-- {first}\n")


def t_config(p: Planter) -> str:
    style = p.rng.random()
    if style < 0.35:
        return (f"# deploy config for {p.product()} {p.version()}, last edited {p.month()} {p.year()}\n"
                f"DATABASE_HOST={p.ipv4()}\nDATABASE_PORT={p.port()}\nDATABASE_PASSWORD={p.secret('password')}\n"
                f"AWS_ACCESS_KEY_ID={p.secret('aws_key_id')}\nAWS_SECRET_ACCESS_KEY={p.secret('aws_secret')}\n"
                f"STRIPE_SECRET_KEY={p.secret('stripe_key')}\nADMIN_EMAIL={p.email()}\nWORKERS={p.qty()}\n")
    if style < 0.7:
        image = p.product().replace(" ", "")
        p.keep[-1] = ("product", image)
        return (f"services:\n  api:\n    image: registry.local/{image}:{p.version()}\n"
                f"    environment:\n      API_KEY: \"{p.secret('api_key')}\"\n"
                f"      GITHUB_TOKEN: {p.secret('github_token')}\n      SLACK_BOT_TOKEN: {p.secret('slack_token')}\n"
                f"      GOOGLE_MAPS_KEY: {p.secret('google_key')}\n      OWNER: \"{p.email()}\"\n"
                f"    ports:\n      - \"{p.port()}:{p.port()}\"\n")
    return (f'{{"service": "{p.product()}", "version": "{p.version()}", "maintainer": "{p.name()}",\n'
            f' "contact": "{p.email()}", "db": {{"host": "{p.ipv4()}", "password": "{p.secret("password")}"}},\n'
            f' "signing_key": "{p.secret("api_key")}"}}\n\ndeploy key:\n{p.secret("pem_key")}\n')


def t_chat(p: Planter) -> str:
    a, b = p.name(), p.name()
    fa, fb = a.split()[0], b.split()[0]
    return (f"[{p.weekday()} 09:14] {a}: morning! did the {p.product()} {p.version()} rollout finish?\n"
            f"[{p.weekday()} 09:15] {b}: yes, {p.qty()} migrated. ping me at {p.phone()} if it breaks\n"
            f"[09:16] {fa}: great. the new github token is {p.secret('github_token')} btw\n"
            f"[09:17] {fb}: don't paste tokens here {fa}!! rotate it. my email is {p.email()}\n"
            f"[09:18] {fa}: ok ok. wire the refund to IBAN {p.iban()} for order {p.order()}\n")


def t_commit(p: Planter) -> str:
    name = p.name()
    return (f"commit {p.sha()}\nAuthor: {name} <{p.email()}>\nDate:   {p.weekday()} {p.month()} 12 10:22:01 {p.year()}\n\n"
            f"    Bump {p.product()} to {p.version()} (fixes {p.ticket()})\n\n"
            f"    The old client leaked connections after {p.qty()}.\n\n"
            f"    Signed-off-by: {name} <{p.email()}>\n    Co-authored-by: {p.name()} <{p.email()}>\n")


def t_invoice(p: Planter) -> str:
    return (f"INVOICE {p.order()}\nIssued: {p.month()} {p.year()}\n\nBill to:\n{p.name()}\n{p.address()}\n"
            f"{p.city()}\n\nItem: {p.product()} licence x {p.qty()}\nBook: ISBN {p.isbn()}\n"
            f"Paid by card ending in {p.card()}\nRefunds go to {p.iban()}\nQuestions? {p.phone()}\n")


def t_bio(p: Planter) -> str:
    name = p.name()
    return (f"About the author\n\n{name} is a {p.job().lower()} based in {p.city()}. Since {p.year()} "
            f"{name.split()[0]} has written about {p.product()} and {p.product()}, including the bestseller "
            f"with ISBN {p.isbn()}. Interviews: {p.email()} or {p.phone()}.\n"
            f"Co-written with {p.name()}, who maintains {p.product()} {p.version()}.\n")


def t_support_chat(p: Planter) -> str:
    return (f"Agent: Thanks for contacting support, may I have your name?\nCustomer: It's {p.name()}.\n"
            f"Agent: And the phone number on the account?\nCustomer: {p.phone()}\n"
            f"Agent: Your order {p.order()} of {p.product()} shipped {p.weekday()}.\n"
            f"Customer: My SSN is {p.ssn()} if you need it, and the card was {p.card()}.\n"
            f"Agent: Please never share that. Your IP {p.ipv4()} is now verified.\n")


def t_incident(p: Planter) -> str:
    return (f"Incident {p.ticket()} — {p.product()} outage ({p.weekday()})\n\n"
            f"Timeline: alerts fired at 02:14 from {p.ipv4()} and {p.ipv6()}; {p.name()} paged {p.name()}.\n"
            f"Root cause: a leaked key ({p.secret('aws_key_id')}) and an expired JWT {p.secret('jwt')}.\n"
            f"Follow-up: rotate the Stripe key {p.secret('stripe_key')}; upgrade {p.product()} to {p.version()} "
            f"by {p.month()} {p.year()}. Impact: {p.qty()}.\n")


def t_news(p: Planter) -> str:
    name, other = p.name(), p.name()
    return (f"{p.city().upper()} — Local officials said on {p.weekday()} that {name}, a {p.job().lower()} who "
            f"moved to the area in {p.year()}, will lead the new program. \"We expect {p.qty()} of growth,\" "
            f"{name.split()[-1]} told reporters. The announcement followed a meeting with {other} and members of "
            f"the {p.company()} board. Residents can call the hotline at {p.phone()} or write to {p.email()}.\n")


def t_contact_page(p: Planter) -> str:
    return (f"<div class=\"team\">\n  <h3>{p.name()}</h3>\n  <p>{p.job()}</p>\n"
            f"  <a href=\"mailto:{p.email()}\">Email</a> · <span>Tel. {p.phone()}</span>\n</div>\n"
            f"<footer>{p.company()} · {p.address()}, {p.city()} · © {p.year()} · Built with {p.product()}</footer>\n")


def t_hr_letter(p: Planter) -> str:
    name = p.name()
    last = name.split()[-1]
    return (f"{p.month()} {p.year()}\n\nRE: Offer of employment\n\nDear {name},\n\n"
            f"We are pleased to offer you the role of {p.job()}. Your start date is {p.weekday()}. Payroll will "
            f"deposit your salary into account {p.iban()}; please confirm your Social Security number "
            f"({p.ssn()}) with HR. Your manager, {p.name()}, will contact you at {p.phone()}.\n\n"
            f"Sincerely,\n\n{p.name()}\nHuman Resources\n\ncc: {last} personnel file\n")


def t_readme(p: Planter) -> str:
    return (f"# {p.product()}-tools {p.version()}\n\nA small wrapper around {p.product()} and {p.product()}.\n\n"
            f"## Install\n\n```bash\npip install tools=={p.version()}\nexport OPENAI_API_KEY={p.secret('api_key')}\n"
            f"```\n\n## Maintainers\n\n- {p.name()} ({p.email()})\n- {p.name()} <{p.email()}>\n\n"
            f"Released {p.month()} {p.year()} under the MIT license. See issue {p.ticket()}.\n")


def t_csv(p: Planter) -> str:
    rows = ["id,name,email,phone,city,plan,signup_year"]
    for i in range(p.rng.randint(3, 6)):
        rows.append(f"{p.rng.randint(1000, 9999)},{p.name()},{p.email()},{p.phone()},{p.city()},"
                    f"{p.rng.choice(['free', 'pro', 'team'])},{p.year()}")
    return "\n".join(rows) + "\n"


def t_medical(p: Planter) -> str:
    return (f"Patient: {p.name()}   DOB: 04/12/1961   MRN: {p.order()}\n"
            f"Seen on {p.weekday()} by {p.name()}, MD. Chief complaint: cough for {p.qty()}.\n"
            f"Plan: amoxicillin 500 mg three times daily. Follow up in {p.month()}. "
            f"Emergency contact: {p.name()} ({p.phone()}). Home: {p.address()}.\n")


def t_paste(p: Planter) -> str:
    return (f"$ curl -H 'Authorization: Bearer {p.secret('github_token')}' https://api.example.com/v1/users\n"
            f'{{"login": "{p.en.user_name()}", "email": "{p.email()}", "last_ip": "{p.ipv4()}"}}\n'
            f"$ psql postgres://admin:{p.secret('password')}@{p.ipv4()}:{p.port()}/prod\n"
            f"psql ({p.version()}) connected. {p.qty()} rows.\n"
            f"$ cat ~/.aws/credentials\n[default]\naws_access_key_id = {p.secret('aws_key_id')}\n"
            f"aws_secret_access_key = {p.secret('aws_secret')}\n")


def t_review(p: Planter) -> str:
    name = p.name()
    return (f"★★★★☆ {p.product()} review by {name.split()[0]} {name.split()[-1][0]}. — {p.weekday()}\n\n"
            f"Bought the {p.product()} in {p.month()} {p.year()} (order {p.order()}). Battery lasts {p.qty()}. "
            f"Customer service rep {p.name()} was helpful and even called me back at {p.phone()}. "
            f"Would recommend to anyone running {p.product()} {p.version()}.\n")


TEMPLATES: Dict[str, Callable[[Planter], str]] = {
    "news": t_news, "contact_page": t_contact_page, "hr_letter": t_hr_letter, "readme": t_readme,
    "csv": t_csv, "medical": t_medical, "paste": t_paste, "review": t_review,
    "resume": t_resume, "email": t_email, "ticket": t_ticket, "log": t_log, "forum": t_forum,
    "config": t_config, "chat": t_chat, "commit": t_commit, "invoice": t_invoice, "bio": t_bio,
    "support_chat": t_support_chat, "incident": t_incident,
}


def generate(n_docs: int, seed: int) -> List[dict]:
    planter = Planter(seed)
    names = list(TEMPLATES)
    docs = []
    for i in range(n_docs):
        planter.reset()
        template = names[i % len(names)]
        text = TEMPLATES[template](planter)
        docs.append({"template": template, "text": text, "pii": list(planter.pii), "keep": list(planter.keep)})
    return docs


# --------------------------------------------------------------------------- scoring


def score(docs: List[dict], outputs: List[str], show_leaks: int = 0):
    planted, leaked = defaultdict(int), defaultdict(int)
    kept_total, kept_lost = defaultdict(int), defaultdict(int)
    examples = []
    for doc, out in zip(docs, outputs):
        for kind, value in doc["pii"]:
            planted[kind] += 1
            if value in out:
                leaked[kind] += 1
                if len(examples) < show_leaks:
                    examples.append((kind, value, doc["template"]))
        for kind, value in doc["keep"]:
            kept_total[kind] += 1
            if not re.search(r"(?<![\w])" + re.escape(value) + r"(?![\w])", out):
                kept_lost[kind] += 1
                if len(examples) < show_leaks:
                    examples.append(("LOST " + kind, value, doc["template"]))
    return planted, leaked, kept_total, kept_lost, examples


def real_text_files(limit: int = 150) -> List[str]:
    """Real files with real names and e-mail addresses: package metadata, licenses, copyrights."""
    site = os.path.join(sys.prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}",
                        "site-packages")
    paths = sorted(glob.glob(os.path.join(site, "*.dist-info", "METADATA")))
    paths += sorted(glob.glob(os.path.join(site, "*.dist-info", "licenses", "*")))
    paths += sorted(glob.glob(os.path.join(site, "*.dist-info", "LICENSE*")))
    paths += sorted(glob.glob("/usr/share/doc/*/copyright"))
    texts = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(10_000)
        except (OSError, UnicodeDecodeError):
            continue
        if "@" in text:
            texts.append(text)
        if len(texts) >= limit:
            break
    return texts


_REAL_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_AUTHOR_FIELD = re.compile(r"^(?:Author|Maintainer):\s*([A-Z][a-z]+(?: [A-Z][a-z]+)+)\s*$", re.M)
_AUTHOR_EMAIL_FIELD = re.compile(r"^(?:Author|Maintainer)-email:\s*\"?([A-Z][a-z]+(?: [A-Z][a-z]+)+)\"?\s*<", re.M)
_COPYRIGHT_NAME = re.compile(r"Copyright(?: \(c\)| ©)?\s+(?:\d{4}(?:[-–, ]+\d{4})*,?\s+)"
                             r"([A-Z][a-z]+(?: [A-Z]\.)?(?: [A-Z][a-z]+)+)\s*(?:<|$)", re.M)


def real_text_report(scrubber, texts: List[str]):
    outputs = [r.text for r in scrubber.scrub_batch(texts)]
    emails = names = emails_left = names_left = 0
    for text, out in zip(texts, outputs):
        found_emails = set(_REAL_EMAIL.findall(text))
        found_names = set(_AUTHOR_FIELD.findall(text)) | set(_AUTHOR_EMAIL_FIELD.findall(text)) | \
            set(_COPYRIGHT_NAME.findall(text))
        emails += len(found_emails)
        names += len(found_names)
        emails_left += sum(1 for e in found_emails if e in out)
        names_left += sum(1 for n in found_names if n in out)
    words_in = sum(len(re.findall(r"\w+", t)) for t in texts)
    words_out = sum(len(re.findall(r"\w+", re.sub(r"<[A-Z_]+>", "", o))) for o in outputs)
    return {"files": len(texts), "emails": emails, "emails_left": emails_left, "names": names,
            "names_left": names_left, "words_removed_share": 1 - words_out / max(1, words_in)}


def corpus_report(scrubber, corpus_path: str, labels_path: str, show: int) -> None:
    with open(corpus_path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    with open(labels_path, encoding="utf-8") as f:
        labels = [json.loads(line) for line in f]
    pairs = [(r, lab) for r, lab in zip(records, labels) if lab.get("pii_labelled") and lab.get("malformed") is None
             and isinstance(r, dict) and isinstance(r.get("text"), str)]
    started = time.perf_counter()
    outputs = [res.text for res in scrubber.scrub_batch([r["text"] for r, _ in pairs])]
    elapsed = time.perf_counter() - started
    planted, leaked = defaultdict(int), defaultdict(int)
    kept_total, kept_lost = defaultdict(int), defaultdict(int)
    by_template = defaultdict(int)
    examples = defaultdict(list)
    for (record, label), out in zip(pairs, outputs):
        for kind, values in label["pii"].items():
            for value in values:
                planted[kind] += 1
                if value in out:
                    leaked[kind] += 1
                    by_template[(kind, label["source"])] += 1
                    at = out.index(value)
                    context = out[max(0, at - 40):at + len(value) + 40]
                    examples[kind].append((label["source"], value, context))
        for kind, tokens in label["keep"].items():
            for token in tokens:
                kept_total[kind] += 1
                if token not in out:
                    kept_lost[kind] += 1
                    at = record["text"].find(token)
                    examples["LOST " + kind].append((label["source"], token, out[max(0, at - 40):at + 60]))
    print(f"## PII leak rate — {len(pairs)} labelled documents from {corpus_path} ({elapsed:.1f} s)\n")
    print("| entity | planted | leaked | leak rate |\n|---|---:|---:|---:|")
    for kind in sorted(planted):
        print(f"| {kind} | {planted[kind]} | {leaked[kind]} | {leaked[kind] / planted[kind]:.2%} |")
    total, lost = sum(kept_total.values()), sum(kept_lost.values())
    print(f"\nPlanted non-PII lost: {lost} of {total} ({lost / max(1, total):.2%}); by kind: "
          + ", ".join(f"{k} {kept_lost[k]}/{kept_total[k]}" for k in sorted(kept_total) if kept_lost[k]))
    if show:
        print("\n## Leaks by type and template\n")
        for (kind, source), n in sorted(by_template.items(), key=lambda kv: (kv[0][0], -kv[1])):
            print(f"  {kind:<16} {source:<32} {n}")
        for kind in sorted(examples):
            print(f"\n### {kind}")
            for source, value, context in examples[kind][:show]:
                print(f"  {source:<28} {value!r:<36} …{context!r}…")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--show-leaks", type=int, default=0, help="print up to N leaked/lost values")
    parser.add_argument("--corpus", help="score a bench.corpus JSONL file instead (needs --labels)")
    parser.add_argument("--labels", help="the labels JSONL file bench.corpus wrote with --corpus")
    args = parser.parse_args(argv)

    from cleanse.pii import PiiScrubber

    if args.corpus:
        if not args.labels:
            parser.error("--corpus needs --labels")
        corpus_report(PiiScrubber(), args.corpus, args.labels, args.show_leaks)
        return

    docs = generate(args.docs, args.seed)
    scrubber = PiiScrubber()
    started = time.perf_counter()
    outputs = [r.text for r in scrubber.scrub_batch([d["text"] for d in docs])]
    elapsed = time.perf_counter() - started
    planted, leaked, kept_total, kept_lost, examples = score(docs, outputs, args.show_leaks)

    print(f"## PII leak rate — {len(docs)} generated documents, seed {args.seed}, model "
          f"{scrubber.model_names['en']} ({elapsed:.1f} s)\n")
    print("| entity | planted | leaked | leak rate |\n|---|---:|---:|---:|")
    for kind in sorted(planted):
        print(f"| {kind} | {planted[kind]} | {leaked[kind]} | {leaked[kind] / planted[kind]:.2%} |")
    print("\n## Planted non-PII that must survive\n")
    print("| kind | planted | lost | survived |\n|---|---:|---:|---:|")
    for kind in sorted(kept_total):
        print(f"| {kind} | {kept_total[kind]} | {kept_lost[kind]} | {1 - kept_lost[kind] / kept_total[kind]:.2%} |")
    total, lost = sum(kept_total.values()), sum(kept_lost.values())
    print(f"| **all** | {total} | {lost} | **{1 - lost / total:.2%}** |")

    real = real_text_report(scrubber, real_text_files())
    print(f"\n## Real text on this machine — {real['files']} METADATA/license/copyright files with an '@'\n")
    print("| what | found | still there |\n|---|---:|---:|")
    print(f"| e-mail addresses | {real['emails']} | {real['emails_left']} |")
    print(f"| author/maintainer/copyright names | {real['names']} | {real['names_left']} |")
    print(f"\nShare of words removed from real text: {real['words_removed_share']:.2%}")
    for kind, value, template in examples:
        print(f"  {kind:<16} {template:<12} {value!r}")


if __name__ == "__main__":
    main()
