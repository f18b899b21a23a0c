"""Seeded generator of realistic, labelled documents for benchmarks and the bundled sample.

    python -m bench.corpus --n 100000 --seed 7 --out corpus.jsonl [--labels corpus.labels.jsonl]
                           [--malformed [--malformed-each K]] [--huge K] [--<ratio> SHARE ...]

The corpus mixes real text harvested from this machine (licenses, Debian copyright files and
READMEs, man pages including some translated ones, package METADATA; paragraph-deduplicated
so the harvest adds no unlabelled near-duplicates) with documents rendered from templates
(resumes, e-mails, support tickets, logs, forum posts, product pages, config files, source
code, git logs, medical records, news, chats, meeting notes, invoices, comments; a few long
threads). Templates plant fake PII (Faker plus hand-built formats) and meaning-carrying
non-PII tokens, and the labels file says exactly what was planted where, so a benchmark can
measure leak rate and over-redaction.
Harmful documents (insults, hate, threats, sexual spam; standalone, buried as one line in long
benign text, or obfuscated), hard benign text (medicine, news about violence, quoted mentions,
place names) and near-duplicate families (exact copies and copies with small seeded edits)
complete it. `--malformed` intersperses the dirty lines a real corpus has; `--huge` adds
documents over spaCy's 1,000,000-character limit.

Labels (`--labels`): one JSON line per output line, same keys on every line; see
cleanse/data/README.md. Planted values are listed exactly as they appear in the final text.

Real text carries whatever PII its authors wrote (maintainer names and e-mails); those values are
not labelled, so leak rates are computed on template documents only (labels say `pii_labelled`).

Faker is a bench/test dependency: only this module imports it, never the library.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import json
import os
import random
import re
import sys
import sysconfig
import time
import unicodedata
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Tuple

# --------------------------------------------------------------------------- ratios


@dataclass
class Ratios:
    """Shares of the N documents. What is left after these is benign template text."""

    real: float = 0.15          # harvested real text (less when the machine has less)
    harmful: float = 0.04       # insults, hate, threats, sexual spam
    hard_benign: float = 0.04   # benign text that looks harmful to a word list
    near_dup: float = 0.08      # edited copies of a family base
    exact_dup: float = 0.03     # byte-identical copies of a family base
    no_id: float = 0.005        # records written without an id field
    long: float = 0.001         # long threads and logs, 2,000-20,000 words (log-uniform)

    def validate(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"ratio {name} must be within [0, 1], got {value}")
        if self.real + self.harmful + self.hard_benign + self.near_dup + self.exact_dup + self.long > 0.95:
            raise ValueError("real + harmful + hard_benign + near_dup + exact_dup + long must leave "
                             "room for template documents (sum <= 0.95)")


class FastRandom(random.Random):
    """`randint` and `choice` straight from `random()`: about three times cheaper than the
    rejection sampling of the originals, and a 100k-document corpus makes millions of calls.
    Their tiny bias does not matter for sampling text; determinism does, and stays."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


# --------------------------------------------------------------------------- harvest

_WORD = re.compile(r"\w+")
_MAN_COMMENT = re.compile(r"^[.']\s*\\\"|^\\\"")
_MAN_TEXT_MACROS = {
    "B", "I", "BR", "IR", "BI", "IB", "RB", "RI", "SM", "SB", "SH", "SS", "IP", "TP", "UR", "MT",
    "Nm", "Nd", "Ar", "Fl", "Op", "Cm", "Pa", "Xr", "Em", "Sy", "Li", "Dq", "Ql", "It", "Sh",
    "Ss", "Va", "Fn", "Ic", "Ev", "Dv", "Er", "Ft", "Fa", "Sq", "Pq", "Aq", "Tn",
}
_MAN_BREAK_MACROS = {"PP", "LP", "P", "TP", "IP", "SH", "SS", "Pp", "Sh", "Ss", "It", "sp", "TH"}
_ROFF_REPLACEMENTS = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\s[+-]?\d+"), ""),
    (re.compile(r"\\m\[[^\]]*\]|\\[ud]"), ""),  # colours, half-line motions
    (re.compile(r"\\\(em|\\\(en|\\\[em\]|\\\[en\]"), "-"),
    (re.compile(r"\\\(aq|\\\(cq|\\\(oq"), "'"),
    (re.compile(r"\\\(lq|\\\(rq|\\\*\(lq|\\\*\(rq|\\\(dq"), '"'),
    (re.compile(r"\\\(bu|\\\[bu\]"), "*"),
    (re.compile(r"\\\(co"), "(c)"),
    (re.compile(r"\\-|\\\(hy|\\\(mi"), "-"),
    (re.compile(r"\\[&,/^|%:]|\\c$", re.M), ""),
    (re.compile(r"\\\."), "."),
    (re.compile(r"\\[ ~0]"), " "),
    (re.compile(r"\\\*\(..|\\\*\[[^\]]*\]|\\\*.|\\\(..|\\\[[^\]]*\]|\\n\(..|\\n."), ""),
    (re.compile(r"\\e|\\\\"), "\\\\"),
]


def _strip_roff(source: str) -> List[str]:
    """Man page source -> plain paragraphs. Good enough for prose; tables come out as lines."""
    if source.lstrip().startswith(".so "):
        return []  # a link to another page
    paragraphs: List[str] = []
    current: List[str] = []
    no_fill = False

    def flush() -> None:
        if current:
            joiner = "\n" if no_fill else " "
            paragraphs.append(joiner.join(current).strip())
            current.clear()

    for pattern, replacement in _ROFF_REPLACEMENTS:
        source = pattern.sub(replacement, source)
    for line in source.splitlines():
        if _MAN_COMMENT.match(line):
            continue
        heading = False
        if line.startswith((".", "'")):
            parts = line[1:].strip().split(None, 1)
            if not parts:
                continue
            macro, args = parts[0], (parts[1] if len(parts) > 1 else "")
            if macro == "nf":
                flush()
                no_fill = True
                continue
            if macro == "fi":
                flush()
                no_fill = False
                continue
            if macro in _MAN_BREAK_MACROS:
                flush()
            heading = macro in ("SH", "SS", "Sh", "Ss")
            if macro not in _MAN_TEXT_MACROS or macro == "TP":
                continue
            line = args.replace('"', "")
        line = line.strip()
        if line:
            current.append(line)
            if heading:
                flush()  # a heading is its own (short, later discarded) paragraph
        elif not no_fill:
            flush()
    flush()
    return paragraphs


def _plain_paragraphs(text: str) -> List[str]:
    # Debian copyright files mark blank lines inside a field with a lone " ."
    text = re.sub(r"(?m)^\s\.\s*$", "", text)
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def _read_text(path: str) -> str:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read(400_000)
    except (OSError, EOFError, zlib.error):
        return ""
    return data.decode("utf-8", errors="replace")


_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_NOT_LETTERS = bytes(b for b in range(256) if b not in _ASCII_LETTERS)
_WHITESPACE = b" \t\n\r\x0b\x0c"


def _prose_tokens(paragraph: str, english: bool = True) -> Optional[List[str]]:
    """Lower-cased word tokens of a prose paragraph (English unless told otherwise), None for
    anything else (tables, code, option lists, mojibake)."""
    if len(paragraph) > 5000 or "\ufffd" in paragraph:
        return None
    tokens = _WORD.findall(paragraph.lower())
    if len(tokens) < 8:
        return None
    raw = paragraph.encode("utf-8")
    if not english:
        visible = len(paragraph) - paragraph.count(" ") - paragraph.count("\n")
        return tokens if sum(map(str.isalpha, paragraph)) >= 0.6 * visible else None
    visible = len(raw.translate(None, _WHITESPACE))
    non_ascii = len(raw) - len(paragraph)
    letters = len(raw.translate(None, _NOT_LETTERS))
    if letters < 0.6 * visible or non_ascii > 0.03 * visible:
        return None
    return tokens


class _NearDuplicateFilter:
    """Remembers paragraphs and refuses repeats: the same words ignoring numbers, or the same
    first or last ten words. Many copyright files repeat one license paragraph with another
    year or name; without this the harvest would plant unlabelled duplicate families. Cheap
    keys rather than MinHash because the harvest must stay a few seconds long."""

    def __init__(self) -> None:
        self.seen: set = set()

    def admit(self, tokens: List[str]) -> bool:
        words = [t for t in tokens if not t.isdigit()]
        keys = (("all", *words), ("head", *words[:10]), ("tail", *words[-10:]))
        if any(key in self.seen for key in keys):
            return False
        self.seen.update(keys)
        return True


def _cap_families(files: List[str], per_family: int = 20) -> List[str]:
    """At most `per_family` files per name prefix: 16k near-identical `gcloud_*` man pages
    would otherwise make the real text a monoculture."""
    seen: Dict[str, int] = defaultdict(int)
    kept = []
    for path in files:
        family = re.split(r"[_.-]", os.path.basename(path))[0]
        seen[family] += 1
        if seen[family] <= per_family:
            kept.append(path)
    return kept


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


# (kind, file glob patterns, paragraph splitter); kinds are interleaved by weight.
_SOURCES: List[Tuple[str, float, List[str], Callable[[str], List[str]]]] = [
    ("man", 0.40, ["/usr/share/man/man[1-8]/*.gz"], _strip_roff),
    # translated man pages: real corpora are never monolingual
    ("man-l10n", 0.04, ["/usr/share/man/[a-z][a-z]/man[1-8]/*.gz",
                        "/usr/share/man/[a-z][a-z]_[A-Z][A-Z]/man[1-8]/*.gz"], _strip_roff),
    ("copyright", 0.20, ["/usr/share/doc/*/copyright"], _plain_paragraphs),
    ("readme", 0.15, ["/usr/share/doc/*/README*"], _plain_paragraphs),
    ("metadata", 0.15, [], _plain_paragraphs),  # filled at run time: the running env's METADATA
    ("license", 0.10, ["/usr/share/common-licenses/*"], _plain_paragraphs),
]


class Harvest:
    """Lazily turns this machine's documentation into unique real documents.

    Files of each kind are visited in a seeded shuffled order; consecutive accepted paragraphs
    of one file form a document of a random target length. Missing sources are skipped, so the
    harvest may come back short and the generator fills in with templates."""

    def __init__(self, seed: int) -> None:
        self.rng = FastRandom(f"harvest:{seed}")
        self.filter = _NearDuplicateFilter()
        self.streams: Dict[str, Iterator[Tuple[str, str]]] = {}
        self.weights: Dict[str, float] = {}
        for kind, weight, patterns, splitter in _SOURCES:
            if kind == "metadata":
                patterns = [os.path.join(_site_packages(), "*.dist-info", "METADATA")]
            files = sorted({p for pat in patterns for p in glob.glob(pat)})
            if kind == "license":  # GPL -> GPL-3 and friends are symlinks
                files = sorted({os.path.realpath(p) for p in files})
            if kind.startswith("man"):
                files = _cap_families(files)
            self.rng.shuffle(files)
            if files:
                self.streams[kind] = self._documents(files, splitter, kind != "man-l10n")
                self.weights[kind] = weight

    def _documents(self, files: List[str], splitter: Callable[[str], List[str]], english: bool
                   ) -> Iterator[Tuple[str, str]]:
        for path in files:
            chunk: List[str] = []
            words = 0
            target = self._target_words()
            for paragraph in splitter(_read_text(path)):
                tokens = _prose_tokens(paragraph, english)
                if tokens is None or not self.filter.admit(tokens):
                    continue
                chunk.append(paragraph)
                words += len(tokens)
                if words >= target:
                    yield path, "\n\n".join(chunk)
                    chunk, words, target = [], 0, self._target_words()
            if words >= 30:
                yield path, "\n\n".join(chunk)

    def _target_words(self) -> int:
        return int(self.rng.choice([40, 80, 120, 200, 300, 500]) * self.rng.uniform(0.8, 1.3))

    def take(self, count: int) -> List[Tuple[str, str, str]]:
        """Up to `count` documents as (kind, path, text)."""
        out: List[Tuple[str, str, str]] = []
        while len(out) < count and self.streams:
            kinds = sorted(self.streams)
            kind = self.rng.choices(kinds, weights=[self.weights[k] for k in kinds])[0]
            try:
                path, text = next(self.streams[kind])
            except StopIteration:
                del self.streams[kind]
                continue
            out.append((kind, path, text))
        return out


# --------------------------------------------------------------------------- fake values

_FAKER_LOCALES = ["en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR"]
_IBAN_LOCALES = ["de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "en_GB"]
_CITY_LOCALES = [loc for loc in _FAKER_LOCALES if loc != "it_IT"]
_ADDRESS_LOCALES = ["en_US", "en_US", "en_GB", "de_DE", "fr_FR", "en_IN"]
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TITLES = {"Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Herr", "Frau", "Sig", "Sra", "Sr", "Mme"}
_HONORIFIC_SUFFIXES = {"MD", "MBA", "PhD", "DDS", "DVM", "II", "III", "IV", "Jr", "Sr"}


def _bare_name(name: str) -> str:
    """Faker names carry titles ("Dott.", "Prof. Dr.") and degrees ("B.Sc.", "MBA"): keep the name."""
    words = name.split()
    while len(words) > 2 and (words[0].endswith(".") or words[0] in _TITLES):
        words.pop(0)
    while len(words) > 2 and ("." in words[-1] or words[-1].strip(",.") in _HONORIFIC_SUFFIXES):
        words.pop()
    return " ".join(words).rstrip(",")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class FakeValues:
    """Pools of Faker values drawn once (Faker costs ~40 us a call), then picked with the
    corpus RNG; cheap formats (cards, IPs, SSNs, secrets) are built directly and valid:
    Luhn-checked cards, checksummed IBANs and bitcoin addresses, SSNs in issued ranges."""

    def __init__(self, seed: int, pool: int) -> None:
        import faker  # bench-only dependency

        multi = faker.Faker(_FAKER_LOCALES)
        multi.seed_instance(seed)
        by_locale = {loc: multi[loc] for loc in _FAKER_LOCALES}
        self.r = FastRandom(f"values:{seed}")
        self.names = [n for n in (_bare_name(multi.name()) for _ in range(pool))
                      if len(n.split()) >= 2 and "." not in n]
        self.companies = [multi.company() for _ in range(max(50, pool // 4))]
        # it_IT's city() depends on string hashing (PYTHONHASHSEED): leave it out.
        self.cities = [by_locale[_CITY_LOCALES[i % len(_CITY_LOCALES)]].city()
                       for i in range(max(50, pool // 4))]
        self.usernames = [multi.user_name() for _ in range(max(50, pool // 2))]
        self.addresses = []
        for i in range(pool):
            fake = by_locale[_ADDRESS_LOCALES[i % len(_ADDRESS_LOCALES)]]
            self.addresses.append(fake.address().replace("\n", ", "))
        self.ibans = [by_locale[_IBAN_LOCALES[i % len(_IBAN_LOCALES)]].iban()
                      for i in range(max(50, pool // 2))]
        self.local_phones = [by_locale[_FAKER_LOCALES[i % len(_FAKER_LOCALES)]].phone_number()
                             for i in range(max(50, pool // 2))]
        self.domains = sorted({multi.free_email_domain() for _ in range(40)}) + \
            sorted({_ascii(multi.domain_name()) for _ in range(max(20, pool // 10))})

    # ---- people and contact
    def name(self) -> str:
        return self.r.choice(self.names)

    def email(self, name: Optional[str] = None) -> str:
        r = self.r
        if name is None or r.random() < 0.25:
            local = _ascii(r.choice(self.usernames)).lower() or "user"
        else:
            parts = [re.sub(r"[^a-z]", "", _ascii(p).lower()) for p in name.split()]
            parts = [p for p in parts if p] or ["user"]
            style = r.randrange(5)
            if style == 0:
                local = ".".join((parts[0], parts[-1]))
            elif style == 1:
                local = parts[0][0] + parts[-1]
            elif style == 2:
                local = f"{parts[0]}_{parts[-1]}{r.randint(1, 99)}"
            elif style == 3:
                local = parts[0] + "." + parts[-1][0]
            else:
                local = parts[-1] + parts[0][:3]
        return f"{local}@{r.choice(self.domains)}"

    def phone(self) -> str:
        r = self.r
        d = lambda k: "".join(str(r.randrange(10)) for _ in range(k))  # noqa: E731
        area = str(r.randint(201, 989))
        formats = [
            lambda: f"({area}) {r.randint(200, 999)}-{d(4)}",
            lambda: f"+1 {area} {r.randint(200, 999)} {d(4)}",
            lambda: f"{area}-{r.randint(200, 999)}-{d(4)}",
            lambda: f"{area}.{r.randint(200, 999)}.{d(4)}",
            lambda: f"+44 20 7{d(3)} {d(4)}",
            lambda: f"+44 7{d(3)} {d(6)}",
            lambda: f"020 7{d(3)} {d(4)}",
            lambda: f"+49 30 {d(8)}",
            lambda: f"+49 (0)89 {d(4)} {d(4)}",
            lambda: f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
            lambda: f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
            lambda: f"+91 9{d(4)} {d(5)}",
            lambda: f"+55 11 9{d(4)}-{d(4)}",
            lambda: f"+81 3-{d(4)}-{d(4)}",
            lambda: f"+61 2 {d(4)} {d(4)}",
            lambda: f"+31 6 {d(8)}",
            lambda: r.choice(self.local_phones),
            lambda: r.choice(self.local_phones),
        ]
        return r.choice(formats)()

    def address(self) -> str:
        return self.r.choice(self.addresses)

    def ssn(self) -> str:
        r = self.r
        area = r.randint(1, 665) if r.random() < 0.75 else r.randint(667, 899)
        ssn = f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"
        return ssn if r.random() < 0.85 else ssn.replace("-", " ")

    # ---- finance
    def credit_card(self) -> str:
        r = self.r
        prefix, length = r.choice([("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16),
                                   ("34", 15), ("37", 15), ("6011", 16), ("35", 16)])
        digits = [int(c) for c in prefix] + [r.randrange(10) for _ in range(length - len(prefix) - 1)]
        total = 0
        for i, digit in enumerate(reversed(digits)):
            if i % 2 == 0:
                digit *= 2
                digit -= 9 if digit > 9 else 0
            total += digit
        number = "".join(map(str, digits)) + str((10 - total % 10) % 10)
        style = r.randrange(3)
        if style == 0:
            return number
        sep = " " if style == 1 else "-"
        if length == 15:
            return sep.join((number[:4], number[4:10], number[10:]))
        return sep.join(number[i:i + 4] for i in range(0, 16, 4))

    def iban(self) -> str:
        iban = self.r.choice(self.ibans)
        if self.r.random() < 0.5:
            return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def bitcoin(self) -> str:
        payload = bytes([0]) + bytes(self.r.randrange(256) for _ in range(20))
        check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
        number = int.from_bytes(payload + check, "big")
        out = ""
        while number:
            number, rem = divmod(number, 58)
            out = _BASE58[rem] + out
        return "1" + out  # one leading zero byte -> one leading "1"

    # ---- network and secrets
    def ipv4(self) -> str:
        r = self.r
        first = r.choice([r.randint(11, 99), r.randint(101, 126), r.randint(128, 191),
                          r.randint(193, 223), 10, 172, 192])
        return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def ipv6(self) -> str:
        r = self.r
        groups = [f"{r.randrange(65536):x}" for _ in range(8)]
        groups[0] = r.choice(["2001", "2a02", "2600", "fe80", "2a01"])
        if r.random() < 0.5:
            start = r.randint(2, 5)
            return ":".join(groups[:start]) + "::" + ":".join(groups[start + 2:])
        return ":".join(groups)

    def aws_access_key(self) -> str:
        return "AKIA" + "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))

    def aws_secret_key(self) -> str:
        return "".join(self.r.choice(_TOKEN_ALPHABET + "+/") for _ in range(40))

    def github_token(self) -> str:
        r = self.r
        if r.random() < 0.7:
            return "ghp_" + "".join(r.choice(_TOKEN_ALPHABET) for _ in range(36))
        return "github_pat_" + "".join(r.choice(_TOKEN_ALPHABET) for _ in range(22)) + "_" + \
            "".join(r.choice(_TOKEN_ALPHABET) for _ in range(59))

    def slack_token(self) -> str:
        r = self.r
        return f"xoxb-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-" + \
            "".join(r.choice(_TOKEN_ALPHABET) for _ in range(24))

    def password(self) -> str:
        r = self.r
        words = ["Summer", "Dragon", "Monkey", "Falcon", "Winter", "Tiger", "Purple", "Rocket"]
        if r.random() < 0.4:
            return f"{r.choice(words)}{r.randint(10, 2099)}{r.choice('!@#$%&*?')}"
        return "".join(r.choice(_TOKEN_ALPHABET + "!@#%^&*-_") for _ in range(r.randint(12, 24)))

    # ---- harmless context
    def company(self) -> str:
        return self.r.choice(self.companies)

    def city(self) -> str:
        return self.r.choice(self.cities)

    def username(self) -> str:
        return _ascii(self.r.choice(self.usernames)) or "user"


# --------------------------------------------------------------------------- planting

_PRODUCTS = [
    "PostgreSQL", "Kubernetes", "ThinkPad X1 Carbon", "iPhone 14 Pro", "Raspberry Pi 4",
    "Windows 11", "Ubuntu", "Python", "Excel", "AirPods Pro", "Galaxy S23", "Nginx", "Redis",
    "Docker Desktop", "Jira", "Kindle Paperwhite", "PlayStation 5", "MacBook Air", "Terraform",
    "Photoshop", "Visual Studio Code", "Firefox", "Chromebook", "Pixel 8", "Apache Kafka",
    "Elasticsearch", "Grafana", "Jenkins", "Salesforce", "QuickBooks", "AutoCAD", "Blender",
    "Dyson V11", "Nespresso Vertuo", "Roomba i7", "GoPro Hero 11", "Surface Pro 9", "Fitbit Charge 6",
]
_VERSIONED = ["PostgreSQL", "Python", "Ubuntu", "Nginx", "Redis", "Kubernetes", "Terraform",
              "Firefox", "Node.js", "OpenSSL", "Django", "React", "Java", "Go", "Rust", "Kafka"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_UNITS = {
    "storage": ["GB", "TB", "MB"], "time": ["hours", "minutes", "days", "weeks"],
    "goods": ["units", "boxes", "pallets", "seats", "licenses", "servers", "cores"],
    "mass": ["kg", "g", "lb"], "volume": ["ml", "liters"], "length": ["meters", "inches", "km"],
}
_CURRENCIES = ["$", "€", "£", "USD ", "EUR "]


class _Doc:
    """One document being rendered: the RNG, the value pools, and what was planted where."""

    def __init__(self, r: random.Random, values: FakeValues) -> None:
        self.r = r
        self.v = values
        self.pii: Dict[str, List[str]] = defaultdict(list)
        self.keep: Dict[str, List[str]] = defaultdict(list)

    def pick(self, items):
        return self.r.choice(items)

    def some(self, items, low: int, high: int) -> list:
        return self.r.sample(items, min(len(items), self.r.randint(low, high)))

    # ---- planted PII (label types follow the PII stage's entity names)
    def plant(self, kind: str, value: str) -> str:
        self.pii[kind].append(value)
        return value

    def person(self) -> str:
        return self.plant("PERSON", self.v.name())

    def email(self, name: Optional[str] = None) -> str:
        return self.plant("EMAIL_ADDRESS", self.v.email(name))

    def phone(self) -> str:
        return self.plant("PHONE_NUMBER", self.v.phone())

    def address(self) -> str:
        return self.plant("STREET_ADDRESS", self.v.address())

    def card(self) -> str:
        return self.plant("CREDIT_CARD", self.v.credit_card())

    def iban(self) -> str:
        return self.plant("IBAN_CODE", self.v.iban())

    def ssn(self) -> str:
        return self.plant("US_SSN", self.v.ssn())

    def ip(self) -> str:
        return self.plant("IP_ADDRESS", self.v.ipv4() if self.r.random() < 0.8 else self.v.ipv6())

    def bitcoin(self) -> str:
        return self.plant("CRYPTO", self.v.bitcoin())

    def secret(self, kind: str) -> str:
        return self.plant("SECRET", getattr(self.v, kind)())

    # ---- planted meaning-carrying non-PII tokens
    def keep_token(self, kind: str, value: str) -> str:
        self.keep[kind].append(value)
        return value

    def product(self) -> str:
        return self.keep_token("product", self.pick(_PRODUCTS))

    def version(self) -> str:
        r = self.r
        if r.random() < 0.5:
            value = f"{self.pick(_VERSIONED)} {r.randint(1, 17)}.{r.randint(0, 20)}"
        else:
            value = f"v{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 40)}"
        return self.keep_token("version", value)

    def year(self) -> str:
        return self.keep_token("year", str(self.r.randint(1988, 2025)))

    def weekday(self) -> str:
        return self.keep_token("weekday", self.pick(_WEEKDAYS))

    def month(self) -> str:
        return self.keep_token("month", self.pick(_MONTHS))

    def quantity(self, unit: str = "") -> str:
        r = self.r
        amount = r.choice([str(r.randint(2, 500)), f"{r.randint(1, 99)}.{r.randint(1, 9)}"])
        units = _UNITS[unit] if unit else _UNITS[self.pick(sorted(_UNITS))]
        return self.keep_token("quantity", f"{amount} {self.pick(units)}")

    def price(self) -> str:
        r = self.r
        amount = f"{r.randint(1, 2400)}.{r.randint(0, 99):02d}"
        return self.keep_token("price", f"{self.pick(_CURRENCIES)}{amount}")

    def isbn(self) -> str:
        r = self.r
        digits = [9, 7, 8] + [r.randrange(10) for _ in range(9)]
        check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
        s = "".join(map(str, digits)) + str(check)
        cut = r.randint(5, 7)
        return self.keep_token("isbn", f"{s[:3]}-{s[3]}-{s[4:cut]}-{s[cut:12]}-{s[12]}")

    def order_number(self) -> str:
        r = self.r
        value = r.choice([f"ORD-{r.randint(2015, 2025)}-{r.randint(1, 999999):06d}",
                          f"#{r.randint(10000, 99999)}-{r.choice('ABCDEFGH')}",
                          f"PO-{r.randint(10000, 99999)}", f"INV-{r.randint(100000, 999999)}"])
        return self.keep_token("order_number", value)


def _join(*parts: Optional[str], sep: str = "\n") -> str:
    """Join the parts that exist; "" is a deliberate blank line, None an absent part."""
    return sep.join(p for p in parts if p is not None)


# --------------------------------------------------------------------------- templates

_JOB_TITLES = ["Senior Data Engineer", "Backend Developer", "Registered Nurse", "Accountant",
               "Product Manager", "Site Reliability Engineer", "Marketing Coordinator",
               "Mechanical Engineer", "Customer Success Manager", "Research Assistant",
               "UX Designer", "Warehouse Supervisor", "Financial Analyst", "Teacher"]
_SKILLS = ["SQL", "Python", "Java", "project management", "stakeholder communication",
           "Tableau", "Spark", "budget forecasting", "patient care", "CAD modelling", "Agile",
           "technical writing", "negotiation", "Git", "Linux administration", "SEO", "Figma",
           "inventory control", "public speaking", "Spanish (fluent)", "German (B2)"]
_ACHIEVEMENTS = [
    "Reduced monthly cloud spend by {pct}% by consolidating {storage} of idle capacity.",
    "Led a team of {n} engineers through the migration to {version}.",
    "Cut average ticket resolution time from {n} hours to under a day.",
    "Introduced weekly code reviews every {weekday}, lowering production incidents noticeably.",
    "Managed a yearly budget of {price} across three departments.",
    "Trained {n} new hires on {product} and internal tooling.",
    "Designed the reporting pipeline that now serves {n} internal dashboards.",
    "Negotiated supplier contracts that saved {price} in {year}.",
    "Published a short handbook (ISBN {isbn}) used in onboarding.",
    "Coordinated the rollout of {product} to {goods} across four sites.",
]
_DEGREES = ["B.Sc. Computer Science", "M.A. Economics", "BSN Nursing", "B.Eng. Mechanical Engineering",
            "MBA", "B.A. English Literature", "M.Sc. Statistics", "Diploma in Logistics"]
_UNIVERSITIES = ["University of Leeds", "Ohio State University", "TU Munich", "University of Toronto",
                 "Universidad de Sevilla", "University of Melbourne", "Politecnico di Milano",
                 "Arizona State University", "University of Edinburgh", "IIT Bombay"]


_FIELDS: Dict[str, Callable[[_Doc], str]] = {
    "pct": lambda d: str(d.r.randint(5, 60)), "n": lambda d: str(d.r.randint(2, 40)),
    "qty": lambda d: d.quantity(), "storage": lambda d: d.quantity("storage"),
    "goods": lambda d: d.quantity("goods"), "mass": lambda d: d.quantity("mass"),
    "length": lambda d: d.quantity("length"), "version": _Doc.version, "weekday": _Doc.weekday,
    "price": _Doc.price, "product": _Doc.product, "year": _Doc.year, "isbn": _Doc.isbn,
    "month": _Doc.month, "order": _Doc.order_number, "person": _Doc.person,
    "email": lambda d: d.email(), "phone": _Doc.phone, "ssn": _Doc.ssn, "ip": _Doc.ip,
    "address": _Doc.address, "iban": _Doc.iban, "card": _Doc.card,
    "city": lambda d: d.v.city(), "company": lambda d: d.v.company(),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(d: _Doc, template: str) -> str:
    """Fill {placeholders} in a sentence with planted values; unknown fields are left alone."""
    if "{" not in template:
        return template
    return _PLACEHOLDER.sub(lambda m: _FIELDS[m.group(1)](d) if m.group(1) in _FIELDS else m.group(0),
                            template)


def _resume(d: _Doc) -> str:
    r = d.r
    name = d.person()
    title = d.pick(_JOB_TITLES)
    # choose the layout first: building all three would plant values the text never shows
    layout = r.randrange(3)
    header = [
        lambda: f"{name}\n{title}\n{d.address()}\n{d.phone()} | {d.email(name)}",
        lambda: f"CURRICULUM VITAE\n\nName: {name}\nAddress: {d.address()}\nPhone: {d.phone()}\n"
        f"E-mail: {d.email(name)}",
        lambda: f"{d.plant('PERSON', name.upper())}\n{d.email(name)} · {d.phone()} · "
                f"linkedin.com/in/{d.v.username()}",
    ][layout]()
    if r.random() < 0.15:
        header += f"\nSSN: {d.ssn()}"
    summary = _fill(d, r.choice([
        f"{title} with {r.randint(2, 20)} years of experience in {d.pick(_SKILLS)} and "
        f"{d.pick(_SKILLS)}. Looking for a role where I can grow and mentor others.",
        f"Detail-oriented {title.lower()} who enjoys hard problems. Most recently worked with {{product}} "
        f"and {{version}} in a regulated environment.",
        f"Motivated professional, available from {{month}} {{year}}, open to relocation.",
    ]))
    jobs = []
    start = r.randint(2000, 2018)
    for _ in range(r.randint(1, 4)):
        end = min(2025, start + r.randint(1, 6))
        bullets = "\n".join("- " + _fill(d, a) for a in d.some(_ACHIEVEMENTS, 2, 4))
        jobs.append(f"{d.pick(_JOB_TITLES)}, {d.v.company()}, {d.v.city()} "
                    f"({d.keep_token('year', str(start))} - {end})\n{bullets}")
        start = end
    education = f"{d.pick(_DEGREES)}, {d.pick(_UNIVERSITIES)}, {d.year()}"
    refs = None
    if r.random() < 0.4:
        ref = d.person()
        refs = f"\nREFERENCES\n{ref}, {d.pick(_JOB_TITLES)} - {d.phone()}, {d.email(ref)}"
    return _join(header, "", "SUMMARY", summary, "", "EXPERIENCE", "\n\n".join(jobs), "",
                 "EDUCATION", education, "", "SKILLS", ", ".join(d.some(_SKILLS, 3, 7)), refs)


_EMAIL_SUBJECTS = ["Re: invoice {order}", "Meeting on {weekday}", "Quick question about {product}",
                   "Fwd: contract renewal {year}", "Shipping delay", "Your account", "Lunch?",
                   "Updated slides", "Re: Re: budget for {year}", "Server migration plan"]
_EMAIL_BODIES = [
    "Thanks for getting back to me so quickly. I went through the numbers again and the total for "
    "{goods} comes to {price}, which is a bit higher than what we agreed in {month}.",
    "Can we move our call to {weekday}? Something came up on my side and I won't be at my desk.",
    "Attached is the updated draft. I rewrote the second section and added the figures from {year}.",
    "We are planning to upgrade to {version} next week. Please let me know if your team depends on "
    "the old behaviour before then.",
    "The shipment for order {order} left the warehouse this morning; tracking should update within "
    "a day or two.",
    "I talked to {person} about the onboarding plan and she suggested we start with {product}.",
    "Just a reminder that the office is closed on {weekday} for maintenance.",
    "Could you send me the signed copy? Legal needs it before the end of {month}.",
    "Happy to help with the review. I have some time on {weekday} afternoon if that works for you.",
    "My new direct line is {phone} in case the switchboard gives you trouble again.",
    "The payment should go to our new account, IBAN {iban}, from the next invoice on.",
    "For the record, the card we used for the conference booking was {card}; finance asked for it.",
    "Please don't forward this thread outside the team until the announcement on {weekday}.",
    "HR needs my social security number for the payroll form, it is {ssn}. Can you pass it on?",
]
_SIGNOFFS = ["Best regards", "Thanks", "Cheers", "Kind regards", "Best", "Many thanks", "Warm wishes"]


def _email(d: _Doc) -> str:
    r = d.r
    sender, recipient = d.person(), d.person()
    body_lines = [_fill(d, line) for line in d.some(_EMAIL_BODIES, 2, 5)]
    first = recipient.split()[0]
    greeting = r.choice([f"Hi {first},", f"Dear {recipient},", f"Hello {first},", "Hi all,"])
    if first != recipient:
        d.plant("PERSON", first)  # the bare first name, as greetings use it
    signature = _join(sender, d.pick(_JOB_TITLES) + ", " + d.v.company(),
                      d.phone() if r.random() < 0.7 else None)
    headers = _join(f"From: {sender} <{d.email(sender)}>", f"To: {recipient} <{d.email(recipient)}>",
                    f"Date: {d.weekday()}, {r.randint(1, 28)} {d.month()[:3]} {d.year()} "
                    f"{r.randint(7, 19):02d}:{r.randint(0, 59):02d}",
                    "Subject: " + _fill(d, d.pick(_EMAIL_SUBJECTS)))
    quoted = ""
    if r.random() < 0.3:
        quoted = "\n\n> " + "\n> ".join(_fill(d, d.pick(_EMAIL_BODIES)).split(". "))
    return _join(headers, "", greeting, "", "\n\n".join(body_lines), "",
                 f"{d.pick(_SIGNOFFS)},", signature) + quoted


_TICKET_PROBLEMS = [
    "Since the update to {version} the export button does nothing. I tried Chrome and {product}.",
    "I was charged twice for order {order}. Please refund the duplicate payment of {price}.",
    "The {product} I received is missing the power adapter. The box was sealed.",
    "I can't log in anymore, the reset e-mail never arrives. I checked the spam folder.",
    "Our nightly job has failed every night since {weekday}. The log says 'connection reset by peer'.",
    "The invoice shows {goods} but we only ordered half of that.",
    "The app crashes when I open the settings page on my {product}.",
    "Delivery was promised for {weekday} but the tracking page hasn't changed in a week.",
    "The tax form was rejected. I entered SSN {ssn} exactly as on my card, please check.",
]
_TICKET_REPLIES = [
    "Thanks for reaching out. I've escalated this to our second-level team; expect an update within "
    "two business days.",
    "I'm sorry about the trouble. I have issued a refund, it usually shows up within 5-7 days.",
    "Could you send us a screenshot and the exact time it happened? That helps us find the logs.",
    "This is a known issue in {version}; a fix is scheduled for the next release.",
    "I've updated the shipping address on the order. Please confirm that it is correct.",
]


def _support_ticket(d: _Doc) -> str:
    r = d.r
    customer = d.person()
    agent = d.person().split()[0]
    d.plant("PERSON", agent)
    lines = [f"Ticket {d.keep_token('order_number', f'INC{r.randint(1000000, 9999999)}')} "
             f"| Priority: {d.pick(['low', 'normal', 'high', 'urgent'])} | Status: "
             f"{d.pick(['open', 'pending', 'solved'])}",
             f"Requester: {customer} <{d.email(customer)}>",
             f"Created: {d.weekday()} {d.month()} {r.randint(1, 28)}, {d.year()}", "",
             _fill(d, d.pick(_TICKET_PROBLEMS))]
    if r.random() < 0.5:
        lines.append(f"You can call me back on {d.phone()}.")
    if r.random() < 0.3:
        lines.append(f"Shipping address: {d.address()}")
    if r.random() < 0.15:
        lines.append(f"I paid with the card ending {d.card()} if that helps you find it.")
    for _ in range(r.randint(1, 3)):
        lines += ["", f"-- {agent} (Support) wrote:", _fill(d, d.pick(_TICKET_REPLIES)),
                  "", f"-- {customer.split()[0]} wrote:",
                  d.pick(["Thanks, that worked.", "Still broken, sorry.", "Any news on this?",
                          "OK, I'll wait.", "I attached the screenshot now."])]
    return "\n".join(lines)


_LOG_PATHS = ["/api/v1/orders", "/login", "/static/app.js", "/api/v2/users/{id}", "/health",
              "/checkout", "/search?q=shoes", "/admin", "/api/v1/reports/export", "/favicon.ico"]
_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.4.0", "python-requests/2.31.0",
           "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)", "Go-http-client/1.1"]
_APP_EVENTS = [
    "INFO  [worker-{n}] job {order} finished in {ms} ms",
    "WARN  [db-pool] slow query ({ms} ms) on table orders",
    "ERROR [auth] failed login for user={email} from {ip}",
    "INFO  [auth] login ok user={email} ip={ip}",
    "DEBUG [cache] miss key=session:{n}{ms}",
    "INFO  [mailer] sent receipt to {email}",
    "ERROR [payments] card declined card={card} amount={price}",
    "WARN  [api] rate limit exceeded client={ip}",
    "INFO  [deploy] rolled out {version} to {n} pods",
    "INFO  [scheduler] next run {weekday} 02:00 UTC",
]


def _server_log(d: _Doc) -> str:
    r = d.r
    style = r.randrange(3)
    year, month, day = r.randint(2019, 2025), r.randint(1, 12), r.randint(1, 28)
    hour, minute = r.randint(0, 23), r.randint(0, 59)
    lines = []
    for i in range(r.randint(4, 24)):
        second = (minute * 60 + i * r.randint(1, 40))
        stamp = f"{year}-{month:02d}-{day:02d}T{hour:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
        if style == 0:
            path = d.pick(_LOG_PATHS).replace("{id}", str(r.randint(1, 99999)))
            lines.append(f'{d.ip()} - - [{day:02d}/{_MONTHS[month - 1][:3]}/{year}:{hour:02d}:'
                         f'{second // 60 % 60:02d}:{second % 60:02d} +0000] "GET {path} HTTP/1.1" '
                         f'{d.pick([200, 200, 200, 301, 404, 500])} {r.randint(120, 90000)} "-" '
                         f'"{d.pick(_AGENTS)}"')
        else:
            event = d.pick(_APP_EVENTS)
            event = _fill(d, event.replace("{ms}", str(r.randint(3, 9000))))
            if style == 1:
                lines.append(f"{stamp} {event}")
            else:
                level, rest = event.split(None, 1)
                lines.append(json.dumps({"ts": stamp, "level": level.lower(), "msg": rest,
                                         "host": f"web-{r.randint(1, 12):02d}"},
                                        ensure_ascii=False))
    return "\n".join(lines)


_FORUM_TOPICS = [
    ("Help: {product} keeps disconnecting from Wi-Fi",
     ["Every evening around 9 the connection drops for a minute or two.",
      "I already tried a factory reset and updating to {version}.",
      "Router is a pretty standard one from my ISP, nothing fancy.",
      "Has anyone seen this? It's driving me crazy."]),
    ("Best way to learn {product} in {year}?",
     ["I have about {n} hours a week and a limited budget.",
      "Most tutorials I find are outdated or assume you already know the basics.",
      "Books are fine too, someone recommended ISBN {isbn}.",
      "Any advice appreciated!"]),
    ("Sourdough starter not rising",
     ["It's been {n} days, I feed it with {mass} of flour every morning.",
      "The kitchen is around 19 degrees. Should I move it somewhere warmer?",
      "It smells fine, a bit sour, but barely bubbles."]),
    ("Trip report: hiking near {city}",
     ["We did the loop clockwise on {weekday}, about {length} in total.",
      "The last section is steep but well marked.",
      "Parking was {price} for the day, bring cash.",
      "Would definitely go again in {month}."]),
    ("Upgrade from {version}: worth it?",
     ["The release notes mention better memory use but I have not seen numbers.",
      "Our cluster has {goods} and runs mostly batch jobs.",
      "Did anyone measure before and after?"]),
]
_FORUM_REPLIES = [
    "Same problem here, following.", "Did you check the power-saving settings? That fixed it for me.",
    "I'd start with the official docs, they got a lot better last year.",
    "Try a different channel on the router, 1, 6 or 11.",
    "We upgraded in {month} and saw roughly {pct}% less memory use.",
    "Warmer spot helps a lot. Mine only took off once I put it near the oven.",
    "Thanks for the write-up, very useful!", "Please use the search before posting, this came up last week.",
    "You can DM me, I had exactly this issue with my {product}.",
    "If anyone wants my notes, mail me at {email}.",
]


def _forum_post(d: _Doc) -> str:
    r = d.r
    title, lines = d.pick(_FORUM_TOPICS)
    author = d.v.username()
    post = " ".join(_fill(d, line) for line in d.some(lines, 2, len(lines)))
    out = [_fill(d, title), f"Posted by {author} on {d.weekday()}", "", post]
    if r.random() < 0.3:
        signer = d.person()
        out.append(f"\n-- {signer}" + (f", {d.phone()}" if r.random() < 0.4 else ""))
    for _ in range(r.randint(0, 5)):
        out += ["", f"{d.v.username()} replied:", _fill(d, d.pick(_FORUM_REPLIES))]
    return "\n".join(out)


_PRODUCT_FEATURES = ["Battery lasts up to {n} hours", "Weighs only {mass}", "Ships within 2 business days",
                     "Compatible with {product}", "Includes a {n}-year warranty",
                     "Dishwasher safe", "Available in 4 colours", "Firmware {version} preinstalled"]
_REVIEWS = ["Works as described. Setup took five minutes.", "Stopped working after {n} weeks. Meh.",
            "Great value for {price}.", "Bought it for my dad, he loves it.",
            "Shipping was slow but the product is solid.", "Not compatible with my {product}, returned it.",
            "Exactly what I needed for the office.", "The manual is useless, but the device is great."]


def _product_page(d: _Doc) -> str:
    r = d.r
    product = d.product()
    lines = [f"{product} - {d.pick(['Refurbished', 'New', 'Bundle', '2-Pack', 'Limited Edition'])}",
             f"Price: {d.price()}   SKU: {d.order_number()}", "",
             "Product details:"]
    lines += ["* " + _fill(d, f) for f in d.some(_PRODUCT_FEATURES, 3, 6)]
    if r.random() < 0.3:
        lines += ["", f"Also in our book shop: ISBN {d.isbn()}, published {d.year()}."]
    lines += ["", f"Customer reviews ({r.randint(3, 900)})"]
    for _ in range(r.randint(1, 5)):
        stars = r.randint(1, 5)
        reviewer = d.person() if r.random() < 0.4 else d.v.username()
        lines.append(f"{'*' * stars}{'.' * (5 - stars)} {reviewer}, {d.month()} {d.year()}: "
                     + _fill(d, d.pick(_REVIEWS)))
    if r.random() < 0.2:
        lines += ["", f"Seller contact: {d.v.company()}, {d.address()}, {d.phone()}"]
    return "\n".join(lines)


def _config_file(d: _Doc) -> str:
    r = d.r
    style = r.randrange(4)
    db_user, db_pass, host = d.v.username(), d.secret("password"), d.ip()
    if style == 0:  # .env
        lines = [f"# {d.v.company()} production settings - do not commit",
                 f"APP_VERSION={d.version()}", "DEBUG=false",
                 f"DATABASE_URL=postgres://{db_user}:{db_pass}@{host}:5432/app",
                 f"AWS_ACCESS_KEY_ID={d.secret('aws_access_key')}",
                 f"AWS_SECRET_ACCESS_KEY={d.secret('aws_secret_key')}",
                 f"GITHUB_TOKEN={d.secret('github_token')}",
                 f"ADMIN_EMAIL={d.email()}", f"MAX_UPLOAD={d.quantity('storage')}"]
    elif style == 1:  # YAML
        lines = ["server:", f"  host: {host}", f"  port: {r.choice([80, 443, 8080, 8443])}",
                 "database:", f"  user: {db_user}", f"  password: \"{db_pass}\"",
                 "notifications:", f"  slack_token: {d.secret('slack_token')}",
                 f"  oncall: {d.email()}", f"  phone: \"{d.phone()}\"",
                 "backup:", f"  schedule: every {d.weekday()} at 03:00", f"  keep: {d.quantity('storage')}"]
    elif style == 2:  # INI / AWS credentials
        lines = ["[default]", f"aws_access_key_id = {d.secret('aws_access_key')}",
                 f"aws_secret_access_key = {d.secret('aws_secret_key')}", "region = eu-west-1", "",
                 "[deploy]", f"user = {db_user}", f"password = {db_pass}",
                 f"bastion = {d.ip()}", f"contact = {d.person()} <{d.email()}>"]
    else:  # docker-compose
        lines = ["version: \"3.8\"", "services:", "  web:", f"    image: nginx:1.{r.randint(19, 27)}",
                 "    environment:", f"      - SMTP_PASSWORD={db_pass}",
                 f"      - GH_TOKEN={d.secret('github_token')}",
                 f"      - NOTIFY={d.email()}", "  db:", f"    image: postgres:{r.randint(12, 16)}",
                 "    environment:", f"      - POSTGRES_PASSWORD={d.secret('password')}",
                 f"# maintained by {d.person()} since {d.year()}"]
    return "\n".join(lines)


_CHAT_LINES = ["hey, are you around?", "yes, what's up", "the build is red again", "which one?",
               "the {product} integration, since {version}", "ugh. I'll look after lunch",
               "can you send me your number, easier to call", "sure: {phone}",
               "also can you re-send the card details for the hotel? {card}",
               "meeting moved to {weekday}", "ok thanks", "lol", "np", "deploy done, {n} pods healthy",
               "my new email is {email}", "what time is it over there?", "almost 6pm, heading home soon"]


def _chat(d: _Doc) -> str:
    r = d.r
    a, b = d.person(), d.person()
    hour, minute = r.randint(8, 20), r.randint(0, 50)
    out = []
    for i in range(r.randint(5, 16)):
        speaker = (a if i % 2 == 0 else b).split()[0]
        out.append(f"[{hour:02d}:{minute + i // 3:02d}] {speaker}: {_fill(d, d.pick(_CHAT_LINES))}")
    for name in (a, b):
        d.plant("PERSON", name.split()[0])
    return f"Chat between {a} and {b}\n" + "\n".join(out)


_AGENDA = ["Review of Q{q} numbers", "Hiring plan for {year}", "Migration to {version}",
           "Office move in {month}", "Customer escalation (order {order})", "Budget: {price} requested",
           "Training on {product}", "Retro of the {weekday} outage"]


def _meeting_notes(d: _Doc) -> str:
    r = d.r
    people = [d.person() for _ in range(r.randint(2, 6))]
    lines = [f"Meeting notes - {d.weekday()} {r.randint(1, 28)} {d.month()} {d.year()}",
             "Attendees: " + ", ".join(people), ""]
    for i, item in enumerate(d.some(_AGENDA, 2, 5), 1):
        lines.append(f"{i}. " + _fill(d, item.replace("{q}", str(r.randint(1, 4)))))
        lines.append("   " + d.pick(["Agreed to revisit next week.", "No objections.",
                                       "Needs more data before we decide.", "Approved.",
                                       "Open question, see thread."]))
    lines += ["", "Action items:"]
    for person in d.some(people, 1, 3):
        lines.append(f"- {person.split()[0]}: " + _fill(d, d.pick([
            "send the draft by {weekday}", "check the quote for {goods}", "book the room for {month}",
            "call the vendor ({phone})", "update the wiki page for {product}"])))
        d.plant("PERSON", person.split()[0])
    return "\n".join(lines)


def _invoice(d: _Doc) -> str:
    r = d.r
    customer = d.person()
    lines = [f"INVOICE {d.order_number()}", f"Date: {d.month()} {r.randint(1, 28)}, {d.year()}",
             "", "Bill to:", customer, d.address(), d.email(customer), "",
             "Item                              Qty      Amount"]
    for _ in range(r.randint(1, 5)):
        lines.append(f"{d.product():<34}{r.randint(1, 12):<9}{d.price()}")
    pay = r.randrange(3)
    if pay == 0:
        lines += ["", f"Please transfer the total to IBAN {d.iban()} within 30 days."]
    elif pay == 1:
        lines += ["", f"Paid by card {d.card()} on {d.weekday()}."]
    else:
        lines += ["", f"Crypto payments accepted: {d.bitcoin()}"]
    lines.append(f"Questions? Call {d.phone()}.")
    return "\n".join(lines)


_COMMIT_SUBJECTS = ["Fix off-by-one in pagination", "Bump {version}", "Add retry to upload client",
                    "Refactor config loading", "Update docs for the {year} release",
                    "Handle empty input in parser", "Drop support for {version}", "Merge branch 'main'",
                    "Speed up CSV export ({pct}% faster)", "Revert \"Add caching layer\""]


def _git_log(d: _Doc) -> str:
    r = d.r
    authors = [d.person() for _ in range(r.randint(1, 3))]
    emails = {a: d.email(a) for a in authors}
    out = []
    for _ in range(r.randint(2, 6)):
        author = d.pick(authors)
        sha = "".join(r.choice("0123456789abcdef") for _ in range(40))
        out += [f"commit {sha}", f"Author: {author} <{emails[author]}>",
                f"Date:   {d.weekday()[:3]} {d.month()[:3]} {r.randint(1, 28)} "
                f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} {d.year()} +0200",
                "", "    " + _fill(d, d.pick(_COMMIT_SUBJECTS)), ""]
        if r.random() < 0.3:
            reviewer = d.person()
            out += [f"    Reviewed-by: {reviewer} <{d.email(reviewer)}>", ""]
    return "\n".join(out).rstrip()


def _source_code(d: _Doc) -> str:
    r = d.r
    author = d.person()
    style = r.randrange(3)
    header = (f'"""Nightly export job.\n\nMaintainer: {author} <{d.email(author)}>\n'
              f'Tested on {d.version()}.\n"""')
    if style == 0:
        body = ["import boto3", "", "s3 = boto3.client(",
                f'    aws_access_key_id="{d.secret("aws_access_key")}",',
                f'    aws_secret_access_key="{d.secret("aws_secret_key")}",', ")", "",
                "def upload(path):", f'    s3.upload_file(path, "reports-{r.randint(1, 99)}", path)']
    elif style == 1:
        body = ["import requests", "", f'TOKEN = "{d.secret("github_token")}"  # TODO move to vault',
                "", "def open_issue(title):",
                f'    return requests.post("https://api.github.com/repos/acme/app/issues",',
                '                         headers={"Authorization": f"token {TOKEN}"},',
                '                         json={"title": title})']
    else:
        body = ["import psycopg2", "",
                f'conn = psycopg2.connect(host="{d.ip()}", user="{d.v.username()}", '
                f'password="{d.secret("password")}", dbname="sales")',
                "", "def monthly_total(month):", "    with conn.cursor() as cur:",
                '        cur.execute("SELECT sum(amount) FROM orders WHERE month = %s", (month,))',
                "        return cur.fetchone()[0]"]
    return header + "\n\n" + "\n".join(body)


def _medical_record(d: _Doc) -> str:
    r = d.r
    patient = d.person()
    born = f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1935, 2015)}"
    lines = [f"PATIENT: {patient}    DOB: {born}",
             f"MRN: {r.randint(1000000, 9999999)}    Visit: {d.weekday()}, {d.month()} {r.randint(1, 28)}",
             f"Address: {d.address()}    Phone: {d.phone()}", ""]
    if r.random() < 0.3:
        lines.append(f"Insurance ID / SSN: {d.ssn()}")
    lines += ["Chief complaint: " + d.pick(["persistent cough for 3 weeks", "lower back pain",
                                            "follow-up after knee surgery", "headaches and dizziness",
                                            "rash on both forearms"]),
              "Assessment: " + d.pick(["likely viral, supportive care", "muscle strain, NSAIDs and rest",
                                       "healing well, continue physiotherapy", "refer to neurology",
                                       "contact dermatitis, topical steroid"]),
              f"Medication: {d.pick(['ibuprofen', 'amoxicillin', 'cetirizine', 'omeprazole'])} "
              f"{d.keep_token('quantity', str(r.choice([10, 20, 200, 400, 500])) + ' mg')}",
              f"Next appointment: {d.weekday()} in {r.randint(2, 8)} weeks.",
              f"Signed: Dr. {d.person()}"]
    return "\n".join(lines)


_NEWS_LEADS = [
    "{city} council approved a {price} budget for road repairs on {weekday}, after months of debate.",
    "Shares of the company rose {pct}% after it reported better-than-expected results for {year}.",
    "The new {product} went on sale this week, with early reviews praising its battery life.",
    "Local volunteers planted {goods} of saplings along the river in {month}.",
    "The library will close for renovation from {month} and reopen in {year}.",
]
_NEWS_QUOTES = [
    '"We listened to residents and this is the result," said {person}, who chairs the committee.',
    '"Nobody expected numbers this strong," said analyst {person}.',
    '{person}, a resident for {n} years, said the change was long overdue.',
    '"It was a team effort," {person} told reporters on {weekday}.',
]


def _news_article(d: _Doc) -> str:
    r = d.r
    reporter = d.person()
    paragraphs = [_fill(d, line) for line in d.some(_NEWS_LEADS, 1, 3)]
    paragraphs += [_fill(d, line) for line in d.some(_NEWS_QUOTES, 1, 2)]
    r.shuffle(paragraphs)
    contact = f"Contact the newsroom: {d.email()}" if r.random() < 0.3 else None
    byline = f"By {reporter} | {d.month()} {r.randint(1, 28)}, {d.year()}"
    return _join(byline, "", "\n\n".join(paragraphs), contact)


TEMPLATES: Dict[str, Tuple[Callable[[_Doc], str], float]] = {
    "resume": (_resume, 1.0), "email": (_email, 2.0), "support_ticket": (_support_ticket, 1.4),
    "server_log": (_server_log, 1.2), "forum_post": (_forum_post, 2.0),
    "product_page": (_product_page, 1.2), "config_file": (_config_file, 0.8),
    "chat": (_chat, 1.0), "meeting_notes": (_meeting_notes, 0.8), "invoice": (_invoice, 0.7),
    "git_log": (_git_log, 0.6), "source_code": (_source_code, 0.5),
    "medical_record": (_medical_record, 0.5), "news_article": (_news_article, 1.0),
}


_COMMENTS = ["Great article, thanks for sharing!", "I had the same experience with my {product}.",
             "Does anyone know if this works with {version}?",
             "Ordered on {weekday}, arrived two days later.",
             "First!", "This aged well.", "Can confirm, the {year} model has the same issue.",
             "Source? I'd like to read more about this.", "Lovely photos, where was this taken?",
             "Five stars, would buy again.", "The second paragraph is wrong, the limit is {storage}.",
             "Interesting, but I think you're missing the cost side of it.",
             "Contact me directly at {email} if you want the spreadsheet.",
             "We paid {price} for ours in {year} and it still runs fine.",
             "Not sure why this is downvoted, it's correct for {version}.",
             "Took me {n} tries but it finally worked.", "Mine shipped with {storage}, is that normal?",
             "Happy {weekday} everyone!", "Anyone going to the meetup in {city}?",
             "Bookmarking this for later.", "Thanks {person}, that was the missing piece."]


_COMMENT_TAILS = ["", "({n} likes)", "Edited {n} min ago.", "Reply #{n}", "via {city}",
                  "posted {weekday}", "{n} points", "#{product}"]


def _comment(d: _Doc) -> str:
    text = " ".join(_fill(d, c) for c in d.some(_COMMENTS, 1, 3))
    text = _join(text, _fill(d, d.pick(_COMMENT_TAILS)) or None, sep=" ")
    return f"{d.v.username()}: {text}" if d.r.random() < 0.5 else text


TEMPLATES["comment"] = (_comment, 1.0)


# --------------------------------------------------------------------------- harmful content
# Written for this benchmark so filters can be scored; deliberately without slurs so the file
# stays shareable, which makes the hate set harder (hate without profanity), not easier.

_GROUPS = ["immigrants", "Muslims", "Jews", "gay people", "Mexicans", "women", "trans people",
           "Black people", "refugees", "Christians", "Asians", "disabled people"]
_HARMFUL: Dict[str, List[str]] = {
    "insult": [
        "You are a complete fucking idiot and everyone here knows it.",
        "Shut up, you worthless piece of shit.",
        "What a moronic take. Are you actually this stupid or just pretending?",
        "{user} is a pathetic loser who should never be allowed near a keyboard.",
        "Nobody asked for your opinion, you ignorant bitch.",
        "Get lost, dumbass. Your code is garbage and so are you.",
        "Fuck off and take your useless advice with you.",
        "You're an ugly, brainless waste of oxygen.",
        "Only a total retard would post something this dumb.",
        "{user} you absolute asshole, learn to read before you reply.",
        "Do the world a favour and kill yourself, nobody would miss you.",
        "Stop whining, you spineless little dick.",
        "Christ, you are dumb as a bag of rocks. Log off.",
        "Your mother should have swallowed you, you useless turd.",
        "Imagine being this much of a loser at your age.",
        "Go cry somewhere else, you pathetic snowflake bitch.",
        "Every comment you post makes this place stupider, you clown.",
    ],
    "hate": [
        "{group} are parasites and this country would be better off without them.",
        "I'm sick of {group} ruining every neighbourhood they move into. Send them all back.",
        "{group} are subhuman, simple as that.",
        "Never hire {group}, they are lazy and dishonest by nature.",
        "Those filthy {group} should not be allowed to vote.",
        "{group} are a disease and we need to cleanse our streets of them.",
        "Every problem in this city started when {group} showed up.",
        "{group} should be locked up before they breed any more.",
        "I would never let my kids near {group}, they are animals.",
        "{group} can't be trusted with anything, it's in their blood.",
        "Our grandparents knew how to deal with {group}. Time to remember.",
        "Why do we keep pretending {group} are people like us?",
        "{group} are vermin breeding in our cities.",
    ],
    "threat": [
        "I know where you live and I'm going to make you regret this.",
        "Keep talking and I will break both your legs.",
        "Watch your back, {user}. You won't see me coming.",
        "If you show up at the office on {weekday} I'll put a bullet in your head.",
        "I swear I will burn your house down with you in it.",
        "Say that again and I'll beat you until you can't stand up.",
        "People like you deserve to be shot, and I might just do it myself.",
        "I'm going to find your family and hurt them, one by one.",
        "Next time I see you I will stab you, that's a promise.",
        "You have until Friday to pay or I'll kill you.",
        "One more word from you and I'll smash your face in.",
        "I've got your address, {user}. Sleep well while you still can.",
        "Post that again and I will come to your house and cut you.",
        "Somebody should put you in the ground, and I'm volunteering.",
        "I will wait for you after work and you will not walk home.",
        "Your kids go to the school on Elm Street, right? Would be a shame if something happened.",
    ],
    "sexual_spam": [
        "Hot singles in your area want to fuck TONIGHT! Click here: http://meet-{n}.example/join",
        "XXX live cams - naked girls waiting for you, 100% free, no credit card! http://cams{n}.example",
        "Horny wives near {city} looking for discreet sex. Sign up free at http://affair{n}.example",
        "Enlarge your penis by 3 inches in 2 weeks! Cheap viagra, no prescription: http://pills{n}.example",
        "Watch uncensored porn videos of sluts getting fucked, new clips daily at http://tube{n}.example",
        "Lonely? Sexy girls send nudes and want to meet you now, reply YES to http://date{n}.example",
        "Free hardcore porn, hot milfs and teens 18+ naked on cam: http://xxx{n}.example",
        "Want a naughty girlfriend tonight? She is horny and waiting: http://hookup{n}.example",
        "18+ ONLY: bored housewife strips live for you, tip tokens to see more http://live{n}.example",
        "Get laid tonight guaranteed! No dating, just sex. Join free http://nsa{n}.example",
        "Private nude photos leaked, click to see her naked before it's deleted http://pics{n}.example",
    ],
}
_OBFUSCATIONS = {
    "fucking": ["f*cking", "fkn", "fuking", "f***ing", "phucking"],
    "fucked": ["f*cked", "fuked", "f***ed"], "fuck": ["f*ck", "fck", "f**k", "phuck", "fuk", "f.u.c.k"],
    "shit": ["sh1t", "sh*t", "sh!t"], "bitch": ["b1tch", "b!tch", "biatch", "b*tch"],
    "idiot": ["1d10t", "idi0t"], "kill": ["k1ll", "ki11"], "sex": ["s3x", "s*x", "seggs"],
    "porn": ["p0rn", "pr0n"], "sluts": ["s1uts", "sl*ts"], "naked": ["n@ked", "nak3d"],
    "stupid": ["stup1d", "stoopid"], "penis": ["p3nis", "pen1s"], "viagra": ["v1agra", "vi@gra"],
    "dick": ["d1ck", "d!ck"], "asshole": ["a$$hole", "@sshole", "azzhole"], "retard": ["r3tard", "ret@rd"],
    "horny": ["h0rny", "hornee"], "nudes": ["nud3s", "n00dz"], "stab": ["st@b"],
    "parasites": ["p@rasites"], "subhuman": ["sub-hum@n"], "filthy": ["f1lthy"], "animals": ["anim@ls"],
    "loser": ["l0ser"], "dumbass": ["dumb@ss"], "moronic": ["m0ronic"], "breed": ["br33d"],
    "disease": ["d1sease"], "cleanse": ["cl3anse"], "lazy": ["l@zy"], "jews": ["J3ws", "j00s"],
    "muslims": ["Mu$lims", "muzzies"], "immigrants": ["1mmigrants"], "gay": ["g@y", "ghey"],
    "trans": ["tr@ns", "tr4ns"], "refugees": ["refug33s"], "mexicans": ["Mex1cans"],
    "women": ["w0men", "wimmin"], "black": ["Bl@ck", "B1ack"], "asians": ["@sians"],
    "christians": ["Chr1stians"], "disabled": ["d1sabled"], "bullet": ["bul1et", "b*llet"],
    "burn": ["b*rn", "burnn"], "hurt": ["hvrt", "h*rt"], "beat": ["b3at"], "legs": ["l3gs"],
    "shot": ["sh0t"], "regret": ["r3gret"], "ugly": ["ugl1"], "worthless": ["w0rthless"],
    "smash": ["sm@sh"], "cut": ["cvt"], "kids": ["k1ds"], "address": ["addr3ss"],
    "ground": ["gr0und"], "wait": ["w8"], "happened": ["happen3d"], "pay": ["p@y"],
    "face": ["f@ce"], "laid": ["l@id"], "strips": ["str1ps"], "vermin": ["v3rmin"],
}
_OBFUSCATION_PATTERN = re.compile(r"\b(" + "|".join(sorted(_OBFUSCATIONS, key=len, reverse=True))
                                  + r")\b", re.I)


def _obfuscate(r: random.Random, text: str) -> str:
    """Disguise the charged words the way people dodge filters; at least one always changes."""
    matches = list(_OBFUSCATION_PATTERN.finditer(text))
    if not matches:  # nothing in the table: space out the letters of the longest word
        word = max(re.findall(r"[A-Za-z]{4,}", text) or [text.split()[0]], key=len)
        return text.replace(word, " ".join(word), 1)
    forced = r.randrange(len(matches))
    out, last = [], 0
    for i, m in enumerate(matches):
        word = m.group(1)
        # real obfuscation is partial: some charged words stay as they are
        if i == forced or r.random() < 0.7:
            variant = r.choice(_OBFUSCATIONS[word.lower()])
            word = variant.upper() if word.isupper() and len(word) > 1 else variant
        out += [text[last:m.start()], word]
        last = m.end()
    return "".join(out) + text[last:]


_HARM_OPENERS = ["", "", "", "Honestly, ", "Lol. ", "@{user} ", "Reply to {user}: ", "Wow. ", "Listen: ",
                 "Read this carefully. ", "{user}, "]
_HARM_CLOSERS = ["", "", "", " Seriously.", " Get lost.", " #truth", "!!!", " Don't reply.",
                 " You've been warned.", " End of story.", " :)"]


def _harmful_line(d: _Doc, category: str, obfuscated: bool = False) -> str:
    """One harmful line: a core sentence (sometimes two) with varied openers and closers, so
    a large corpus does not turn the harmful set into one giant duplicate cluster."""
    cores = d.some(_HARMFUL[category], 1, 2) if d.r.random() < 0.3 else [d.pick(_HARMFUL[category])]
    core = " ".join(cores).replace("{group}", d.pick(_GROUPS))
    core = core.replace("{n}", str(d.r.randint(1, 999))).replace("{city}", d.v.city())
    core = core.replace("{weekday}", d.pick(_WEEKDAYS))
    core = core[0].upper() + core[1:]
    if obfuscated:  # before names go in, so a username is never what gets disguised
        core = _obfuscate(d.r, core)
    line = (d.pick(_HARM_OPENERS) + core + d.pick(_HARM_CLOSERS)).replace("{user}", d.v.username())
    return line[0].upper() + line[1:] if line[0] != "@" else line


# --------------------------------------------------------------------------- hard benign text

_HARD_BENIGN: Dict[str, List[str]] = {
    "medical": [
        "The patient, a {age}-year-old man, presented with painful swelling of the left testicle.",
        "Examination of the penis showed no lesions; the urethral discharge was cultured.",
        "She reported vaginal bleeding after sexual intercourse and was referred for a smear.",
        "A digital rectal examination revealed an anal fissure at the six o'clock position.",
        "Erectile dysfunction is a common side effect of this class of blood pressure drugs.",
        "Breast self-examination should be done monthly, ideally a week after the period.",
        "The wound was cleaned and the dead tissue was cut away under local anaesthetic.",
        "Overdose of paracetamol can kill liver cells within 24 hours if untreated.",
        "Pain on ejaculation and blood in the semen were reported; prostate examination was normal.",
        "The nipple discharge was clear and bilateral, which is usually not a sign of cancer.",
        "We discussed safe sex, condom use and testing for sexually transmitted infections.",
        "The stab wound to the abdomen was explored surgically and no organ injury was found.",
    ],
    "news_violence": [
        "Police said the gunman opened fire in the car park, killing three people before he was shot.",
        "The suspect was charged with murder and attempted rape and will appear in court on {weekday}.",
        "Shelling killed at least {n} civilians overnight, according to local officials.",
        "Prosecutors say the gang threatened to burn down shops whose owners refused to pay.",
        "The documentary examines how the genocide was planned and who carried out the killings.",
        "Survivors of the bombing described the blast as deafening; {n} people remain in hospital.",
        "The court heard that the defendant had sent messages saying he would kill his neighbour.",
        "The militia executed prisoners and burned villages, the UN report says.",
        "A teenager was stabbed to death outside a nightclub early on {weekday}.",
        "Investigators believe the arsonist set fire to at least {n} cars in the district.",
    ],
    "quoted_mention": [
        "Our community rules forbid insults such as 'bitch' or 'idiot'; repeated use gets you banned.",
        "The witness told the court that the defendant shouted 'fuck off' before leaving the bar.",
        "Linguists note that 'shit' has lost much of its force in British English since the 1970s.",
        "The filter flagged the word 'cocktail' because it contains a swear word, a classic false positive.",
        "In the novel the sergeant calls every recruit a 'worthless maggot'; they wear it with pride.",
        "To report hate speech, quote it (e.g. 'all immigrants are parasites') and add a screenshot.",
        "The rapper's lyric 'we don't give a fuck' was bleeped in the radio edit.",
        "Students compared how the slur 'retard' moved from clinical term to insult.",
        "The tweet read 'I will kill you' but the account was a parody, the platform concluded.",
    ],
    "place_names": [
        "The train from Scunthorpe to Penistone takes about two hours with a change in Sheffield.",
        "We stayed in Middlesex for a week and then drove down to Sussex and Essex.",
        "The Austrian village of Fucking renamed itself Fugging in 2021 after years of stolen signs.",
        "Dildo, Newfoundland, is a small fishing town that attracts tourists for its name.",
        "Twatt is a hamlet in Orkney; Shitterton is a village in Dorset with a stone sign.",
        "The Cockburn Street market in Edinburgh sells records and vintage clothes.",
        "Condom, in the Gers department, is known for Armagnac and a musketeer statue.",
        "Lake Titicaca lies on the border between Peru and Bolivia.",
        "Bitche, in Moselle, has a star-shaped citadel built by Vauban.",
        "The Wank mountain near Garmisch offers an easy hike with a view of the Zugspitze.",
        "Clitheroe castle is one of the smallest Norman keeps in England.",
        "Hell, Norway, has a railway station whose sign is a favourite photo spot.",
    ],
    "tech_jargon": [
        "If the worker hangs, kill -9 the child process and let the supervisor restart it.",
        "The replica was configured as a slave of the master until the terminology was changed.",
        "Abort the build if any test fails, then execute the payload in a sandbox.",
        "The daemon forks, and when the parent dies its orphaned children are reaped by init.",
        "Use git blame to find who introduced the bug, then force-push the fix to your branch.",
        "The penetration test found that the exploit could hit any target on the subnet.",
        "Nuke the cache directory and the build will regenerate everything.",
        "The watchdog shoots down any worker that misses three heartbeats.",
        "Strip the binary, then inject the dependency through the constructor.",
        "The fork bomb example crashed the shared box, so we killed the session.",
    ],
    "sports_gaming": [
        "We absolutely murdered them in the second half, four goals in twenty minutes.",
        "Nice headshot from the sniper tower, that round was a total massacre.",
        "The boxer was knocked out cold in the third round and took a minute to get up.",
        "I killed the final boss on my first try with a level {n} character.",
        "Our striker slaughtered the defence and smashed it into the top corner.",
        "The underdogs butchered the favourites {n}-0 in front of their own fans.",
        "He choked in the final set and threw away a two-break lead.",
        "Camping the spawn is cheap, but we destroyed them anyway.",
        "The rookie got hammered in his first fight and still went the distance.",
    ],
}


_HARD_BENIGN_INTROS = {
    "medical": "Clinic note, {weekday} {month} {n}.", "news_violence": "{city}, {month} {n} -",
    "quoted_mention": "Posted in the {product} community, {weekday}:",
    "place_names": "Travel diary, day {n}, near {city}.", "tech_jargon": "Runbook rev {n} ({version}):",
    "sports_gaming": "Match thread #{n}, {weekday} night:",
}


def _hard_benign(d: _Doc, kind: str) -> str:
    text = _fill(d, _HARD_BENIGN_INTROS[kind]) + " " + " ".join(d.some(_HARD_BENIGN[kind], 3, 5))
    return text.replace("{age}", str(d.r.randint(18, 90))).replace("{n}", str(d.r.randint(2, 80))) \
        .replace("{weekday}", d.weekday())


# --------------------------------------------------------------------------- near-duplicates

_BOILERPLATE = [
    "Sent from my iPhone",
    "--\nThis e-mail and any attachments are confidential and intended solely for the addressee.",
    "Posted via the mobile app.",
    "Click here to unsubscribe from these notifications.",
    "Originally published on our company blog. All rights reserved.",
    "[This post was edited by a moderator]",
    "Share this: Facebook | Twitter | LinkedIn",
]
_FILLER_WORDS = ["the", "really", "also", "very", "just", "quite", "new", "old", "some", "other",
                 "first", "main", "small", "large", "good", "same", "another", "our", "this"]
_WORD_SPAN = re.compile(r"\S+")


def shingles(text: str, k: int = 5) -> set:
    """Word k-gram shingles of lower-cased \\w+ tokens: the project's ground-truth definition."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) < k:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + k]) for i in range(len(tokens) - k + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _edit_words(r: random.Random, text: str, edit: str, count: int) -> str:
    spans = [m.span() for m in _WORD_SPAN.finditer(text)]
    if len(spans) < 4:
        return text
    pieces = list(text)
    # edit from the end so earlier spans stay valid
    for index in sorted(r.sample(range(1, len(spans) - 1), min(count, len(spans) - 2)), reverse=True):
        start, end = spans[index]
        if edit == "word_delete":
            pieces[start:end + 1] = []
        elif edit == "word_replace":
            pieces[start:end] = list(r.choice(_FILLER_WORDS))
        else:  # word_swap with the next word
            n_start, n_end = spans[index + 1]
            pieces[start:n_end] = list(text[n_start:n_end] + text[end:n_start] + text[start:end])
    return "".join(pieces)


def _near_copy(r: random.Random, text: str, values: FakeValues, pii: Dict[str, List[str]]
               ) -> Tuple[str, List[str], Dict[str, List[str]]]:
    """A copy of `text` with one to three small seeded edits.

    Returns (text, edit names, PII values the edits introduced by type)."""
    introduced: Dict[str, List[str]] = defaultdict(list)
    original = text
    words = len(text.split())
    count = max(1, round(words / 150))
    edits = r.sample(["word_swap", "word_delete", "word_replace", "pii_changed", "whitespace",
                      "case", "boilerplate"], r.randint(1, 3))
    for edit in edits:
        if edit in ("word_swap", "word_delete", "word_replace"):
            text = _edit_words(r, text, edit, count)
        elif edit == "pii_changed":
            present = [(kind, v) for kind in sorted(pii) for v in pii[kind] if v in text]
            if present:
                kind, old = r.choice(present)
                new = _fresh_value(values, kind)
                text = text.replace(old, new)
                introduced[kind].append(new)
        elif edit == "whitespace":
            style = r.randrange(3)
            if style == 0:
                text = text.replace("\n", "\r\n")
            elif style == 1:
                text = re.sub(r" ", "  ", text, count=r.randint(1, 5))
            else:
                text = "\n" + text.rstrip() + "  \n\n"
        elif edit == "case":
            text = text.lower() if r.random() < 0.5 else text.upper() if words < 40 else \
                re.sub(r"^[^\n]*", lambda m: m.group(0).upper(), text, count=1)
        else:
            text = text.rstrip() + "\n\n" + r.choice(_BOILERPLATE)
    if text == original:  # e.g. pii_changed on a document without planted PII
        text = text.rstrip() + "\n\n" + r.choice(_BOILERPLATE)
        edits.append("boilerplate")
    return text, edits, introduced


def _fresh_value(values: FakeValues, kind: str) -> str:
    maker = {"PERSON": values.name, "EMAIL_ADDRESS": values.email, "PHONE_NUMBER": values.phone,
             "CREDIT_CARD": values.credit_card, "IBAN_CODE": values.iban, "US_SSN": values.ssn,
             "IP_ADDRESS": values.ipv4, "STREET_ADDRESS": values.address,
             "CRYPTO": values.bitcoin, "SECRET": values.password}[kind]
    return maker()


# --------------------------------------------------------------------------- malformed lines

MALFORMED_CLASSES = ("broken_json", "json_array", "json_scalar", "missing_text", "text_number",
                     "text_null", "invalid_utf8", "empty_text", "whitespace_text")
_BAD_BYTES = [b"\xff\xfe", b"\xe9", b"\xe2\x82", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80"]
_BAD_MARK = "@@INVALID-UTF8@@"


def _malformed_line(r: random.Random, kind: str, doc_id: str, sample_text: str) -> bytes:
    """One dirty input line of the given class (bytes: invalid UTF-8 must really be invalid)."""
    record = {"id": doc_id, "text": sample_text, "source": "template:comment"}
    if kind == "broken_json":
        full = json.dumps(record, ensure_ascii=False)
        return r.choice([full[:max(12, len(full) // 2)],  # a write cut short
                         full.replace('"text"', "text", 1),  # unquoted key
                         full[:-1] + ",}",  # trailing comma
                         "{'id': '" + doc_id + "', 'text': 'single quotes are not JSON'}"]).encode()
    if kind == "json_array":
        return r.choice([json.dumps([record]), json.dumps([doc_id, sample_text[:40]])]).encode()
    if kind == "json_scalar":
        return r.choice(["42", "3.14", '"just a string, not an object"', "null", "true"]).encode()
    if kind == "missing_text":
        return json.dumps({"id": doc_id, "body": sample_text, "source": "template:comment"}).encode()
    if kind == "text_number":
        return json.dumps({"id": doc_id, "text": r.choice([12345, 0, -7, 2.5])}).encode()
    if kind == "text_null":
        return json.dumps({"id": doc_id, "text": None}).encode()
    if kind == "invalid_utf8":
        words = sample_text.split()
        at = r.randint(0, len(words))
        text = " ".join(words[:at] + [_BAD_MARK] + words[at:])
        line = json.dumps({"id": doc_id, "text": text}, ensure_ascii=False).encode()
        return line.replace(_BAD_MARK.encode(), b"caf" + r.choice(_BAD_BYTES) + b" au lait")
    if kind == "empty_text":
        return json.dumps({"id": doc_id, "text": ""}).encode()
    if kind == "whitespace_text":
        return json.dumps({"id": doc_id, "text": r.choice([" ", "\n\n", " \t \n ", "\u00a0\u2003"])},
                          ensure_ascii=False).encode()
    raise ValueError(f"unknown malformed class {kind}")


# --------------------------------------------------------------------------- assembly

# Seven modes against four categories: every combination appears within 28 harmful documents.
_HARM_MODES = ["standalone", "buried", "obfuscated", "standalone", "buried", "obfuscated",
               "buried_obfuscated"]


@dataclass
class _Item:
    text: str
    source: str
    meta: Dict[str, object]
    pii: Dict[str, List[str]] = field(default_factory=dict)
    keep: Dict[str, List[str]] = field(default_factory=dict)
    pii_labelled: bool = True
    harm: Optional[str] = None
    harm_mode: Optional[str] = None
    harm_line: Optional[str] = None
    hard_benign: Optional[str] = None
    family: Optional[str] = None
    family_role: Optional[str] = None
    edits: List[str] = field(default_factory=list)
    jaccard_to_base: Optional[float] = None
    present_checked: bool = False  # pii/keep already hold only values the text shows


def _present(values: Dict[str, List[str]], text: str) -> Dict[str, List[str]]:
    """Planted values as they appear in the final text (edits may drop or re-case them)."""
    out = {}
    for kind in sorted(values):
        found = set()
        for value in values[kind]:
            for form in (value, value.lower(), value.upper()):
                if form and form in text:
                    found.add(form)
                    break
        if found:
            out[kind] = sorted(found)
    return out


def _real_item(kind: str, path: str, text: str) -> _Item:
    meta: Dict[str, object] = {"path": path}
    if kind == "man-l10n":  # /usr/share/man/<lang>/manN/page.N.gz
        meta["lang"] = path.split(os.sep)[-3]
    return _Item(text, f"real:{kind}", meta, pii_labelled=False)


# Every label line has the same keys; a malformed line has nothing planted.
_EMPTY_LABEL: Dict[str, object] = {
    "line": 0, "id": None, "malformed": None, "source": None, "pii_labelled": False, "pii": {},
    "keep": {}, "harm": None, "harm_mode": None, "harm_line": None, "hard_benign": None,
    "family": None, "family_role": None, "edits": [], "jaccard_to_base": None,
}


class CorpusGenerator:
    """Builds the documents; `lines()` returns the output as bytes plus one label per line."""

    def __init__(self, n: int, seed: int = 7, ratios: Optional[Ratios] = None,
                 malformed_each: int = 0, huge: int = 0) -> None:
        self.n, self.seed, self.huge = n, seed, huge
        self.ratios = ratios or Ratios()
        self.ratios.validate()
        self.malformed_each = malformed_each
        self.r = FastRandom(seed)
        self.values = FakeValues(seed, pool=min(6000, max(300, n // 8)))
        self.template_names = sorted(TEMPLATES)
        self.template_weights = [TEMPLATES[t][1] for t in self.template_names]

    # ---- single documents
    def _template_item(self, name: Optional[str] = None) -> _Item:
        name = name or self.r.choices(self.template_names, weights=self.template_weights)[0]
        d = _Doc(self.r, self.values)
        text = TEMPLATES[name][0](d)
        return _Item(text, f"template:{name}", {}, dict(d.pii), dict(d.keep))

    def _long_template_item(self, min_words: int = 0, min_chars: int = 0) -> _Item:
        """A benign document of at least `min_words` words and `min_chars` characters: a thread
        (or log, or digest) of same-template documents."""
        name = self.r.choice(["email", "forum_post", "support_ticket", "meeting_notes", "chat",
                              "server_log", "news_article"])
        parts: List[str] = []
        pii: Dict[str, List[str]] = defaultdict(list)
        keep: Dict[str, List[str]] = defaultdict(list)
        words = chars = 0
        while not parts or words < min_words or chars < min_chars:
            part = self._template_item(name)
            parts.append(part.text)
            words += len(part.text.split())
            chars += len(part.text) + 2
            # check presence part by part: scanning a megabyte once per planted value is slow
            for merged, more in ((pii, _present(part.pii, part.text)),
                                 (keep, _present(part.keep, part.text))):
                for kind, vals in more.items():
                    merged[kind].extend(vals)
        return _Item("\n\n".join(parts), f"template:{name}", {}, dict(pii), dict(keep),
                     present_checked=True)

    def _harmful_item(self, index: int, carriers: List[Tuple[str, str, str]]) -> _Item:
        categories = sorted(_HARMFUL)
        category = categories[index % len(categories)]
        r = self.r
        mode = _HARM_MODES[index % len(_HARM_MODES)]
        line = _harmful_line(_Doc(r, self.values), category, "obfuscated" in mode)
        if mode.startswith("buried"):
            if carriers and r.random() < 0.4:
                kind, path, text = carriers.pop()
                item = _real_item(kind, path, text)
            else:
                item = self._long_template_item(min_words=r.choice([150, 150, 400, 1500]))
            lines = item.text.split("\n")
            at = r.randint(len(lines) // 4, max(len(lines) // 4, 3 * len(lines) // 4))
            item.text = "\n".join(lines[:at] + [line] + lines[at:])
        else:
            context = self._template_item("comment") if r.random() < 0.75 else None
            text = line if context is None else r.choice([f"{line} {context.text}",
                                                            f"{context.text}\n\n{line}"])
            item = _Item(text, "template:comment", {},
                         context.pii if context else {}, context.keep if context else {})
        item.harm, item.harm_mode, item.harm_line = category, mode, line
        return item

    def _hard_benign_item(self, kind: str) -> _Item:
        d = _Doc(self.r, self.values)
        passage = _hard_benign(d, kind)
        if self.r.random() < 0.6:
            item = _Item(passage, "template:comment", {}, {}, dict(d.keep))
        else:
            item = self._template_item(self.r.choice(["forum_post", "email", "chat"]))
            item.text = item.text + "\n\n" + passage
            for kind_, vals in d.keep.items():
                item.keep[kind_] = item.keep.get(kind_, []) + vals
        item.hard_benign = kind
        return item

    # ---- the corpus
    def documents(self) -> List[_Item]:
        r, ratios, n = self.r, self.ratios, self.n
        n_near, n_exact = round(n * ratios.near_dup), round(n * ratios.exact_dup)
        n_unique = n - n_near - n_exact
        n_harm, n_hard = round(n * ratios.harmful), round(n * ratios.hard_benign)
        n_real = min(round(n * ratios.real), max(0, n_unique - n_harm - n_hard))
        harvested = Harvest(self.seed).take(n_real + n_harm) if n_real + n_harm else []
        # English harm goes into English carriers: a threat inside a French man page tests
        # language detection more than harm detection
        real, carriers = harvested[:n_real], [c for c in harvested[n_real:]
                                                 if len(c[2].split()) >= 150 and c[0] != "man-l10n"]
        items = [_real_item(kind, path, text) for kind, path, text in real]
        items += [self._harmful_item(i, carriers) for i in range(n_harm)]
        kinds = sorted(_HARD_BENIGN)
        items += [self._hard_benign_item(kinds[i % len(kinds)]) for i in range(n_hard)]
        items += [self._long_template_item(min_words=int(2000 * 10 ** r.random()))
                  for _ in range(min(round(n * ratios.long), n_unique - len(items)))]
        # over spaCy's default max_length (1,000,000 characters): stages must chunk, not crash
        items += [self._long_template_item(min_chars=1_050_000)
                  for _ in range(min(self.huge, n_unique - len(items)))]
        while len(items) < n_unique:
            items.append(self._template_item())
        del items[n_unique:]  # rounding of the shares can overshoot by one or two
        self._add_families(items, n_near, n_exact)
        r.shuffle(items)
        return items

    def _add_families(self, items: List[_Item], n_near: int, n_exact: int) -> None:
        r = self.r
        eligible = [i for i, it in enumerate(items)
                    if it.harm is None and len(it.text) < 50_000 and len(it.text.split()) >= 50]
        r.shuffle(eligible)
        family = 0
        while (n_near or n_exact) and eligible:
            base = items[eligible.pop()]
            family += 1
            base.family, base.family_role = f"fam-{family:05d}", "base"
            for _ in range(r.choice([1, 1, 1, 2, 2, 3, 4, 5])):
                if not (n_near or n_exact):
                    break
                exact = n_exact and (not n_near or r.random() < n_exact / (n_near + n_exact))
                if exact:
                    n_exact -= 1
                    text, edits, introduced = base.text, ["exact"], {}
                else:
                    n_near -= 1
                    text, edits, introduced = _near_copy(r, base.text, self.values, base.pii)
                pii = {k: base.pii.get(k, []) + introduced.get(k, [])
                       for k in set(base.pii) | set(introduced)}
                items.append(_Item(text, base.source, dict(base.meta), pii, dict(base.keep),
                                   base.pii_labelled, hard_benign=base.hard_benign,
                                   family=base.family, family_role="exact" if exact else "near",
                                   edits=edits,
                                   jaccard_to_base=1.0 if exact else round(jaccard(base.text, text), 4)))

    @staticmethod
    def _labelled(item: _Item, values: Dict[str, List[str]]) -> Dict[str, List[str]]:
        if item.present_checked:
            return {kind: sorted(set(vals)) for kind, vals in sorted(values.items()) if vals}
        return _present(values, item.text)

    def lines(self) -> Tuple[List[bytes], List[Dict[str, object]]]:
        """Output lines (no trailing newline) and the label of each, in file order."""
        r = self.r
        items = self.documents()
        no_id = set(r.sample(range(len(items)), min(len(items), round(len(items) * self.ratios.no_id))))
        bad = [kind for kind in MALFORMED_CLASSES for _ in range(self.malformed_each)]
        r.shuffle(bad)
        slots = sorted(r.randint(0, len(items)) for _ in bad)
        out: List[bytes] = []
        labels: List[Dict[str, object]] = []
        counter = 0
        bad_iter = iter(zip(slots, bad))
        pending = next(bad_iter, None)
        for position, item in enumerate(items + [None]):
            while pending is not None and pending[0] == position:
                counter += 1
                doc_id = f"doc-{counter:06d}"
                sample = self._template_item("comment").text
                out.append(_malformed_line(r, pending[1], doc_id, sample))
                unreadable = pending[1] in ("broken_json", "json_array", "json_scalar")
                labels.append(dict(_EMPTY_LABEL, line=len(out), id=None if unreadable else doc_id,
                                   malformed=pending[1]))
                pending = next(bad_iter, None)
            if item is None:
                break
            record: Dict[str, object] = {}
            doc_id = None
            if position not in no_id:
                counter += 1
                doc_id = record["id"] = f"doc-{counter:06d}"
            record["text"] = item.text
            record["source"] = item.source
            record["meta"] = dict(item.meta, collected=f"{r.randint(2019, 2025)}-"
                                                       f"{r.randint(1, 12):02d}-{r.randint(1, 28):02d}")
            out.append(json.dumps(record, ensure_ascii=False).encode("utf-8"))
            labels.append({
                "line": len(out), "id": doc_id, "malformed": None, "source": item.source,
                "pii_labelled": item.pii_labelled, "pii": self._labelled(item, item.pii),
                "keep": self._labelled(item, item.keep), "harm": item.harm,
                "harm_mode": item.harm_mode, "harm_line": item.harm_line,
                "hard_benign": item.hard_benign, "family": item.family,
                "family_role": item.family_role, "edits": item.edits,
                "jaccard_to_base": item.jaccard_to_base,
            })
        return out, labels


def write_corpus(out_path: str, n: int, seed: int = 7, labels_path: Optional[str] = None,
                 ratios: Optional[Ratios] = None, malformed_each: int = 0, huge: int = 0
                 ) -> Dict[str, int]:
    """Generate and write the corpus (and labels); returns a few counts for the summary."""
    lines, labels = CorpusGenerator(n, seed, ratios, malformed_each, huge).lines()
    with open(out_path, "wb") as handle:
        handle.write(b"\n".join(lines) + b"\n")
    if labels_path:
        with open(labels_path, "w", encoding="utf-8") as handle:
            for label in labels:
                handle.write(json.dumps(label, ensure_ascii=False) + "\n")
    good = [lab for lab in labels if lab["malformed"] is None]
    return {
        "lines": len(lines), "documents": len(good),
        "real": sum(lab["source"].startswith("real:") for lab in good),
        "harmful": sum(lab["harm"] is not None for lab in good),
        "hard_benign": sum(lab["hard_benign"] is not None for lab in good),
        "with_planted_pii": sum(bool(lab["pii"]) for lab in good),
        "families": len({lab["family"] for lab in good if lab["family"]}),
        "near_copies": sum(lab["family_role"] == "near" for lab in good),
        "exact_copies": sum(lab["family_role"] == "exact" for lab in good),
        "without_id": sum(lab["id"] is None for lab in good),
        "lines_over_1MB": sum(len(line) > 1_000_000 for line in lines),
        "malformed": len(labels) - len(good),
    }


def main(argv: Optional[List[str]] = None) -> int:
    defaults = Ratios()
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of documents (malformed lines extra)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="output JSONL path")
    parser.add_argument("--labels", help="write per-line ground truth here (JSONL)")
    parser.add_argument("--malformed", action="store_true", help="intersperse malformed lines")
    parser.add_argument("--malformed-each", type=int, default=None,
                        help="malformed lines per class (default: max(2, n // 2000))")
    parser.add_argument("--huge", type=int, default=0,
                        help="documents over 1,000,000 characters (spaCy's limit); default 0")
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=value,
                            help=f"share of documents (default {value})")
    args = parser.parse_args(argv)
    ratios = Ratios(**{name: getattr(args, name) for name in asdict(defaults)})
    if args.n < 1:
        parser.error("--n must be a positive number of documents")
    try:
        ratios.validate()
    except ValueError as error:
        parser.error(str(error))
    each = 0
    if args.malformed:
        each = args.malformed_each if args.malformed_each is not None else max(2, args.n // 2000)
    started = time.perf_counter()
    counts = write_corpus(args.out, args.n, args.seed, args.labels, ratios, each, args.huge)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    print("| " + " | ".join(counts) + " |")
    print("|" + "---|" * len(counts))
    print("| " + " | ".join(str(v) for v in counts.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
