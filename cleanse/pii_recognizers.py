"""The recognizers behind the PII stage: small Presidio recognizers whose rules we control.

Presidio's defaults were built for short business records; on pre-training text they destroy
meaning (weekdays and years as DATE_TIME, order numbers as bank accounts, tech names as
people) and still miss secrets. Each class here finds one kind of value with a pattern plus a
validation rule (checksum, range, context) that rejects look-alikes, so a match is redacted
with confidence and a non-match is left alone.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import re
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from presidio_analyzer import LocalRecognizer, RecognizerResult

Span = Tuple[int, int]


class RegexRecognizer(LocalRecognizer):
    """A recognizer made of compiled patterns and a `keep` rule for each candidate.

    Presidio's PatternRecognizer runs the slower `regex` module and cannot reject a match
    by looking at the text around it, which most of our false-positive rules need.
    """

    ENTITY = ""
    SCORE = 0.9
    PATTERNS: Sequence[re.Pattern] = ()

    def __init__(self, supported_language: str = "en"):
        super().__init__(supported_entities=[self.ENTITY], supported_language=supported_language,
                         name=type(self).__name__)

    # Names of PATTERNS, in order, for `cleanse explain`; unnamed ones are "<Class>.pattern<N>".
    PATTERN_NAMES: Sequence[str] = ()
    # Set by `cleanse.pii_explain` only: every candidate is recorded there.
    trace = None

    def load(self) -> None:  # patterns are compiled at import time
        pass

    def pattern_name(self, index: int) -> str:
        return self.PATTERN_NAMES[index] if index < len(self.PATTERN_NAMES) else f"{self.name}.pattern{index}"

    def analyze(self, text, entities, nlp_artifacts=None) -> List[RecognizerResult]:
        results = []
        self._fired = {}
        for start, end in self.find(text):
            if self.trace is not None:
                from cleanse.pii_registry import TraceEvent
                self.trace.add(TraceEvent(self.ENTITY, self.name, self._fired.get((start, end), f"{self.name}.structure"),
                                          start, end, True, None, self.SCORE))
            results.append(RecognizerResult(self.ENTITY, start, end, self.SCORE,
                                            recognition_metadata={
                                                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                                            }))
        return results

    def find(self, text: str) -> Iterable[Span]:
        for index, pattern in enumerate(self.PATTERNS):
            for match in pattern.finditer(text):
                span = self.keep(match, text)
                if self.trace is not None:
                    self._record(index, match, span)
                if span:
                    yield span

    def _record(self, index: int, match: re.Match, span: Optional[Span]) -> None:
        from cleanse.pii_registry import TraceEvent
        name = self.pattern_name(index)
        if span:
            self._fired[span] = name
        else:
            self.trace.add(TraceEvent(self.ENTITY, self.name, name, match.start(), match.end(), False,
                                      "rejected by validation (checksum, shape or context)"))

    def keep(self, match: re.Match, text: str) -> Optional[Span]:
        """The span to redact for this match, or None when validation rejects it."""
        return match.span()


def _before(text: str, start: int, width: int = 40) -> str:
    return text[max(0, start - width):start].lower()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


# --------------------------------------------------------------------------- e-mail


class EmailAddressRecognizer(RegexRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    SCORE = 1.0
    _LOCAL_CHAR = r"[\w.!#$%&'*+/=?^`{|}~-]"
    _DOMAIN = r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.[^\W\d_]{2,24}"
    PATTERN_NAMES = ('email.address', 'email.bracketed_at_dot', 'email.spelled_out')
    PATTERNS = (
        # Starts only where a local part can start (not inside a run of its characters) and
        # is at most 64 characters (RFC 5321): long runs of symbols stay linear to scan.
        re.compile(rf"(?<!{_LOCAL_CHAR}){_LOCAL_CHAR}{{1,64}}@{_DOMAIN}\b"),
        # Obfuscated addresses people write on forums: "jane [at] example [dot] org".
        re.compile(r"(?<![\w.+-])[\w.+-]+\s*[\[({<]\s*at\s*[\])}>]\s*[\w-]+"
                   r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*[\w-]+)+", re.IGNORECASE),
        # Spelled out: "marta dot kovac at proton dot me", "j.doe AT example DOT org". The
        # domain must end in a top-level domain, so "look at this dot" is prose.
        re.compile(r"(?<![\w.+-])[\w+-]+(?:(?:\s+dot\s+|\.)[\w+-]+)*\s+(?:at|AT)\s+[\w-]+"
                   r"(?:\s+(?:dot|DOT)\s+[\w-]+)*\s+(?:dot|DOT)\s+(?i:com|org|net|edu|gov|io|co|me|info|biz|dev|app|"
                   r"ai|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|ca|au|nz|in|jp|br|mx|ru|cn|example|email|mail)\b"),
    )

    _URL_USERINFO = re.compile(r"[a-z][a-z0-9+.-]{1,20}://[^\s/@]*:?$", re.IGNORECASE)
    _MAIL_CUE = re.compile(r"(?i:e-?mail|mail|contact|reach|write|send|drop|ping|address)")

    def keep(self, match, text):
        start, end = match.span()
        if match.re is self.PATTERNS[2]:
            local = re.split(r"\s+(?:at|AT)\s+", match.group())[0]
            if not re.search(r"[\d._+-]|\sdot\s", local) and not self._MAIL_CUE.search(text, max(0, start - 40), start):
                return None  # "look at this dot com": prose, unless the text offers an address
            return start, end
        # "redis://:pw@cache", "https://key@o1.ingest.sentry.io": the user part of a URL, not
        # a mailbox (a password there is the SecretRecognizer's).
        if text.startswith("//", start) or self._URL_USERINFO.search(text, max(0, start - 80), start):
            return None
        # A dot ending a sentence is not part of the address, nor is an opening quote.
        while end > start and text[end - 1] in ".-":
            end -= 1
        while start < end and text[start] in "'`{|":
            start += 1
        return start, end


# --------------------------------------------------------------------------- phone


_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|mobile|mob|cell|cellphone|call|calling|fax|whatsapp|sms|text|"
    r"contact|reach|dial|ph|hotline|landline|number|ping|ring|me at|viber|signal|telegram)\b|☎|📞", re.IGNORECASE)
_NOT_PHONE_CONTEXT = re.compile(
    r"(?:\b(?:order|invoice|ticket|case|ref|reference|tracking|account|acct|id|sku|isbn|issn|"
    r"serial|version|build|patch|release|part|model|item|po|batch|lot|doi|pmid|arxiv|port|pid|"
    r"commit|page|pages|pp|vol|volume|no|nr|zip|postcode|code|routing|iban|swift|"
    # Company, tax, health and membership registers: "SIRET 823 114 507 00021", "P.IVA 05518830481".
    r"siret|siren|vat|iva|ust-?id(?:nr)?|abn|acn|gst(?:in)?|ein|mrn|nhs|hrb|hra|cif|nif|nie|kvk|btw|uid|crn|"
    r"cvr|se-?nr|org\.?[ \t]?nr|organisationsnummer|y-tunnus|krs|regon|nip|cnpj|handelsregister|"
    r"companies[ \t]+house|(?:company|registration|register|kvk|cvr|reg\.?)[ \t]*(?:number|nummer|nr)|"
    r"registration|reg|licen[cs]e|policy|membership|member|claim|passport|aadhaar|patient|file|p/n|pn|mpn)\b\W{0,3}|#\s*|〒\s*)$",
    re.IGNORECASE)
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d(?:\s*[-–,]\s*(?:19|20)\d\d)+")
_DATE_LIKE = re.compile(
    r"(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)?\d\d"
    r"|(?:19|20)\d\d\s*[-/–]\s*(?:19|20)\d\d)")


class PhoneNumberRecognizer(RegexRecognizer):
    """Phone numbers in national and international formats, with extensions.

    A candidate is a run of digit groups on one line; it is a phone when its shape says so (a
    +/00 country prefix, an area code in parentheses, a trunk 0, separators grouping 7-15
    digits the way numbering plans do) or when a phone word stands right before it. Dates,
    year ranges, thousands-grouped quantities, Unix timestamps and numbers labelled as orders,
    versions or ISBNs are not.
    """

    ENTITY = "PHONE_NUMBER"
    SCORE = 0.75
    PATTERN_NAMES = ('phone.digit_groups',)
    PATTERNS = (re.compile(
        r"(?<![\w.+/:#-])"
        r"(?P<prefix>(?:\+|\b00)[ \t]?\d{1,3}(?:[ \t]?\(0\))?[ \t.-]?)?"
        r"(?P<body>(?:\([ \t]?\+?\d{1,5}[ \t]?\)[ \t.-]?)?\d{1,12}"
        r"(?:(?:[ \t]?[.-][ \t]?|[ \t]|/)\(?\d{1,12}\)?){0,6})"
        r"(?P<ext>[ \t]*(?:x|ext\.?|extension|#)[ \t]*\d{1,6})?"
        r"(?![\w]|[.-]\d)", re.IGNORECASE),)

    # Links in markup: href="tel:+442079460123", sms:, callto:; the number is the link target.
    _LINK = re.compile(r"(?<![\w-])(?i:tel|callto|sms):(?://)?(?P<v>\+?[\d(][\d().-]*(?:%20[\d().-]+)*\d)(?![\w])")

    def find(self, text):
        yield from super().find(text)
        if ":" in text:
            for match in self._LINK.finditer(text):
                if 7 <= len(_digits(match.group("v"))) - 2 * match.group("v").count("%20") <= 15:
                    yield match.span("v")

    def keep(self, match, text):
        start, end = match.span()
        prefix, body, ext = match.group("prefix"), match.group("body"), match.group("ext")
        core = (prefix or "") + body
        digits = _digits(core)
        if not 7 <= len(digits) <= 15:
            return None
        context_before = _before(text, start, 48)
        # The line around the candidate, looked for within a bounded window: an unbounded
        # search would make a long line of numbers quadratic.
        window_start, window_end = max(0, start - 300), min(len(text), end + 300)
        line_start = text.rfind("\n", window_start, start) + 1 or window_start
        line_end = text.find("\n", end, window_end)
        line = text[line_start:line_end if line_end >= 0 else window_end]
        # A phone word just before, or an e-mail address on the same line (a contact line).
        has_context = bool(_PHONE_CONTEXT.search(context_before)) or "@" in line
        # A register label right before the number wins over a phone word further back
        # ("WhatsApp +33 6 52 18 77 04\nSIRET 823 114 507 00021"), but not over one that
        # names the field itself ("Tel. No. 020 7946 0958").
        # A VAT number carries its country prefix between label and digits: "VAT GB 123 4567 89".
        label = _NOT_PHONE_CONTEXT.search(re.sub(r"\b(vat|tva|iva|mwst|btw|moms|ust-?idnr)((?:\W{0,3}(?:no|nr|number|id|reg)\b)?"
                                                 r"\W{0,3})[a-z]{2}[ \t]*$",
                                                 r"\1\2", context_before.rstrip()))
        if label and not _PHONE_CONTEXT.search(context_before, max(0, label.start() - 16), label.start()):
            return None
        stripped = core.strip()
        if _DATE_LIKE.match(stripped):
            return None  # a date, or a date and time
        groups = re.findall(r"\d+", core)
        international = bool(prefix) or stripped.startswith("+")
        if stripped.startswith("00") and len(groups) == 1 and len(digits) < 11 and not has_context:
            return None  # "MRN 00874412": a zero-padded id, too short for 00 + country + number
        if not international and "(" not in core and not self._national_shape(stripped, groups, digits,
                                                                             has_context, context_before):
            return None
        return start, end if ext else start + len(core.rstrip())

    @staticmethod
    def _national_shape(core: str, groups: List[str], digits: str, has_context: bool, context_before: str) -> bool:
        if _looks_like_isbn(digits, context_before) or _looks_like_card(digits):
            return False
        if len(groups) == 1:
            # A bare run of digits is an id, a timestamp or an order number unless it has a
            # national phone shape: ten digits not starting with 0/1 (NANP, Indian mobiles),
            # or a trunk 0 followed by 9-10 digits.
            if has_context:
                return 8 <= len(digits) <= 13
            return (len(digits) == 10 and digits[0] in "23456789") or \
                (len(digits) in (10, 11) and digits[0] == "0" and digits[1] != "0")
        if len(groups) == 4 and "." in core and all(len(g) <= 3 for g in groups):
            return False  # dotted quad: an IP address or a version
        if sum(len(g) == 1 for g in groups) > 1:
            return False  # "1 2 3 4 5 6 7": a list of numbers
        if has_context:
            return True
        if all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3:
            return False  # 1 234 567 / 12.345.678: a quantity
        if len(groups) == 2:
            if re.fullmatch(r"\d{5}-\d{4}", core):
                return False  # a US ZIP+4 code
            return bool(re.fullmatch(r"\d{3,4}-\d{4}", core)) or (digits[0] == "0" and len(digits) >= 9)
        return True


def _looks_like_isbn(digits: str, context_before: str) -> bool:
    if "isbn" in context_before[-12:]:
        return True
    if len(digits) == 13 and digits[:3] in ("978", "979"):
        return sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10 == 0
    return False


# --------------------------------------------------------------------------- payment


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


# Issuer prefixes (IIN ranges) of Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay and
# Maestro; a Luhn-valid number outside them is more likely an id than a card.
_CARD_PREFIX = re.compile(r"4|5[0-8]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(?:0[0-5]|[5689])|6\d|1800|2131|0604")


def _looks_like_card(digits: str, context: bool = False) -> bool:
    if not (12 <= len(digits) <= 19 and luhn_valid(digits)):
        return False
    if len(digits) == 12 and not (context or re.match(r"5[06-8]|6", digits)):
        return False  # 12 digits: Maestro only
    return context or bool(_CARD_PREFIX.match(digits))


class CardNumberRecognizer(RegexRecognizer):
    """Card numbers: an issuer prefix, 13-19 digits in the usual groupings, and Luhn."""

    ENTITY = "CREDIT_CARD"
    SCORE = 1.0
    # Groups may be split by a line break (wrapped or pasted text): "4539 1488\n0343 6467".
    PATTERN_NAMES = ('card.luhn_issuer',)
    PATTERNS = (re.compile(r"(?<![\w.-])(?:\d(?:[ -]|[ \t]*\r?\n[ \t]*)?){11,18}\d(?![\w]|[.-]\d)"),)
    _CONTEXT = re.compile(r"\b(?:card|credit|debit|visa|mastercard|amex|maestro|cc|pan|payment|paid)\b",
                          re.IGNORECASE)

    def keep(self, match, text):
        value = match.group()
        separators = set(re.sub(r"\d", "", re.sub(r"[ \t]*\r?\n[ \t]*", " ", value)))
        if len(separators) > 1:
            return None
        context = bool(self._CONTEXT.search(_before(text, match.start(), 40)))
        return match.span() if _looks_like_card(_digits(value), context) else None


def iban_valid(iban: str) -> bool:
    iban = re.sub(r"\s", "", iban).upper()
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


class IbanChecksumRecognizer(RegexRecognizer):
    """IBANs, compact or in groups of four, accepted only when the mod-97 checksum holds."""

    ENTITY = "IBAN_CODE"
    SCORE = 1.0
    PATTERN_NAMES = ('iban.mod97',)
    PATTERNS = (re.compile(r"\b[A-Z]{2}\d{2}(?:(?:[ ]|[ \t]*\r?\n[ \t]*)?[A-Z0-9]{4}){2,7}"
                           r"(?:(?:[ ]|[ \t]*\r?\n[ \t]*)?[A-Z0-9]{1,3})?\b", re.IGNORECASE),)

    def keep(self, match, text):
        value = match.group()
        # Lower case only where the text says IBAN: a hex digest passes mod-97 once in 97.
        if not value[:2].isupper() and "iban" not in _before(text, match.start(), 30):
            return None
        # The regex may take a following word group; shrink until the checksum agrees.
        while len(re.sub(r"\s", "", value)) >= 15:
            if iban_valid(value):
                return match.start(), match.start() + len(value)
            value = value[:-1].rstrip()
        return None


# --------------------------------------------------------------------------- network


_VERSION_CONTEXT = re.compile(r"(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bkernel|\bfirmware)\s*$",
                              re.IGNORECASE)


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return value.count(":") >= 5


class IpAddressRecognizer(RegexRecognizer):
    """IPv4 (each octet 0-255) and IPv6 (anything `ipaddress` parses), not versions."""

    ENTITY = "IP_ADDRESS"
    SCORE = 0.95
    PATTERN_NAMES = ('ip.v4', 'ip.v6')
    PATTERNS = (
        re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)"),
        re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
                   r"(?![\w:])"),
    )

    def keep(self, match, text):
        value = match.group()
        if ":" not in value:
            if _VERSION_CONTEXT.search(text[max(0, match.start() - 12):match.start()]):
                return None
        elif value.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", value):
            return None
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            # "fe80::1:5432" in a URL: an IPv6 address with a port after it.
            host = value.rsplit(":", 1)[0]
            if ":" not in value or not _valid_ip(host):
                return None
            return match.start(), match.start() + len(host)
        # The machine itself (127.0.0.1, ::1) or "any address" (0.0.0.0) names no one.
        if address.is_loopback or address.is_unspecified:
            return None
        return match.span()


# --------------------------------------------------------------------------- identity numbers


class SsnRecognizer(RegexRecognizer):
    """US Social Security numbers that the SSA could have issued.

    Dashed or spaced 3-2-4 numbers are SSNs on their own; a bare nine-digit number only when
    the text calls it one.
    """

    ENTITY = "US_SSN"
    SCORE = 0.95
    PATTERN_NAMES = ('ssn.area_group_serial',)
    PATTERNS = (re.compile(r"(?<![\w.-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w]|[.-]\d)"),)
    _CONTEXT = re.compile(r"\b(?:ssn|ss#|social security|social sec|taxpayer|tin)\b", re.IGNORECASE)

    def keep(self, match, text):
        area, sep, group, serial = match.groups()
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            return None
        if not sep and not self._CONTEXT.search(_before(text, match.start(), 40)):
            return None
        return match.span()


# --------------------------------------------------------------------------- crypto


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check_valid(value: str) -> bool:
    number = 0
    for ch in value:
        index = _B58.find(ch)
        if index < 0:
            return False
        number = number * 58 + index
    raw = number.to_bytes(25, "big") if number.bit_length() <= 200 else b""
    if len(raw) != 25:
        return False
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_valid(value: str) -> bool:
    value = value.lower()
    hrp, _, data = value.rpartition("1")
    if not hrp or len(data) < 6 or any(ch not in _BECH32 for ch in data):
        return False
    values = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    values += [_BECH32.index(ch) for ch in data]
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for v in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            checksum ^= generators[i] if (top >> i) & 1 else 0
    return checksum in (1, 0x2BC830A3)  # bech32, bech32m


class CryptoWalletRecognizer(RegexRecognizer):
    """Bitcoin (base58check, bech32/bech32m) and Ethereum addresses."""

    ENTITY = "CRYPTO"
    SCORE = 1.0
    PATTERN_NAMES = ('crypto.base58check', 'crypto.bech32', 'crypto.ethereum')
    PATTERNS = (
        re.compile(r"\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b"),
        re.compile(r"\b(?:bc|tb)1[02-9ac-hj-np-z]{11,71}\b", re.IGNORECASE),
        re.compile(r"\b0x[0-9a-fA-F]{40}\b"),
    )

    def keep(self, match, text):
        value = match.group()
        if value.startswith("0x"):
            return match.span()
        if value[0] in "13":
            return match.span() if base58check_valid(value) else None
        return match.span() if bech32_valid(value) else None


# --------------------------------------------------------------------------- street addresses


_CORE_SUFFIXES = (
    "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Ter|"
    "Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Alley|Crescent|Cres|Close|Trail|Trl|Turnpike|"
    "Expressway|Freeway|Motorway|Causeway|Stravenue|Plaza|Mews|Row|Way")
# USPS suffixes that are also ordinary words ("Park", "View", "Center"): accepted only with a
# street-like building number, because "10 Key Points" is not an address.
_WORD_SUFFIXES = (
    "Branch|Bridge|Brook|Brooks|Burg|Burgs|Bypass|Camp|Canyon|Cape|Center|Centers|Circles|Cliff|"
    "Cliffs|Club|Common|Corner|Corners|Course|Courts|Cove|Coves|Creek|Crest|Crossing|Crossroad|"
    "Curve|Dale|Dam|Divide|Drives|Estate|Estates|Extension|Extensions|Fall|Falls|Ferry|Field|"
    "Fields|Flat|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Garden|Gardens|Gateway|Glen|"
    "Glens|Green|Greens|Grove|Groves|Harbor|Harbors|Haven|Heights|Hill|Hills|Hollow|Inlet|Island|"
    "Islands|Isle|Junction|Junctions|Key|Keys|Knoll|Knolls|Lake|Lakes|Land|Landing|Light|Lights|"
    "Loaf|Lock|Locks|Lodge|Loop|Mall|Manor|Manors|Meadow|Meadows|Mill|Mills|Mission|Mount|Mountain|"
    "Mountains|Neck|Orchard|Oval|Overpass|Park|Parks|Parkways|Pass|Passage|Path|Pike|Pine|Pines|"
    "Plain|Plains|Point|Points|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|Rest|Ridge|Ridges|"
    "River|Roads|Route|Rue|Run|Shoal|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Spurs|Squares|"
    "Station|Stream|Streets|Summit|Throughway|Trace|Track|Trafficway|Tunnel|Underpass|Union|Unions|"
    "Valley|Valleys|Via|Viaduct|View|Views|Village|Villages|Ville|Vista|Walk|Walks|Wall|Ways|Well|"
    "Wells")
_STREET_WORD = r"(?:[A-Z][\w'.-]*|\d{1,3}(?:st|nd|rd|th))"
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|#)\.?\s*#?\s*[\w-]{1,6})"
_CITY_STATE_ZIP = r"(?:,?\s*\n?\s*[A-Z][\w'.-]*(?:\s[A-Z][\w'.-]*){0,3},?\s+[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?)"


_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"


class StreetAddressRecognizer(RegexRecognizer):
    """US/UK-style street lines ("1600 Pennsylvania Avenue NW, Suite 4"), with the city,
    state and ZIP that follow when present."""

    ENTITY = "STREET_ADDRESS"
    SCORE = 0.85
    PATTERN_NAMES = ('street.number_name_suffix',)
    PATTERNS = (re.compile(
        # The number and the street name share a line: "2016\n\nREFERENCES\nDr." is a year,
        # a heading and a title.
        rf"(?<![\w.,-])(?P<number>\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?)[ \t]+(?:[NSEW]\.?[ \t]+)?"
        rf"(?P<name>(?:{_STREET_WORD}[ \t]+){{1,4}}?)"
        rf"(?P<suffix>(?:{_CORE_SUFFIXES})\b\.?|(?:{_WORD_SUFFIXES})\b)"
        rf"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b\.?)?{_UNIT}?{_CITY_STATE_ZIP}?"),
        # Unit first, street after: "Suite 400\n85 Pine Street" is covered by the first
        # pattern; "Apt. 5B, 12 Rue de Rivoli" style lines are too rare to justify a rule.
    )
    _CORE = re.compile(rf"(?:{_CORE_SUFFIXES})\.?", re.IGNORECASE)
    # The unit written first, as in the UK and Australia, maybe with a building name:
    # "Flat 4, 27 Hartington Road", "Unit 3, Quayside House, 41 Canute Road".
    _UNIT_FIRST = re.compile(r"(?<![\w-])(?:Unit|Flat|Apt|Apartment|Suite|Ste|Shop|Level|Floor)\.?[ \t]*#?[\w-]{1,6}"
                             r"[ \t]*[,/][ \t]*(?:[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,3}[ \t]*,[ \t]*)?$")

    # vCard ADR: post box;extended;street;town;region;postcode;country. The street parts and
    # the postcode locate a home; town, region and country alone do not.
    _VCARD_ADDRESS = re.compile(r"(?m)^(?:item\d+\.)?ADR(?:;[^:\n]*)?:(?P<value>[^\n]*)")
    _VCARD_PERSONAL_PARTS = (0, 1, 2, 5)
    # Polish streets with their house number, without a postcode: "ul. Piotrkowska 112",
    # "al. Jana Pawła II 27/4", "pl. Grunwaldzki 3".
    _ABBREVIATED_STREET = re.compile(r"(?<![\w.])(?:ul|al|pl|os)\.[ \t]*[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,3}?"
                                     r"[ \t]+\d{1,4}[a-zA-Z]?(?:[ \t]?/[ \t]?\d{1,4}[a-zA-Z]?)?(?![\w/-]|[.,]\d)")
    # A Japanese postcode is marked: "〒100-0001 東京都千代田区千代田1-1".
    _JAPANESE_POSTAL = re.compile(r"〒[ \t]?\d{3}-?\d{4}(?:[ \t]*[^\s,;<>|][^\n,;<>|]{0,60})?")

    # Europe writes the house number after the street ("Via Garibaldi 27", "Calle de Toledo 54",
    # "Lindenstraße 14", "Keizersgracht 123") or the street word first after it ("8 rue des
    # Lilas"). The street word is the anchor; a number must follow or open it.
    _EU_STREET_WORD = (r"(?:Via|Viale|Piazza|Piazzale|Corso|Vicolo|Largo|Strada|Calle|C/|Avenida|Avda\.?|Paseo|Plaza|"
                       r"Pasaje|Carrer|Camino|Carretera|Ronda|Rua|Travessa|Praça|Largo|Rue|Avenue|Boulevard|Bd|Chemin|"
                       r"Allée|Impasse|Quai|Place|Cours|Route|Straße|Strasse|Platz|Weg|Ulica|Aleja|Gatan|Vägen)")
    _EU_PARTICLE = r"(?:de|del|della|delle|dei|degli|di|da|dal|des|du|la|le|les|l'|d'|dos|das|do|am|an|der|den|im|von|van|y)"
    _EU_NAME = rf"[{_UPPER}\d][\w'’.-]*"
    _EU_STREET_FIRST = re.compile(
        rf"(?<![\w-]){_EU_STREET_WORD}[ \t]+(?:{_EU_PARTICLE}[ \t]+|{_EU_PARTICLE}(?=[{_UPPER}]))*{_EU_NAME}"
        rf"(?:[ \t]+(?:{_EU_PARTICLE}[ \t]+)*{_EU_NAME}){{0,3}},?[ \t]+(?:n[°º.]?[ \t]*)?"
        rf"(?!(?:19|20)\d\d\b)\d{{1,4}}[a-zA-Z]?(?:[ \t]?[/-][ \t]?\d{{1,4}}[a-zA-Z]?)?(?![\w,.]\d|\d|[\w])")
    _EU_NUMBER_FIRST = re.compile(
        rf"(?<![\w.,-])\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse|place|"
        rf"quai|cours|route|via|viale|piazza|corso|calle|avenida|rua)[ \t]+(?:{_EU_PARTICLE}[ \t]+|{_EU_PARTICLE}(?=[{_UPPER}]))*"
        rf"{_EU_NAME}(?:[ \t]+(?:{_EU_PARTICLE}[ \t]+)*[{_UPPER}][\w'’.-]*){{0,3}}")
    # Compound street names: "Lindenstraße 14", "Schillerstr. 88", "Keizersgracht 123", "Drottninggatan 5".
    _EU_COMPOUND = re.compile(
        rf"(?<![\w-])(?:[{_UPPER}][\w'’-]*(?:er|e|es|en)[ \t])?[{_UPPER}][\w'’-]*(?:straße|strasse|str\.|gasse|weg|allee|platz|damm|ufer|"
        rf"chaussee|steig|pfad|straat|laan|gracht|plein|kade|singel|dreef|gatan|vägen|gata|gate|veien|vej|gade|"
        rf"utca|ulica)[ \t]*(?!(?:19|20)\d\d\b)\d{{1,4}}[a-zA-Z]?(?:[ \t]?[/-][ \t]?\d{{1,4}}[a-zA-Z]?)?(?![\w,.]\d|\d|[\w])")

    def _european_streets(self, text):
        for pattern in (self._EU_STREET_FIRST, self._EU_NUMBER_FIRST, self._EU_COMPOUND):
            for match in pattern.finditer(text):
                value = match.group()
                # The street word is written with a capital ("via" is also English for "by way of").
                if pattern is self._EU_STREET_FIRST and not value[0].isupper():
                    continue
                if pattern is self._EU_STREET_FIRST and re.match(r"(?i)(?:place|route|cours|weg|platz)\b", value) and \
                        not re.search(rf"[{_UPPER}]", value[5:]):
                    continue
                yield match.span()

    def find(self, text):
        yield from super().find(text)
        yield from self._european_streets(text)
        yield from postal_addresses(text)
        yield from table_addresses(text)
        for match in self._ABBREVIATED_STREET.finditer(text):
            yield match.span()
        if "BEGIN:VCARD" in text:
            for line in self._VCARD_ADDRESS.finditer(text):
                cursor = line.start("value")
                for index, part in enumerate(line.group("value").split(";")):
                    if index in self._VCARD_PERSONAL_PARTS and part.strip():
                        lead = len(part) - len(part.lstrip())
                        yield cursor + lead, cursor + len(part.rstrip())
                    cursor += len(part) + 1
        if "〒" in text:
            for match in self._JAPANESE_POSTAL.finditer(text):
                yield match.start(), match.start() + len(match.group().rstrip())

    def keep(self, match, text):
        number, suffix = match.group("number"), match.group("suffix")
        if not self._CORE.fullmatch(suffix):
            plain = number.isdigit()
            if plain and (len(number) < 3 or re.fullmatch(r"(?:19|20)\d\d", number)):
                if not re.search(_CITY_STATE_ZIP + "$", match.group()) and not re.search(_UNIT, match.group()):
                    return None
        start = match.start()
        unit = self._UNIT_FIRST.search(text, max(0, start - 80), start)
        return (unit.start() if unit else start), match.end()


# Addresses outside the US street-suffix mould (Europe, India, the UK, military mail) are found
# from their postal line: a postcode next to a town, which only counts as an address when the
# segments before it (same line after commas, or the line above) hold a street: a street word,
# a house number beside a name, or a PO box. The street parts are redacted with the postcode.
_TOWN_REST = r"[\w'’.]*(?:-[\w'’.]+)*(?:[ \t](?:[A-ZÀ-ÖØ-Þ][\w'’.]*(?:-[\w'’.]+)*|(?:am|an|der|im|bei|sur|sous|les|la|le|de|del|di|a)(?=[ \t-][A-ZÀ-ÖØ-Þ]))){0,3}"
_TOWN = r"[^\W\d_]" + _TOWN_REST
# A town starts with a capital, except on a line written all in lower case: "2024 at 7:02 AM"
# and "2023 by Ana Ruiz" are a year and prose, not a postcode and a town.
_TOWN_CAPITALISED = r"(?<![\w'’.-])[A-ZÀ-ÖØ-Þ]" + _TOWN_REST
_POSTAL_TAILS = (
    # 10115 Berlin, 1317 YB 's-Heer, D-80331 München, 61-668 Kołobrzeg, 31706-690 Mata
    re.compile(rf"(?<![\w/.,-])(?:[A-Z]{{1,2}}-)?(?:\d{{5}}(?:-\d{{3}})?|\d{{4}}(?:[ ]?[A-Z]{{2}}(?![\w])|-\d{{3}})?|\d{{2}}-\d{{3}})"
               rf"[ \t]+(?:'s-)?(?P<town>{_TOWN})(?:[ \t]*\([A-Z]{{2}}\))?"),
    # Madrid, 02857 / Springfield, IL 62704 / larsenchester, ks 82252 (the town is looked
    # for before the code, see _TOWN_BEFORE: a pattern starting with a town would be tried
    # at every word of the text)
    re.compile(r"(?<![\w-])(?:[A-Za-z]{2}\.?[ \t]+)?\d{5}(?:-\d{4})?(?![\w-])"),
    # 56011, Gabella (PI)
    re.compile(rf"(?<![\w-])\d{{5}},[ \t]+(?P<town>{_TOWN})(?:[ \t]*\([A-Z]{{2}}\))?"),
    # Bettiah-748440, Mathura 383000 (Indian PIN codes)
    re.compile(r"(?<!\w)[1-9]\d{5}(?![\w-])"),
    # UK postcodes: SW1A 1AA, G6 3GU (the town before, "Oxford OX1 2JG", is taken along)
    re.compile(r"(?<![\w-])[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}(?![\w-])"),
    # Australian state and postcode: Annandale NSW 2038
    re.compile(r"(?<![\w-])(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)[ \t]+\d{4}(?![\w-])"),
    # Canadian province and postal code: Toronto, ON M6S 1N8
    re.compile(r"(?<![\w-])(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)[ \t]+[A-Z]\d[A-Z][ ]?\d[A-Z]\d(?![\w-])"),
    # US military mail: APO AE 09012
    re.compile(r"\b(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}(?![\w-])", re.IGNORECASE),
)
_MILITARY_TAIL = len(_POSTAL_TAILS) - 1
_US_TAIL = 1
_US_STATES = frozenset("""
AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND
OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP
""".split())
_US_STREET_LINE = re.compile(rf"(?<![\w.,-])\d{{1,6}}[A-Za-z]?[ \t]+(?:[NSEW]\.?[ \t]+)?(?:{_STREET_WORD}[ \t]+){{1,4}}?"
                             rf"(?:{_CORE_SUFFIXES}|{_WORD_SUFFIXES})\b|(?i:\bP\.?O\.?[ \t]+Box[ \t]+\d+)")


def _after_street_line(text: str, start: int, code: str) -> bool:
    """"Burlington, VT 05401" alone on its line (a form label before it at most), under a line
    holding a US street: the second line of an address written over two lines or fields."""
    state = code.split()[0].rstrip(".") if code[0].isalpha() else ""
    if state.upper() not in _US_STATES:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    label = text[line_start:start].strip()
    if label and not label.endswith(":"):
        return False
    if line_start < 2:
        return False
    previous_start = text.rfind("\n", 0, line_start - 1) + 1
    return _US_STREET_LINE.search(text, previous_start, line_start - 1) is not None
# The town before a code: required by the tails that hold no town themselves, optional for UK
# postcodes (which are distinctive alone). Each has a capitalised and a lower-case-line form.
_TOWN_BEFORE = {index: (re.compile(rf"{_TOWN_CAPITALISED}{sep}$"), re.compile(rf"{_TOWN}{sep}$"))
                for index, sep in ((1, r",?[ \t]+"), (3, r"[ \t]*[- ][ \t]*"), (4, r",?[ \t]+"), (5, r",?[ \t]+"),
                                   (6, r",?[ \t]+"))}
_TOWN_OPTIONAL = frozenset({4})
_STREET_WORDS = (
    r"rue|avenue|av|boulevard|bd|blvd|chemin|allée|impasse|place|quai|route|cours|passage|square|voie|"
    r"via|viale|piazza|piazzale|corso|strada|vicolo|largo|calle|avenida|avda|paseo|plaza|pasaje|pasadizo|"
    r"carrer|camino|carretera|ronda|glorieta|rua|travessa|praça|alameda|estrada|ul|ulica|aleja|al|os|pl|"
    r"street|st|road|rd|lane|ln|drive|dr|way|close|crescent|court|ct|terrace|gardens|mews|hill|"
    r"flat|apt|apartment|suite|unit|floor|piso|puerta|appartamento|interno|scala|"
    r"box|po box|p\.o\. box|postfach|bp|apartado|casilla|psc|cmr|uss|usns|usnv|uscgc|h\.?\s?no|house|plot|sector|nagar|chowk|marg")
_STREET_WORD = re.compile(rf"(?i:(?<![\w])(?:{_STREET_WORDS})\b\.?)")
_STREET_COMPOUND = re.compile(
    r"(?i:[^\W\d_]{2,}(?:straße|strasse|str\.|gasse|weg|platz|allee|ring|damm|ufer|steig|pfad|chaussee|markt|"
    r"gade|vej|gatan|vägen|gränd|laan|straat|singel|gracht|plein|kade|dreef|hof|dijk|veld|park|lei|"
    r"street|road|lane|avenue))\b")
_HOUSE_NUMBER = re.compile(r"(?<![\w.])(?!(?:19|20)\d\d\b)\d{1,5}[a-zA-Z]?(?:[ ]?[/-][ ]?\d{1,4}[a-zA-Z]?)?(?![\w.])")
# An HTML address block breaks its lines with <br>, a newline after it or not.
_SEGMENT_BEFORE = re.compile(r"(?<!\w)([^\n,:;|<>()\[\]{}\"]{1,60}?)([ \t]*(?:,[ \t]*|[ \t]*(?:<br[ \t]*/?>[ \t]*\n?|\n)[ \t]*|"
                             r"[ \t]+/[ \t]+))$", re.IGNORECASE)


_MONTH_OR_DAY = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|"
    r"august|september|october|november|december|mon|tue|tues|wed|thu|thurs|fri|sat|sun|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)\b\.?")
# A segment of more words than this is a sentence ("…has been mailed to 4410 Sunset Blvd"):
# only its tail from the last house number can belong to the address.
_SEGMENT_MAX_WORDS = 6


def _street_like(segment: str) -> bool:
    if _STREET_WORD.search(segment) or _STREET_COMPOUND.search(segment):
        return True
    # "Muni 86", "86 Muni", "05/16": a house number with at most a few words of street name
    # ("Aug 10" and "14 February" are dates).
    segment = segment.strip()
    words = re.findall(r"[^\W\d_][\w'’.-]*", segment)
    if _MONTH_OR_DAY.search(segment):
        return False
    return len(words) <= 4 and any(_HOUSE_NUMBER.fullmatch(part) for part in (segment.split()[0], segment.split()[-1]))


def _street_tail(segment: str) -> Optional[int]:
    """Where the street part of `segment` starts (an offset in it), or None when it holds none."""
    if len(segment.split()) <= _SEGMENT_MAX_WORDS:
        return len(segment) - len(segment.lstrip()) if _street_like(segment) else None
    # "…her office is at Avenida da República 32": the street word opens the street part.
    for word in _STREET_WORD.finditer(segment):
        tail = segment[word.start():]
        if len(tail.split()) <= _SEGMENT_MAX_WORDS and _HOUSE_NUMBER.search(tail) and word.group()[0].isupper():
            return word.start()
    numbers = [m.start() for m in _HOUSE_NUMBER.finditer(segment)]
    for start in reversed(numbers):
        tail = segment[start:]
        if len(tail.split()) > _SEGMENT_MAX_WORDS:
            break
        if _street_like(tail):
            return start
    return None


def _lower_case_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", max(0, start - 300), start) + 1
    line_end = text.find("\n", end, end + 300)
    line = text[line_start:line_end if line_end >= 0 else end + 300]
    return not any(ch.isupper() for ch in line)


def postal_addresses(text: str) -> Iterable[Span]:
    """Spans of addresses anchored on a postal line (see the comment above `_POSTAL_TAILS`)."""
    for index, pattern in enumerate(_POSTAL_TAILS):
        military = index == _MILITARY_TAIL
        for match in pattern.finditer(text):
            start, end = match.span()
            town = match.groupdict().get("town")
            if town is not None:
                # A postcode opens its line or follows a comma ("Kastanienallee 12, 10435 Berlin");
                # after a plain word it is a number in prose ("the 2019 Goncourt").
                opening = text[max(0, start - 40):start].rstrip(" \t")
                if opening and opening[-1] not in ",;|·•(\n" and not text[max(0, start - 2):start] in ("  ", "\t") \
                        and not re.search(r"(?i)<br[ \t]*/?>$", opening):
                    continue
                if not town[0].isupper() and not _lower_case_line(text, start, end):
                    continue
            if index in _TOWN_BEFORE:
                capitalised, any_case = _TOWN_BEFORE[index]
                before = capitalised.search(text, max(0, start - 60), start)
                # A state before the ZIP code ("ks 82252") is evidence enough for a town in
                # lower case, as people type addresses in chat.
                if before is None and (match.group()[0].isalpha() or _lower_case_line(text, start, end)):
                    before = any_case.search(text, max(0, start - 60), start)
                if before is not None:
                    start = before.start()
                elif index not in _TOWN_OPTIONAL:
                    continue
            # "…, west brianabury, nd 79975": town words in lower case stay outside `_TOWN`.
            town = re.search(r",[ \t]*((?:[^\W\d_]+[ \t]+){1,2})$", text[max(0, start - 40):start])
            if town and not military:
                start -= len(town.group(1))
            # Walk back over up to three segments; keep them up to the farthest street-like one.
            cursor, best, segments = start, None, 0
            while segments < 3:
                before = _SEGMENT_BEFORE.search(text, max(0, cursor - 80), cursor)
                if before is None or not before.group(1).strip():
                    break
                segment = before.group(1)
                if segment.rstrip().endswith(("@", "|")) or "@" in segment:
                    break
                tail = _street_tail(segment)
                if tail is not None:
                    best = before.start(1) + tail
                if len(segment.split()) > _SEGMENT_MAX_WORDS:
                    break
                cursor = before.start(1)
                segments += 1
            if best is not None:
                yield best, end
            elif military or (index == _US_TAIL and _after_street_line(text, start, match.group())):
                yield start, end


# --------------------------------------------------------------------------- secrets


def shannon_entropy(value: str) -> float:
    counts = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


# Words that make a key name a secret's name ("DB_PASSWORD", "stripeApiKey", "client_secret").
_SECRET_KEY_WORD = re.compile(
    r"passw(?:or)?d|passwd|pwd|pass\b|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|"
    r"private[_.-]?key|credentials?|session[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key",
    re.IGNORECASE)


def _literal_first(pattern: str) -> str:
    r"""`\bghp_…` as `ghp_(?<=(?<!\w)ghp_)…`: same matches, but the pattern opens with a literal."""
    m = re.match(r"\\b([A-Za-z0-9_]+)", pattern)
    if m is None:
        return pattern
    literal = m.group(1)
    return f"{literal}(?<=(?<![\\w]){literal})" + pattern[m.end():]


class SecretRecognizer(RegexRecognizer):
    """Credentials: vendor token formats, PEM private keys, JWTs, key=value assignments whose
    key names a secret, URLs with a password, and long high-entropy tokens.

    Vendor formats match on their own; an assignment redacts only the value, so
    `password=<SECRET>` still tells a model what the line was.
    """

    ENTITY = "SECRET"
    SCORE = 1.0
    VENDOR_PATTERNS = (
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"|\n\s*\n|\Z)",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}\b",
        r"\bgh[pousr]_[A-Za-z0-9]{30,255}\b",
        r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b",
        r"\bglpat-[A-Za-z0-9_-]{20,}\b",
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+",
        r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,}\b",
        r"\bAIza[0-9A-Za-z_-]{35}\b",
        r"\bya29\.[0-9A-Za-z_-]{20,}",
        r"\bsk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}\b",
        r"\bhf_[A-Za-z0-9]{30,}\b",
        r"\bnpm_[A-Za-z0-9]{36}\b",
        r"\bpypi-[A-Za-z0-9_-]{50,}\b",
        r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b",
        r"\bSK[0-9a-f]{32}\b",
        r"\bAC[0-9a-f]{32}\b",
        r"\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b",
        r"\bdop_v1_[0-9a-f]{64}\b",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        r"(?i:AccountKey|SharedAccessKey)=[A-Za-z0-9+/=]{20,}",
    )
    # One regex per format, each opening with its literal prefix (the word-boundary check moved
    # behind it), so the regex engine skips to candidate prefixes instead of trying a
    # 21-way alternation at every character: 4x less time on real text, same matches.
    PATTERNS = tuple(re.compile(_literal_first(p)) for p in VENDOR_PATTERNS)
    PATTERN_NAMES = ("secret.private_key", "secret.aws_access_key", "secret.github_token", "secret.github_pat",
                     "secret.gitlab_pat", "secret.slack_token", "secret.slack_webhook", "secret.stripe_key",
                     "secret.google_api_key", "secret.google_oauth_token", "secret.openai_anthropic_key",
                     "secret.huggingface_token", "secret.npm_token", "secret.pypi_token", "secret.sendgrid_key",
                     "secret.twilio_sk", "secret.twilio_ac", "secret.shopify_token", "secret.digitalocean_token",
                     "secret.jwt", "secret.azure_account_key")
    # key = value, key: value, "key": "value", key => value, export KEY=value
    # After a secret word: the rest of the key name, then = : => := and the value, quoted or not.
    _ASSIGNMENT_TAIL = re.compile(
        r"[\w.-]{0,64}[\"']?[ \t]*(?:[:=]|=>|:=)[ \t]*(?:(?P<q>[\"'`])(?P<qv>[^\"'`\n]{3,512}?)(?P=q)"
        r"|(?P<v>[^\s\"'`]{3,512}?)(?=[,;]?(?:\s|$)|[\"'`]))")
    # "the wifi password is Tr0ub4dor&3": prose, accepted when the value is not a plain word.
    _PROSE_PASSWORD = re.compile(r"(?i:\b(?:password|passwd|passcode|passphrase|pwd|pin)"
                                 r"(?:[ \t]+(?:for|to|of|on)[ \t]+(?:the[ \t]+|my[ \t]+|our[ \t]+|your[ \t]+)?[\w-]+)?"
                                 r"\s+(?:is|was|=)\s*:?\s+)"
                                 r"[\"'`]?(?P<v>[^\s\"'`]{4,})")
    # Credentials in chat without the word "password": "current one is X", "pw: X", "pass `X`",
    # "creds admin/X". Only values shaped like a credential count (see `_credential_shaped`).
    _PROSE_CREDENTIAL = re.compile(
        r"(?i:\b(?:pw|pwd|pass|passwd|passcode|creds|credentials|login|(?:current|new|old|temp|temporary) one)"
        r"(?:[ \t]+(?:is|was|are|=))?[ \t]*[:=]?[ \t]*)(?:(?P<q>[\"'`])(?P<qv>[^\"'`\s]{8,64})(?P=q)|(?P<v>[^\s\"'`]{8,64}))")
    # PINs and codes people share in chat and e-mail: "the alarm PIN is 9032", "door code: 4471#",
    # "passcode 280611". Digits only, 4 to 8 of them, right after the word.
    _PIN = re.compile(r"(?i:\b(?:pin(?:[ \t-]?(?:code|number|no\.?))?|passcode|pass[ \t]code|security[ \t]code|"
                      r"access[ \t]code|door[ \t]code|gate[ \t]code|alarm[ \t]code|entry[ \t]code|keypad[ \t]code|"
                      r"lock[ \t]code|cvv2?|cvc2?|csc)\b"
                      r"(?:[ \t]+(?:is|was|=|for[ \t]+\w+[ \t]+is))?[ \t]*[:=#]?[ \t]*)[\"'`]?(?P<v>\d{3,8})(?![\w.,]\d|\d)")
    # Codes that open something: a short code a few words after "code", "PIN" or "combination",
    # in or right after a sentence that names a secured object (door, gate, lockbox, alarm,
    # locker, ...). The object words separate access codes from postal, area, error and discount
    # codes.
    _ACCESS_CODE = re.compile(r"(?i:\b(?:code|codes|pin|passcode|combination|combo)\b(?:[ \t]+[^\W\d][\w'’-]*(?=[ \t:=#-])){0,5}"
                              r"[ \t]*[:=#-]?[ \t]*)[\"'`]?(?P<v>\d{3,8}[#*]?[A-Za-z]?|\d[#*]\d{1,6}|\d{3}[ ]\d{3})(?![\w.,/:-]\d|\w)")
    _ACCESS_OBJECT = re.compile(r"(?i:\b(?:door|doors|gate|gates|lockbox|lock[ -]?box|key[ -]?safe|keysafe|padlock|lock|locks|"
                                r"locker|lockers|alarm|keypad|buzzer|intercom|garage|fob|parking|car[ -]?park|building|"
                                r"entry|entrance|access|safe|server[ -]room|side[ -]gate|front[ -]door|bike[ -]shed|"
                                r"shed|storage|wifi|wi-fi|router|sim)\b)")
    # A credential up to four words after a password or login word, without "is": quoted and
    # not a plain word, or unquoted and credential-shaped; after "user / " when a login is given.
    _NEAR_PASSWORD = re.compile(r"(?i:\b(?:password|passwd|passphrase|passcode|pwd|login|credentials?)\b"
                                r"(?:[ \t]+[^\W\d][\w'’.-]*(?=[ \t:=])){0,4}[ \t]*[:=]?[ \t]*(?:[\w.-]{2,32}[ \t]*/[ \t]*)?)"
                                r"(?:(?P<q>[\"'`])(?P<qv>[^\"'`\s]{6,64})(?P=q)|(?P<v>[^\s\"'`]{8,64}))")
    # "the temp password you sent (Qw7-Ln4x) expired": a credential in brackets after the word.
    _BRACKETED_PASSWORD = re.compile(r"(?i:\b(?:password|passwd|passcode|passphrase|pwd)\b(?:[ \t]+[\w'’]+){0,4}"
                                     r"[ \t]*\()(?P<v>[^\s()]{8,64})\)")
    # Environment lists of Kubernetes, Compose and ECS: the secret's name and its value are two
    # fields, '- name: DB_PASSWORD' then 'value: "…"' (or '{"name": "…", "value": "…"}').
    _NAMED_VALUE = re.compile(
        r"[\"']?name[\"']?[ \t]*[:=][ \t]*[\"']?(?P<key>[\w.-]{2,64})[\"']?[ \t]*(?:,[ \t]*|\n[ \t]*(?:-[ \t]+)?)"
        r"[\"']?value[\"']?[ \t]*[:=][ \t]*(?:(?P<q>[\"'])(?P<qv>[^\"'\n]{3,512}?)(?P=q)|(?P<v>[^\s\"',}]{3,512}))")
    # One-time backup or recovery codes of two-factor logins: "Backup code you gave me was
    # 7731-QZKP-0094", "recovery codes: 4821 0937". Only code-shaped values (with a digit) count.
    _BACKUP_CODE = re.compile(r"(?i:\b(?:backup|recovery|rescue|2fa|mfa)[ \t]+codes?\b[^\n\d]{0,40}?)"
                              r"(?P<v>(?=[A-Za-z-]*\d)[A-Za-z0-9]{3,8}(?:-[A-Za-z0-9]{3,8}|[ ](?=[A-Za-z]*\d)[A-Za-z0-9]{3,8}){0,3})(?![\w-])")
    _AUTH_HEADER = re.compile(r"(?i:\bauthorization\s*[:=]\s*(?:bearer|basic|token)\s+|\bbearer\s+)"
                              r"(?P<v>[A-Za-z0-9._~+/=-]{12,})")
    _URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{0,64}:(?P<v>[^\s/]{1,128})@"
                               r"(?=\[?[\w.:-]+\]?(?:[/?#\s]|$))")
    # After "=" too: a session id or key in a query string ("?session=a8Xk2L…").
    _HIGH_ENTROPY = re.compile(r"(?<![\w/+-])[A-Za-z0-9+/_-]{32,}={0,2}(?![\w/+=-])")
    # A value labelled as a digest or fingerprint is public: "SHA256:Xk9pQz2…" in ssh logs.
    _DIGEST_LABEL = re.compile(r"(?i)(?:sha-?(?:1|224|256|384|512)|md5|blake2[bs]?|hash|digest|checksum|integrity|"
                               r"etag|fingerprint)[ \t]*[:=][ \t]*$")
    # Values that are obviously not the secret itself: placeholders and references.
    _PLACEHOLDER = re.compile(
        r"(?i)^(?:\*+|x+|\.+|<[^>]*>|\$\{[\w.:-]+\}|\$[A-Z_][A-Z0-9_]*|%\(\w+\)s|%[sd]|\{\{.*\}\}|null|none|nil|true|false|"
        r"changeme|your[_-]?\w*|example\w*|dummy|redacted|required|optional|string|str|env\b.*|"
        # A mapping opening where the value would be: "secretKeyRef: {name: app-secrets, …".
        r"[{\[][ \t]*[\"']?\w+[\"']?[ \t]*:?|"
        r"os\.environ.*|process\.env.*|getenv.*)$")

    # `password = get_password()`, `token = self.token`: code naming a secret, not one.
    _CODE_REFERENCE = re.compile(r"^(?:(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:\([^)]*\))?|[A-Za-z_][\w.]*\([^)]*\))$")

    def find(self, text):
        yield from super().find(text)
        # Key words first, then the assignment after them: one pattern with a free-length
        # key prefix would be retried at every character of the text.
        for word in _SECRET_KEY_WORD.finditer(text):
            match = self._ASSIGNMENT_TAIL.match(text, word.end())
            if match is None:
                continue
            group = "qv" if match.group("qv") is not None else "v"
            value = match.group(group)
            if not self._PLACEHOLDER.match(value) and not self._CODE_REFERENCE.match(value):
                yield match.span(group)
        if "code" in text or "CODE" in text or "Code" in text:
            for match in self._BACKUP_CODE.finditer(text):
                yield match.span("v")
        for match in self._PROSE_PASSWORD.finditer(text):
            value = match.group("v").rstrip(".,;:!?")
            if self._PLACEHOLDER.match(value) or self._CODE_REFERENCE.match(value):
                continue
            if re.search(r"[\d\W_]", value):
                yield match.start("v"), match.start("v") + len(match.group("v").rstrip(".,;:!?"))
        for match in self._PROSE_CREDENTIAL.finditer(text):
            group = "qv" if match.group("qv") is not None else "v"
            value = match.group(group)
            if group == "v":  # unquoted: the sentence's punctuation is no part of it
                value = value.rstrip(".,;:!?)")
            user, slash, secret = value.partition("/")
            if slash and _credential_shaped(secret):  # "creds admin/X": the password after the user
                yield match.start(group) + len(user) + 1, match.start(group) + len(value)
            elif _credential_shaped(value):
                yield match.start(group), match.start(group) + len(value)
        if any(ch.isdigit() for ch in text):
            for match in self._PIN.finditer(text):
                value = match.group("v")
                # Three digits only as a card security code; years are not codes.
                if len(value) == 3 and not re.match(r"(?i)cv|cs", match.group()):
                    continue
                yield match.span("v")
            for match in self._ACCESS_CODE.finditer(text):
                before = text[max(0, match.start() - 24):match.start()].split()
                if before and before[-1].lower().strip(".,:;()") in _NOT_ACCESS_CODES:
                    continue
                # The secured object may be named in this sentence or the one before; a code ending
                # in "#" or "*" is keyed in on a keypad whatever the text names.
                sentence_start = max(text.rfind(".", 0, match.start()), text.rfind("\n", 0, match.start()))
                previous_start = max(text.rfind(".", 0, max(0, sentence_start)), text.rfind("\n", 0, max(0, sentence_start)))
                if match.group("v")[-1] in "#*" or self._ACCESS_OBJECT.search(text, previous_start + 1, match.end("v")):
                    yield match.span("v")
        for match in self._NEAR_PASSWORD.finditer(text):
            group = "qv" if match.group("qv") is not None else "v"
            value = match.group(group)
            if group == "v":
                value = value.rstrip(".,;:!?)")
            if (group == "qv" and re.search(r"[\d\W_]", value) and not self._PLACEHOLDER.match(value)) \
                    or _credential_shaped(value):
                yield match.start(group), match.start(group) + len(value)
        for match in self._BRACKETED_PASSWORD.finditer(text):
            if _credential_shaped(match.group("v")):
                yield match.span("v")
        if "value" in text:
            for match in self._NAMED_VALUE.finditer(text):
                group = "qv" if match.group("qv") is not None else "v"
                value = match.group(group)
                if _SECRET_KEY_WORD.search(match.group("key")) and not self._PLACEHOLDER.match(value) \
                        and not self._CODE_REFERENCE.match(value):
                    yield match.span(group)
        for pattern in (self._AUTH_HEADER, self._URL_PASSWORD):
            for match in pattern.finditer(text):
                if not self._PLACEHOLDER.match(match.group("v")):
                    yield match.span("v")
        for match in self._HIGH_ENTROPY.finditer(text):
            token = match.group()
            if self._DIGEST_LABEL.search(text, max(0, match.start() - 24), match.start()):
                continue
            # A wallet address is random-looking too; it is reported as CRYPTO.
            if _random_looking(token) and not (base58check_valid(token) or bech32_valid(token)):
                yield match.span()


# Words before "code" that make it a code that identifies or reports rather than opens.
_NOT_ACCESS_CODES = frozenset("""
postal post postcode zip area country dialling dialing calling error status exit return response http
promo promotional discount voucher coupon referral product item part article sort bank swift bic branch
tax vat airport iata icao station booking reservation confirmation tracking reference ref qr bar barcode
source machine colour color dress course class module unit room flight
""".split())


def _credential_shaped(value: str) -> bool:
    """Eight or more characters mixing letters with digits and with capitals or symbols, not
    a version, path, address or identifier in a code style ("v2.3.1", "/etc/app", "a.b.c")."""
    # A command-line flag, an assignment or a version inside a name ("Ubuntu22.04") is no secret.
    if len(value) < 8 or value[0] == "-" or any(ch in value for ch in "@/=") or re.search(r"\d\.\d", value):
        return False
    if re.fullmatch(r"v?\d+(?:[.-]\d+)+\S*|[a-z]+(?:[._-][a-z]+)+|[A-Za-z]+\(\)?", value):
        return False
    letters, digits = re.search(r"[^\W\d_]", value), re.search(r"\d", value)
    upper, lower = re.search(r"[A-Z]", value), re.search(r"[a-z]", value)
    symbol = re.search(r"[^\w.-]|_", value)
    return bool(letters and digits and ((upper and lower) or symbol))


def _random_looking(token: str) -> bool:
    """A machine-made credential: mixed case and digits, no word structure, high entropy.

    Hex digests, UUIDs and file paths are excluded (they carry no upper/lower mix), so
    commit hashes in logs survive.
    """
    if not (re.search(r"[a-z]", token) and re.search(r"[A-Z]", token) and re.search(r"\d", token)):
        return False
    if token.count("/") > 2 or token.count("_") > 3 or token.count("-") > 3:
        return False
    return shannon_entropy(token) >= 4.0


# --------------------------------------------------------------------------- URL (off by default)


class WebUrlRecognizer(RegexRecognizer):
    ENTITY = "URL"
    SCORE = 0.6
    PATTERN_NAMES = ('url.scheme_or_www',)
    PATTERNS = (re.compile(r"\b(?:https?|ftp)://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+", re.IGNORECASE),)

    def keep(self, match, text):
        start, end = match.span()
        while end > start and text[end - 1] in ".,;:!?":
            end -= 1
        return start, end


# --------------------------------------------------------------------------- people (and other NER types)


# Month names of the languages a web corpus holds most (nominative and the genitive used in
# dates: Polish "3 marca 2024"); read as a date only before a year, since "Mai", "Juli" and
# "Abril" are given names too.
_MONTHS = (
    "januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember|"
    "janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|dezembro|"
    "januari|februari|maart|mei|augustus|marts|maj|augusti|"
    "styczeń|stycznia|luty|lutego|marzec|marca|kwiecień|kwietnia|maja|czerwiec|czerwca|lipiec|lipca|"
    "sierpień|sierpnia|wrzesień|września|październik|października|listopad|listopada|grudzień|grudnia|"
    "ocak|şubat|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık|"
    "january|february|march|april|may|june|july|august|september|october|november|december")
MONTH_BEFORE_YEAR = re.compile(rf"(?<![\w])(?i:{_MONTHS})\.?[ \t]+(?:19|20)\d\d(?![\w])")


# Capitalised words the small English model tags as people although they are tech products,
# calendar words, greetings or job titles. Lower-cased.
NOT_NAMES = frozenset("""
mr mrs ms mx miss dr prof sir madam dame rev
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december today tomorrow yesterday
mon tue tues wed thu thur thurs fri sat
hi hello hey dear thanks thank regards cheers best sincerely yours kind warm greetings welcome
bonjour bonsoir salut merci cordialement hallo liebe lieber grüße gruß danke hola saludos gracias
ciao salve grazie olá ola obrigado obrigada beste groeten bedankt hej tack namaste
team all everyone folks guys world there sir madam customer customers support admin user users staff hr
summary experience education skills objective profile projects references certifications
languages interests contact email phone address subject re fwd fw note notes update issue bug
fix error warning info debug status priority resolved closed open pending urgent yes no ok okay
please sorry senior junior lead principal manager director engineer developer analyst consultant
intern president ceo cto cfo coo vp head chief officer assistant associate specialist architect
scientist designer administrator coordinator representative agent owner founder co-founder
inc llc ltd corp corporation company university college school institute department dept
tenant landlord landlady applicant claimant defendant plaintiff respondent appellant witness guarantor
beneficiary insured policyholder employee student pupil guardian patient client member buyer seller
purchaser borrower lender details particulars
""".split())

PRODUCT_NAMES = frozenset("""
python java javascript typescript kotlin scala rust golang ruby rails perl php swift haskell
elixir erlang clojure matlab fortran cobol lua dart flutter react angular vue svelte
django flask fastapi spring node nodejs express laravel symfony jquery bootstrap tailwind
webpack babel vite docker kubernetes helm terraform ansible puppet chef jenkins travis circleci
github gitlab bitbucket jira confluence slack trello notion figma aws azure gcp heroku netlify
vercel linux ubuntu debian fedora centos redhat windows macos ios android unix bash zsh git svn
mysql postgresql postgres sqlite mongodb redis cassandra elasticsearch kafka rabbitmq spark
hadoop hive airflow dbt snowflake bigquery redshift tableau excel powerpoint outlook office
salesforce sap oracle tensorflow pytorch keras scikit numpy pandas matplotlib jupyter anaconda
conda pip npm yarn maven gradle nginx apache tomcat graphql grpc json yaml xml html css sass
latex markdown vim emacs vscode intellij eclipse pycharm xcode chrome firefox safari edge opera
iphone ipad macbook pixel galaxy kindle alexa siri cortana bluetooth wifi zoom teams skype
discord telegram whatsapp signal twitter facebook instagram linkedin youtube reddit tiktok
google microsoft apple amazon meta netflix uber tesla nvidia intel amd ibm cisco dell lenovo
samsung sony openai chatgpt gpt claude llama copilot cuda selenium cypress jest mocha
pytest junit grafana prometheus datadog splunk sentry kibana logstash celery gunicorn uvicorn
wordpress drupal shopify stripe paypal visa mastercard ethereum bitcoin solana kotlin ubuntu
postman swagger openapi nextjs nuxt deno bun rust cargo homebrew vagrant virtualbox vmware
citrix okta auth0 firebase supabase mongo dynamodb lambda fargate cloudflare akamai fastly
hubspot zendesk intercom mailchimp twilio sendgrid asana monday.com clickup basecamp dropbox
onedrive sharepoint gmail yahoo hotmail proton protonmail thunderbird word acrobat photoshop
illustrator premiere adobe blender unity unreal godot steam xbox playstation nintendo switch minecraft roblox
nespresso vertuo fitbit gopro roomba chromebook thinkpad garmin peloton sonos airpods kindle paperwhite
""".split())
NOT_NAMES = NOT_NAMES | PRODUCT_NAMES
PARTICLES = frozenset("de da das dos do di die del della dei degli delle dal dalla der den van von la le du bin ibn al el "
                       "ter ten zu y op het 's 't ó ní nic uí".split())
# Particles that close a hyphenated surname before the next word: "Zuidweg-de Beer".
_HYPHEN_PARTICLES = "de|le|la|du|da|di|del|van|von|der|den|ten|ter"

_NAME_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-])*$")
def _lone_word_unlikely_name(token) -> bool:
    """A one-word span needs a second signal: a handle or user name, a word the name lexicons
    hold, or a position only people take (a speaker label opening a line, a greeting or address
    word before it, a bracketed note after it). Alone, the tuned model also takes unknown
    products, places and acronyms in name positions."""
    from cleanse.pii_names import lexicons

    text = token.text
    if _HANDLE_TOKEN.match(text) or _USER_NAME.match(text):
        return False
    given, surnames = lexicons()[:2]
    if text.lower() in given or text.lower() in surnames:
        return False
    return not _person_position(token)


# Words right before a lone name that only a person follows: greetings, sign-offs, addresses.
_PERSON_CUES = frozenset("""
dear hi hello hey thanks thank cheers love congrats congratulations welcome bye ping cc
agent deacon pastor father sister brother cousin cousins son daughter mum mom mam dad uncle aunt auntie
grandma grandpa nan nana granny wife husband partner friend bestie fiancé fiancée
""".split())


def _person_position(token) -> bool:
    doc, i = token.doc, token.i
    before = doc[i - 1].text.lower() if i > 0 else ""
    after = doc[i + 1].text if i + 1 < len(doc) else ""
    line_start = i == 0 or "\n" in doc[i - 1].text_with_ws or doc[i - 1].is_space \
        or before in ("[", "<", "-", "—", "–", "*", "•")
    return before in _PERSON_CUES or (line_start and after in (":", "]", ">")) or after == "(" \
        or (before in ("—", "–", "-") and (i + 1 == len(doc) or "\n" in token.text_with_ws))


# A user handle ("@name", "u/name") the tuned NER tags as a person.
_HANDLE_TOKEN = re.compile(r"(?:@|u/)[^\W_]\w{2,}(?:\.\w+)*$")
# A user name the tuned NER tags as a person: words joined by "_" or ".", or a word with a few
# digits after it; not a hash or serial with letters and digits mixed throughout.
_USER_NAME = re.compile(r"[^\W\d_]+(?:[._][^\W_]+)+$|[^\W\d_]{3,}\d{1,4}$")
_TITLE_TOKEN = re.compile(r"(?:[A-Z][a-z'’-]*[a-z]|[A-Z]\.?|[A-Z][a-z]*[A-Z][a-z]+|(?:O'|Mc|Mac)[A-Z][a-z]+)$")


def _plausible_name(tokens: Sequence[str]) -> bool:
    """At least one capitalised token, none carrying digits/@, not only non-name words."""
    if not tokens:
        return False
    if not any(t[:1].isupper() for t in tokens):
        return False
    words = [t.lower().strip(".") for t in tokens]
    if all(w in NOT_NAMES for w in words) or all(w in PARTICLES for w in words):
        return False  # "Nota Fiscal De Serviço": "De" alone is a particle, not a name
    if len(tokens) == 1 and (tokens[0].isupper() and len(tokens[0]) <= 4):
        return False  # acronyms: API, AWS, SQL
    return True


class NerEntityRecognizer(LocalRecognizer):
    """PERSON (and, when enabled, ORGANIZATION, LOCATION, NRP, DATE_TIME) from spaCy NER.

    The spans are cleaned before use: a span never runs into an e-mail address or a number,
    leading/trailing non-name words are cut, product names alone are not people, and a
    capitalised surname right after a recognised first name is taken along.

    With `tuned` (the NER weights cleanse ships, trained on names in every casing, alone and in
    speaker labels, handles included, with eponyms and field labels as non-names), the model's
    PERSON span is taken as it stands once split at what cannot be part of a name: the shape
    filters below exist for the stock model's mistakes and would undo what the tuned one learned.
    """

    LABELS = {"PERSON": "PERSON", "PER": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION",
              "LOC": "LOCATION", "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME"}
    SCORE = 0.85

    def __init__(self, entities: Sequence[str], supported_language: str = "en", tuned: bool = False):
        super().__init__(supported_entities=list(entities), supported_language=supported_language,
                         name="NerEntityRecognizer")
        self.tuned = tuned

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None) -> List[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        doc = nlp_artifacts.tokens
        wanted = set(entities) & set(self.supported_entities)
        # When NER read only part of the text (see cleanse.pii.NerView), map offsets back.
        to_original = getattr(nlp_artifacts, "to_original", None)
        results, lower_words = [], None
        for ent in doc.ents:
            entity = self.LABELS.get(ent.label_)
            if "PERSON" in wanted and entity != "PERSON" and _name_shaped(ent):
                entity = "PERSON"  # the small model often files "Mohini Pathak" under ORG or NORP
            if entity not in wanted:
                continue
            if entity == "PERSON" and self.tuned:
                for start, end in self._tuned_person_spans(doc, ent.start, ent.end):
                    # The pieces of a name with a quoted nickname are parts of one name; a one-word
                    # span, or a one-word piece of a list the model took as one span, needs more.
                    nickname = any(t.is_quote for t in ent)
                    if end - start == 1 and not nickname and _lone_word_unlikely_name(doc[start]):
                        continue
                    span = doc[start:end]
                    if all(t.text[:1].isupper() for t in span) and not span.text.isupper():
                        if lower_words is None:
                            lower_words = lowercase_words(text)
                        if all(t.text.lower() in lower_words for t in span):
                            continue  # a heading: capitalised words the text also uses plainly
                    result = self._result(entity, doc[start:end], to_original)
                    if not yaml_thing_name(text, result.start):
                        results.append(result)
            elif entity == "PERSON":
                for start, end in self._person_spans(doc, ent.start, ent.end):
                    if lower_words is None:
                        lower_words = lowercase_words(text)
                    if all(t.text.lower() in lower_words for t in doc[start:end]):
                        continue  # "Legal Notices", "Corresponding Source": words the text also uses plainly
                    result = self._result(entity, doc[start:end], to_original)
                    if yaml_thing_name(text, result.start):
                        continue
                    results.append(result)
            else:
                results.append(self._result(entity, ent, to_original))
        return results

    def _result(self, entity, span, to_original) -> RecognizerResult:
        start, end = span.start_char, span.end_char
        if to_original is not None:
            start, end = to_original(start, end)
        return RecognizerResult(entity, start, end, self.SCORE,
                                recognition_metadata={
                                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})

    @staticmethod
    def _tuned_person_spans(doc, start: int, end: int) -> List[Tuple[int, int]]:
        """Runs of name tokens (any case; "@handle" and "u/handle" whole) in the span."""
        # Product and organisation vocabularies still outrank the model.
        if doc[start].text.lower() in PRODUCT_NAMES or doc[end - 1].text.lower() in PRODUCT_TAILS \
                or any(organisation_word(doc[i].text) for i in range(start, end)):
            return []
        spans, first = [], None
        for i in range(start, end + 1):
            token = doc[i].text if i < end else ""
            if i < end and (_NAME_TOKEN.match(token) or _HANDLE_TOKEN.match(token) or _USER_NAME.match(token)) \
                    and token.lower().strip(".") not in NOT_NAMES:
                first = i if first is None else first
                continue
            if first is not None:
                last = i
                while last > first and doc[last - 1].text.lower() in PARTICLES:
                    last -= 1
                spans.append((first, last))
            first = None
        return spans

    @staticmethod
    def _person_spans(doc, start: int, end: int) -> List[Tuple[int, int]]:
        # Split at tokens that cannot be part of a name (e-mails, numbers, punctuation).
        runs, run = [], []
        for i in range(start, end):
            token = doc[i].text
            if _NAME_TOKEN.match(token) and (token[0].isupper() or token in PARTICLES) \
                    and token.lower().strip(".") not in NOT_NAMES:
                run.append(i)
            else:
                if run:
                    runs.append(run)
                run = []
        if run:
            runs.append(run)
        if doc[start].text.lower() in PRODUCT_NAMES:
            return []  # "MacBook Pro", "Kindle Paperwhite": a product with a name-like word
        if any(organisation_word(doc[i].text) for i in range(start, end)):
            return []  # "The Chromium Authors", "Insight Software Consortium", "MIT License"
        # "Harbourside Physio Ltd", "Solvik Robotics AS": the model leaves the company form out.
        if end < len(doc) and (doc[end].text in COMPANY_SUFFIXES or organisation_word(doc[end].text)):
            return []
        if end < len(doc) and doc[end].text == ":" and (start == 0 or "\n" in doc[start - 1].text_with_ws):
            return []  # "Files:", "Format:" at the start of a line: a field label
        spans = []
        for run in runs:
            while run and doc[run[-1]].text in PARTICLES:
                run = run[:-1]
            if not run:
                continue
            first, last = run[0], run[-1] + 1
            # The model often stops after the first name: take one capitalised word along.
            if last < len(doc) and last == end and _TITLE_TOKEN.match(doc[last].text) \
                    and doc[last].text.lower() not in NOT_NAMES and not doc[last].is_stop:
                last += 1
            tokens = [doc[i].text for i in range(first, last)]
            if tokens[-1].lower() in PRODUCT_TAILS:
                continue  # "Raspberry Pi", "Logic Pro"
            if any(t.isupper() and len(t) >= 3 for t in tokens) and not all(t.isupper() for t in tokens):
                continue  # "MTN Ghana", "IBM Research": an acronym beside a word is an organisation
            # One capitalised word alone is as often a package or a heading as a person; it
            # is redacted when the same document names that person in full (see
            # cleanse.pii.add_name_mentions) or a greeting announces it.
            if len(tokens) < 2:
                continue
            if _plausible_name(tokens) and not all(t.lower() in COMMON_CAPS for t in tokens) \
                    and not _common_phrase(tokens):
                spans.append((first, last))
        return spans


_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"
_LOW = "a-zß-öø-ÿā-žœ"
# A capitalised name word: "Ruiz", "Oyelaran-Smythe", "Zuidweg-de", "O'Brien", and romanised
# given names whose second syllable is in lower case ("Ji-hoon", "Mei-ling"). The second letter
# is a letter, so "I'm" and "I'd" are not names.
# An apostrophe only inside a name (O'Neill's, D'Arcy), never closing a quotation ('Hello World').
_CAP_NAME = (rf"(?:[{_UP}][{_LOW}]+(?:['’][{_LOW}]+)*(?:-[{_UP}][{_LOW}]+(?:['’][{_LOW}]+)*|-(?!(?:in|up|on|out|off|by|to|of|and)\b)[{_LOW}]{{2,5}})?"
             rf"(?:-(?:{_HYPHEN_PARTICLES}))?|(?:[OD]['’]|Mc|Mac|De|La|Le|Da|Di|Du|Ja|Ke|Sha|Van|Von)[{_UP}][{_LOW}]+)"
             r"(?![\w-])(?!['’]\w)")
_PARTICLE = "(?i:" + "|".join(map(re.escape, sorted(PARTICLES, key=len, reverse=True))) + ")"
_FULL_NAME = rf"(?:{_CAP_NAME})(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}(?:[{_UP}]\.[ \t]+)?(?:{_CAP_NAME})){{0,3}}"
_TWO_PLUS = rf"(?:{_CAP_NAME})(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}(?:[{_UP}]\.[ \t]+)?(?:{_CAP_NAME})){{1,3}}"
_CAPS_NAME = rf"[{_UP}]{{2,}}(?:[ \t]+[{_UP}]{{2,}}){{1,3}}"


# Keys whose children describe a person (YAML blocks, JSON objects).
_PERSON_PARENT = (r"(?i:authors?|maintainers?|owners?|contacts?|assignee|reporter|creator|contributors?|reviewers?|"
                  r"customer|patient|employee|members?|person|people|users?|committer|sender|recipient)")


_YAML_PARENT = re.compile(r"(?m)^(?P<indent>[ \t]*)(?:-[ \t]+)?[\"']?(?P<key>[\w.-]+)[\"']?[ \t]*:[ \t]*$")
_YAML_NAME_KEY = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?name[\"']?[ \t]*:[ \t]*[\"']?")


def yaml_thing_name(text: str, start: int) -> bool:
    """The value at `start` follows an indented YAML "name:" whose parent key is not a
    person's ("service:\n  name: Inventory Sync", "containers:\n  - name: worker")."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _YAML_NAME_KEY.fullmatch(text, line_start, start):
        return False
    # The parent is the nearest line above indented less than this item ("- name:") or key.
    column = start - line_start - len(text[line_start:start].lstrip(" \t"))
    if column == 0:
        return False
    cursor = line_start - 1
    while cursor > 0:
        previous_start = text.rfind("\n", 0, cursor) + 1
        previous = text[previous_start:cursor]
        cursor = previous_start - 1
        if not previous.strip() or previous.lstrip().startswith("#"):
            continue
        if len(previous) - len(previous.lstrip(" \t")) < column:
            parent = _YAML_PARENT.fullmatch(previous)
            return parent is not None and re.fullmatch(_PERSON_PARENT, parent.group("key")) is None
    return False


class ContextualNameRecognizer(RegexRecognizer):
    """Names the model misses but the text announces: honorifics, header and JSON fields,
    greetings, sign-offs, chat speakers, quote attributions, the display name before an
    e-mail address, and a line holding only a name next to contact details."""

    ENTITY = "PERSON"
    SCORE = 0.8
    # Announced: the words around make the name certain, one capitalised word is enough.
    PATTERN_NAMES = (
        'context.honorific',
        'context.person_field',
        'context.json_name_field',
        'context.display_name_before_email',
        'context.greeting',
        'context.sign_off',
        'context.self_introduction',
        'context.chat_bracket_speaker',
        'context.irc_speaker',
        'context.dash_signature',
        'context.speech_verb',
        'context.between_with_and',
        'context.between_second',
        'context.action_item',
        'context.byline',
        'context.monsieur_initial',
        'context.relative',
        'context.quoted_surname_comma_given',
        'context.header_surname_comma_given',
        'context.teams_speaker',
        'context.role_speaker',
        'context.slack_speaker',
        'context.person_role_label',
        'context.siblings',
        'context.texter_intro',
        'context.quoted_display_name',
        'context.name_part_field',
        'context.yaml_person_name',
        'context.json_person_name',
        'context.whatsapp_speaker',
        'context.speaker_with_role',
        'context.maiden_name',
        'context.person_by_role',
        'context.html_byline_link',
        'context.html_author_class',
    )
    PATTERNS = (
        # Honorifics, those of other languages ("Mme", "Herr", "Avv.", "Smt."; not "Sr.": "Sr.
        # Engineer" is a job title), and family titles ("Aunty Lalitha"; not "Coach", "Officer":
        # "Coach Class", "Officer Training").
        re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Rev|Mme|Mlle|Mmes|Herr|Frau|Sra|Srta|Dott|Dott\.ssa|Avv|"
                   r"Ing|Shri|Smt|Mevr|Dhr|Monsieur|Madame|Mademoiselle|Señor|Señora|Signor|Signora|Aunty|Auntie|"
                   rf"Aunt|Uncle|Grandma|Grandpa|Granny|Nana|"
                   # Civic, judicial, clerical and police ranks: "Cllr Ann Ode", "Det. Sgt Ruiz".
                   rf"Cllr|Councillor|Councilor|Alderman|Senator|Sen|Rep|Mayor|Judge|Det|Sgt|Insp|Capt|Lt|Fr|"
                   rf"Pastor|Rabbi|Imam)\.?\s+"
                   rf"(?P<name>{_FULL_NAME})"),
        re.compile(
            # At a line start, or after ". " / two spaces / a tab (a form laid out on one line);
            # the look-behinds keep long runs of spaces from being rescanned at every position.
            r"(?im:(?:^[ \t>*-]*|(?:(?<=[.;|] )|(?<=  )|(?<=\t))(?![ \t])[>*-]*)[\"']?(?:name|full[ _]name|contact(?: person)?|author|authors?|from|to|cc|bcc|"
            r"reported[ _]by|reporter|assignee|assigned[ _]to|submitted[ _]by|requested[ _]by|created[ _]by|"
            r"signed|customer|client|patient|pt|pcp|employee|candidate|applicant|owner|maintainer|"
            r"signed-off-by|co-authored-by|reviewed-by|acked-by|tested-by|reported-by|reviewer|"
            r"emergency contact|reference|manager|supervisor|landlord|tenant|guest|passenger|"
            r"account holder|cardholder|card holder|beneficiary|bill to|ship to|billed to|sold to|"
            r"recipient|sender|attn|attention|requester|requestor|organi[sz]er|host|speaker|presenter|chair|"
            r"interviewer|interviewee|physician|doctor|nurse|provider|technician|agent|rep|prepared by|"
            r"approved by|issued to|student|teacher|member|witness|victim|suspect|insured|policyholder|"
            r"parent|guardian|spouse|next of kin|pupil|defendant|plaintiff|claimant|respondent|appellant|"
            r"petitioner|accused|guarantor|lessee|lessor|occupant|named insured|insured person|deceased|"
            # The same person labels in French, German, Spanish, Portuguese and Italian forms.
            r"locataire|bailleur|demandeur|demanderesse|t[ée]moin|assur[ée]e?|b[ée]n[ée]ficiaire|[ée]l[èe]ve|"
            r"[ée]tudiante?|tuteur|garant|souscripteur|antragsteller(?:in)?|mieter(?:in)?|vermieter(?:in)?|"
            r"zeuge|zeugin|versicherte[rn]?|versicherungsnehmer(?:in)?|beg[üu]nstigte[rn]?|sch[üu]ler(?:in)?|"
            r"mitarbeiter(?:in)?|kontoinhaber(?:in)?|b[üu]rge|erziehungsberechtigte[rn]?|solicitante|"
            r"inquilino|inquilina|arrendatari[oa]|arrendador[a]?|testigo|asegurad[oa]|beneficiari[oa]|"
            r"benefici[áa]ri[oa]|alumn[oa]|estudiante|tomador(?:a)?|requerente|locat[áa]ri[oa]|locador[a]?|"
            r"testemunha|segurad[oa]|alun[oa]|fiador[a]?|titular|contraente|richiedente|conduttore|locatore|"
            r"testimone|assicurat[oa]|studente|alunn[oa]|intestatario|paciente|destinat[áa]rio|remetente)[\"']?"
            rf"[ \t]*[:=][ \t]*(?:\n[ \t]*)?[\"']?)(?P<name>{_TWO_PLUS})"),
        re.compile(rf"[\"'](?i:(?:user|display|full|real|contact|customer|author|owner|sender|recipient|patient|"
                   rf"employee|member|account|holder)?[_ -]?name|author|maintainer|owner|contact|assignee|reviewer|"
                   rf"reporter|committer|creator|customer|user|sender|recipient)"
                   rf"[\"'][ \t]*:[ \t]*[\"'](?P<name>{_TWO_PLUS})[\"']"),
        re.compile(rf"(?P<name>{_TWO_PLUS})[\"']?[ \t]*(?:<|\(|\[)[ \t]*(?:mailto:)?[\w.+-]+@"),
        re.compile(rf"\b(?:Dear|Hi|Hello|Hey|Greetings|Attn|Attention)[ \t]+(?P<name>{_FULL_NAME})"),
        re.compile(r"(?im:^[ \t]*(?:thanks|thank you|regards|best regards|kind regards|warm regards|"
                   r"best|cheers|sincerely|yours(?: truly| sincerely)?|respectfully|all the best|"
                   r"take care|-+|—)[ \t]*,?[ \t]*\n[ \t]*)"
                   rf"(?P<name>{_FULL_NAME})"),
        re.compile(r"(?i:\b(?:my name is|my name's|i am|i'm|this is|it's|call me|signed by|written by|"
                   r"posted by|reported by|authored by|ask for|speak to|talk to|quoting|thanks|thank you|"
                   # A support chat handing over: "You're now chatting with Ilkay".
                   r"now chatting with|now talking to|now connected (?:to|with)|transferred to|you are chatting with)[ \t]+)"
                   rf"(?P<name>{_FULL_NAME})"),
        # Chat and forum speakers: "[Mon 09:14] Ana Ruiz: ...", "<Ana Ruiz> ...", "Ana Ruiz wrote:".
        re.compile(rf"(?m:^[ \t]*\[[^\]\n]{{1,40}}\][ \t]*)(?P<name>{_FULL_NAME})[ \t]*:"),
        re.compile(rf"(?m:^[ \t]*(?:\[[^\]\n]{{1,40}}\][ \t]*|\d{{1,2}}:\d{{2}}(?::\d{{2}})?[ \t]+)?<[@+%&~]?)(?P<name>{_FULL_NAME})>"),
        re.compile(rf"(?m:^[ \t]*(?:--|—|~)[ \t]*)(?P<name>{_FULL_NAME})[ \t]*(?=(?m:$)|[,(|]|[ \t]+[-–—][ \t])"),
        re.compile(rf"(?P<name>{_FULL_NAME})(?:\*{{1,2}}|_{{1,2}})?[ \t]+(?:\([^()\n]{{1,40}}\)[ \t]+)?(?i:wrote|writes|said|says|replied|"
                   r"commented|told|added|explained|noted|stated|argued|recalled|insisted)\b"
                   # "The Topix added 1.5%": an index or a company gaining, not a speaker.
                   r"(?![ \t]+(?:[$€£¥+-]|\d+(?:[.,]\d+)?[ \t]*(?:%|points?\b|pts\b|cents?\b|bps\b)))"),
        # "Chat between Nina Machado and Ana Ruiz", "a call with Ana Ruiz and Bo Li"
        re.compile(rf"\b(?i:between|with)[ \t]+(?P<name>{_FULL_NAME})[ \t]+(?i:and|&)[ \t]"),
        re.compile(rf"\b(?i:between)[ \t]+{_FULL_NAME}[ \t]+(?i:and|&)[ \t]+(?P<name>{_FULL_NAME})"),
        # Action items: "- Falguni: check the quote", "* Ana Ruiz: send the draft by Friday".
        re.compile(rf"(?m:^[ \t]*[-*•][ \t]+)(?P<name>{_FULL_NAME})[ \t]*:[ \t]+(?i:to[ \t]+)?(?:check|send|book|call|"
                   r"update|review|follow|draft|schedule|prepare|share|email|e-mail|contact|write|fix|investigate|"
                   r"confirm|ask|order|organi[sz]e|circulate|finali[sz]e|look|reach|test|deploy|create|talk|sync|"
                   r"coordinate|arrange|present|clean|move|find|file|submit|post|collect|verify|set up|reply|"
                   r"respond|chase|compile|run|plan|research|merge|document|book)\b"),
        # A byline on its own line: "By Sven Aalts | March 14, 2024".
        re.compile(rf"(?im:^[ \t]*by[ \t]+)(?P<name>{_TWO_PLUS})"),
        # A bare "M." (monsieur, or an initial) only before a full name: "M. Didier Lemaire". The
        # look-behind follows the literal so the regex engine can scan for "M." quickly.
        re.compile(rf"M\.(?<![\w.]M\.)[ \t]+(?P<name>{_TWO_PLUS})"),
        # A relative or acquaintance: "his wife Eirlys", "my grandmother Wilhelmina Brouwer".
        re.compile(rf"\b(?:[Mm]y|[Hh]is|[Hh]er|[Oo]ur|[Tt]heir|[Yy]our)[ \t]+(?i:late[ \t]+)?(?i:wife|husband|son|daughter|mother|"
                   r"father|mum|mom|dad|brother|sister|grandmother|grandfather|grandma|grandpa|granddaughter|"
                   r"grandson|aunt|uncle|cousin|niece|nephew|partner|fianc[ée]e?|boyfriend|girlfriend|friend|"
                   r"colleague|boss|neighbou?r|landlord|landlady|stepson|stepdaughter|stepmother|stepfather|"
                   rf"twin)[ \t]*,?[ \t]+(?P<name>{_FULL_NAME})"),
        # "Last, First" display names: '"Okonkwo, Chinedu" <c@x.com>', "From: Okonkwo, Chinedu <…>".
        re.compile(rf"\"(?P<name>{_CAP_NAME},[ \t]+{_FULL_NAME})\"[ \t]*<"),
        re.compile(rf"(?im:^[ \t>]*(?:from|to|cc|bcc|reply-to|sender|von|an|de|à|van|aan)[ \t]*:[ \t]*)"
                   rf"(?P<name>{_CAP_NAME},[ \t]+{_FULL_NAME})[ \t]*(?:<|\[mailto:|;|(?m:$))"),
        # Chat speakers: "Oyelaran, Tunde 10:02" (Teams), "Agent (Priya): …", "Mobile (Bronwyn): …".
        re.compile(rf"(?m:^[ \t]*)(?P<name>{_CAP_NAME},[ \t]+{_CAP_NAME})[ \t]+\d{{1,2}}:\d{{2}}"
                   r"(?::\d{2})?(?:[ \t]?[AaPp]\.?[Mm]\.?)?[ \t]*(?m:$)"),
        re.compile(r"(?im:^[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?(?:agent|visitor|customer|client|caller|operator|support|rep|advisor|adviser|guest|"
                   r"user|host|moderator|mobile|cell|phone|tel|contact|driver|technician|nurse|doctor)[ \t]*\([ \t]*)"
                   rf"(?P<name>{_FULL_NAME})[ \t]*\)[ \t]*:"),
        # Slack and Teams copies: "Lucas Pereira [9:14 AM]" on its own line.
        re.compile(rf"(?m:^[ \t]*)(?P<name>{_FULL_NAME})[ \t]+\[\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[ \t]?[AaPp]\.?[Mm]\.?)?\]"
                   r"[ \t]*(?m:$)"),
        # Labels that only ever hold a person, so one word is enough: "Cashier: DeShawn".
        re.compile(r"(?im:(?:^[ \t]*|(?<=  )|(?<=\t))(?:cashier|clerk|served by|your server|attn|attention|c/o|pt|"
                   r"operator|teller|attendant|waiter|waitress|"
                   rf"patient|care of)[ \t]*[:.#]?[ \t]*)(?P<name>{_FULL_NAME})(?=[ \t]*(?:(?m:$)|[,;|(]|[ \t]{{2}}|\t))"),
        # Siblings and couples share the surname: "brothers Harpreet and Gurdeep Sandhu".
        re.compile(rf"\b(?i:brothers|sisters|twins|siblings|cousins|couple|spouses|husband and wife|"
                   rf"mr\.? (?:and|&) mrs\.?|mr\.? (?:and|&) ms\.?)[ \t]+(?P<name>{_CAP_NAME})[ \t]+(?:and|&)[ \t]+{_TWO_PLUS}"),
        # "hi its Raghav": a texter introducing themselves.
        re.compile(rf"\b(?i:hi|hey|hello|hiya)[ \t,]+(?i:it's|it’s|its|it is|this is)[ \t]+(?P<name>{_FULL_NAME})"),
        # A quoted display name, even of one word: '"Raghav" <r@example.in>'.
        re.compile(rf"\"(?P<name>{_FULL_NAME})\"[ \t]*<[\w.+-]+@"),
        # Given name or surname fields hold one word: "first_name": "Agathe", lastName: Lemoine.
        re.compile(rf"(?:^|(?<=[\s{{,\"']))(?i:first|last|given|family|sur|middle|fore|maiden|display)[_ -]?(?i:name)[\"']?"
                   rf"[ \t]*[:=][ \t]*[\"']?(?P<name>{_FULL_NAME})(?=[ \t]*(?:[\"',}}\n]|$))"),
        # A name under a person's key, so one word is enough: YAML "author:\n  name: Ana" and
        # JSON '"author": {"name": "Ana"}'.
        re.compile(rf"(?im:^(?P<indent>[ \t]*)(?:-[ \t]+)?[\"']?{_PERSON_PARENT}[\"']?[ \t]*:[ \t]*\n"
                   rf"(?:(?P=indent)[ \t]+[^\n]*\n){{0,4}}?(?P=indent)[ \t]+(?:-[ \t]+)?[\"']?name[\"']?[ \t]*:[ \t]*[\"']?)"
                   rf"(?P<name>{_FULL_NAME})[\"']?[ \t]*(?m:$)"),
        re.compile(rf"[\"']{_PERSON_PARENT}[\"'][ \t]*:[ \t]*\{{[^{{}}]{{0,200}}?[\"']name[\"'][ \t]*:[ \t]*[\"']"
                   rf"(?P<name>{_FULL_NAME})[\"']"),
        # WhatsApp exports: "12/02/2025, 19:04 - Bongani Dube: msg" (the bracketed form is above).
        re.compile(r"(?m:^[ \t]*\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?[ \t]+\d{1,2}:\d{2}(?::\d{2})?"
                   rf"(?:[ \t]?[AaPp]\.?[Mm]\.?)?[ \t]+[-–][ \t]+)(?P<name>{_FULL_NAME})[ \t]*:"),
        # A speaker with a role: "Ilkay (Support): Hi!", "[10:02] Dana [Moderator]: welcome".
        re.compile(rf"(?m:^[ \t]*(?:\[[^\]\n]{{1,40}}\][ \t]*)?)(?P<name>{_FULL_NAME})[ \t]*[(\[](?i:(?:[\w-]+[ \t])?"
                   r"(?:support|agent|admin|administrator|moderator|mod|host|co-host|staff|team|bot|customer|client|"
                   r"sales|manager|engineer|owner|guest|op|dev|developer|maintainer|hr|it|teacher|coach|lead|"
                   r"organi[sz]er|chair|facilitator|interviewer|candidate|tutor|instructor|member|volunteer|"
                   r"parent|student|nurse|doctor|dispatcher|ops|on-?call|sre|pm|qa|ceo|cto|cfo|coo|founder|"
                   r"editor|reporter|presenter|speaker|panell?ist|caller|advisor|adviser|rep|officer))[)\]][ \t]*:"),
        # A maiden or birth name in brackets: "Sushila Kapoor (née Mehra)".
        re.compile(rf"\((?i:n[ée]e|born|geb\.?|geborene)[ \t]+(?P<name>{_FULL_NAME})\)"),
        # A named person by role: "The duty manager, Ravi, was", "my landlord Pete", "our plumber Dai".
        re.compile(r"\b(?:[Tt]he|[Oo]ur|[Mm]y|[Yy]our|[Hh]is|[Hh]er|[Tt]heir)[ \t]+(?:[a-z-]+[ \t]+)?(?i:manager|"
                   r"caretaker|landlord|landlady|receptionist|concierge|host|hostess|waiter|waitress|server|bartender|"
                   r"barista|driver|instructor|teacher|tutor|coach|doctor|dentist|nurse|therapist|plumber|"
                   r"electrician|builder|mechanic|lawyer|solicitor|accountant|advisor|adviser|housekeeper|cleaner|"
                   r"nanny|guide|chef|technician|consultant|surgeon|midwife|pharmacist|vet|postman|postwoman|"
                   r"headteacher|headmaster|headmistress|principal|supervisor|trainer|physio|physiotherapist|"
                   r"optician|gardener|handyman|contractor|decorator|carer|caregiver|babysitter|childminder|"
                   r"roommate|flatmate|housemate|coworker|co-worker|teammate|classmate|mentor|vicar|priest|"
                   r"counsell?or|clerk|cashier|assistant|secretary|chauffeur|porter|janitor|custodian|"
                   r"superintendent|courier|installer|inspector|surveyor|estate agent|letting agent|agent)"
                   rf"[ \t]*,?[ \t]+(?P<name>{_FULL_NAME})(?=[ \t]*(?:[,.;:!?)]|(?m:$)|[ \t](?:was|is|has|had|"
                   r"said|told|came|did|who|and|from|at|on|in|will|would|gave|sent|called|fixed|helped)\b))"),
        # An HTML byline: 'by <a href="/authors/x">Maeve Brennan</a>', '<span class="author">…'.
        re.compile(rf"(?i:\bby[ \t]+<a\b[^>\n]{{0,200}}>[ \t]*)(?P<name>{_FULL_NAME})[ \t]*</"),
        re.compile(rf"(?i:(?:class|itemprop|rel)=[\"'][^\"'\n]{{0,40}}\b(?:author|byline)\b[^\"'\n]{{0,40}}[\"'][^>\n]{{0,200}}>"
                   rf"(?:[ \t]*<a\b[^>\n]{{0,200}}>)?[ \t]*(?:by[ \t]+)?)(?P<name>{_FULL_NAME})[ \t]*<"),
    )
    # Letters after a name: "Hye-jin Seo, PhD", "Dolores Quintanilla, MSN". Found from the
    # letters, then the name before them: a pattern starting with a name is tried at every word.
    # No leading \b: the regex engine then skips to the letters' first characters quickly;
    # `_lettered_names` checks the word boundary.
    _POST_NOMINALS = re.compile(r"(?:Ph\.?D|M\.?D|DPhil|MBA|MPH|M\.?Sc|B\.?Sc|RN|BSN|MSN|DNP|PA-C|DDS|DMD|"
                                r"JD|Esq|CPA|CFA|PMP|LCSW|FRCS|FRCP|MRCP|MRCGP|FACS)\b")
    _NAME_BEFORE = re.compile(rf"(?<![\w'’-])(?P<name>{_TWO_PLUS}),?[ \t]+$")
    # Inferred: two or three capitalised words in a spot where people are named. Stricter
    # checks (no product, place or heading word) keep "Apache Kafka" and "New York" intact.
    STRICT_PATTERNS = (
        # A field holding only a name (a line, CSV/TSV/table cell, HTML element) near contact details.
        re.compile(rf"(?:^[ \t]*|(?<=[>,;|\"])[ \t]*|(?<=\t)(?![ \t]))(?P<name>{_TWO_PLUS}|{_CAPS_NAME})[ \t]*"
                   r"(?=$|[<,;|\t\"(])",
                   re.MULTILINE),
    )

    # "Contact Olamide — olamide@example.com / 07723 418 905": a name offered with contact details.
    _CONTACT_NAME = re.compile(
        rf"\b(?:[Cc]ontact|[Aa]sk for|[Cc]all|[Tt]ext|[Rr]ing|[Mm]essage|WhatsApp|[Ee]-?mail)[ \t]+(?P<name>{_FULL_NAME})"
        r"[ \t]*(?:[-–—:,/]|on|at)[ \t]*(?=[^\n]{0,30}?(?:@|\+?\d[\d \t().-]{6,}\d))")

    # A label introducing people, then a list: "Attendees: Ana Ruiz, Bo Li and Kim Park".
    _PEOPLE_LIST = re.compile(
        r"(?im:^[ \t>*-]*(?:attendees|participants|present|absent|apologies|invitees|invited|members|speakers|"
        r"panelists|panellists|guests|cc|bcc|to|authors|contributors|reviewers|people|players|cast|"
        r"signatories|witnesses|interviewers|judges|organi[sz]ers|hosts)[ \t]*:[ \t]*)(?P<list>[^\n]{3,600})")
    _LIST_ITEM = re.compile(r"(?:^|(?<=[,;&]))[ \t]*(?:and[ \t]+)?(?P<item>[^,;&\n]+?)[ \t]*(?=[,;&]|$)")
    _ITEM_NAME = re.compile(rf"(?P<name>{_FULL_NAME})(?:[ \t]*\([^()]{{1,40}}\))?")

    _BARE_NAME_KEY = re.compile(r"[ \t>*-]*[\"']?(?i:name)[\"']?[ \t]*[:=]")

    _CLOSED_GREETING = re.compile(rf"\b(?:Dear|Hi|Hello|Hey|Morning)[ \t]+(?P<name>{_FULL_NAME})[ \t]*(?:,|!|(?m:$))")

    def find(self, text):
        for index, pattern in enumerate(self.PATTERNS):
            for match in pattern.finditer(text):
                span = self.keep(match, text)
                if self.trace is not None:
                    self._record(index, match, span)
                if span:
                    yield span
        yield from self._people_lists(text)
        yield from self._court_parties(text)
        yield from self._family_notices(text)
        yield from self._lettered_names(text)
        yield from table_names(text)
        yield from self._people_sections(text)
        if "BEGIN:VCARD" in text:
            for line in _VCARD_NAME.finditer(text):
                for part in re.finditer(r"[^;,]+", line.group("value")):
                    if re.search(r"[^\W\d_]", part.group()) and part.group().strip():
                        lead = len(part.group()) - len(part.group().lstrip())
                        yield line.start("value") + part.start() + lead, line.start("value") + part.start() + len(part.group().rstrip())
        recased = recase_uniform_lines(text)
        if recased is not None:
            yield from self._recased_names(recased, text)
        lower_words = None
        for pattern in (*self.STRICT_PATTERNS, self._CONTACT_NAME):
            for match in pattern.finditer(text):
                # "Ngozi Eze<TAB>Finance": a tab or a run of spaces parts the cells of a table.
                name = re.split(r"\t|[ \t]{2,}", match.group("name"))[0]
                # "Owner Gwilym Jenkins, 58, who": a role word before the name is not part of it.
                words = [(w.start(), w.end()) for w in re.finditer(r"\S+", name)]
                while len(words) > 2 and _edge_word(match.group("name")[slice(*words[0])]):
                    words.pop(0)
                tokens = [name[a:b] for a, b in words]
                if not (_strict_name(tokens) and self._supported(pattern, match, text)):
                    continue
                if lower_words is None:
                    lower_words = lowercase_words(text)
                if not all(t.lower() in lower_words for t in tokens):
                    yield match.start("name") + words[0][0], _without_possessive(text, match.start("name") + words[-1][1])

    # Court listings: "R v KOWALCZYK", "Smith v. Jones", "In re Albright", and party lines such
    # as "DARIUSZ KOWALCZYK (Defendant)". Parties may be written in capitals.
    _PARTY = rf"[{_UP}][\w'’-]+(?:[ \t]+[{_UP}][\w'’-]+){{0,3}}"
    _PARTY_ROLE = (r"(?i:(?:first|second|third|fourth|\d(?:st|nd|rd|th))[ \t]+)?(?i:claimant|defendant|plaintiff|"
                   r"respondent|appellant|applicant|petitioner|accused|appellee|intervener|interested party)s?")
    _VERSUS = re.compile(rf"(?<![\w'’-])(?P<a>R|{_PARTY})[ \t]+v\.?[ \t]+(?P<b>{_PARTY})")
    _IN_RE = re.compile(rf"\b(?:In|IN)[ \t]+(?:re|Re|RE)\b\.?:?[ \t]+(?:(?i:the[ \t]+)?(?i:estate|marriage|matter)"
                        rf"[ \t]+(?i:of)[ \t]+)?(?P<b>{_PARTY})")
    _PARTY_LINE = re.compile(rf"(?m:^[ \t]*)(?P<b>{_PARTY})[ \t]*(?:\([ \t]*{_PARTY_ROLE}[ \t]*\)|,[ \t]*(?i:the[ \t]+)?"
                             rf"{_PARTY_ROLE}[ \t]*(?m:$))")
    # Words naming the state or an institution as a party ("R v", "Regina v", "HMRC v").
    _NOT_PARTY = frozenset("r regina rex crown queen king people state commonwealth secretary minister home "
                           "department commissioners revenue customs attorney general director public prosecutions "
                           "borough mayor city council united states government republic ex parte".split())

    _PARTY_ROLE_WORDS = ("claimant", "defendant", "plaintiff", "respondent", "appellant", "applicant", "petitioner",
                         "accused", "appellee", "intervener", "interested party")

    def _court_parties(self, text):
        # The patterns open with a name, so they would be tried at every word: plain substring
        # tests first keep texts without a listing (nearly all) at no cost.
        lower = text.lower()
        patterns = [pattern for pattern, present in (
            (self._VERSUS, " v " in text or " v. " in text or "\tv " in text),
            (self._IN_RE, "in re" in lower),
            (self._PARTY_LINE, any(word in lower for word in self._PARTY_ROLE_WORDS))) if present]
        for pattern in patterns:
            for match in pattern.finditer(text):
                for group in ("a", "b") if pattern is self._VERSUS else ("b",):
                    span = self._party(match, group)
                    if span:
                        yield span

    def _party(self, match, group):
        value, start = match.group(group), match.start(group)
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", value)]
        # "In Smith v Jones the court": words around the parties are not part of them.
        while words and _edge_word(value[slice(*words[0])]):
            words.pop(0)
        while words and _edge_word(value[slice(*words[-1])]):
            words.pop()
        tokens = [value[a:b].lower() for a, b in words]
        if not tokens or any(len(t) < 2 or not t.replace("-", "").replace("'", "").replace("’", "").isalpha()
                             or t in self._NOT_PARTY or t in ORG_WORDS or t in COMMON_CAPS or t in NOT_NAMES
                             or t in PRODUCT_TAILS or t in _stop_words() for t in tokens):
            return None
        return start + words[0][0], start + words[-1][1]

    # Family notices: "KAPOOR, Sushila" heading an obituary, and the kin it lists: "wife of the
    # late Rajinder, mother of Anil and Meera", "grandchildren Liam, Nora and Aidan".
    _NOTICE_HEADER = re.compile(rf"(?m:^[ \t]*)(?P<name>[{_UP}]{{2,}}(?:[-'’ ][{_UP}]{{2,}})?,[ \t]+{_FULL_NAME})"
                                r"(?=[ \t]*(?:\([^()\n]{0,40}\)[ \t]*)?(?m:$))")
    _KIN_ITEM = rf"{_FULL_NAME}(?:[ \t]*\([^()\n]{{1,30}}\))?(?:[ \t]+{_FULL_NAME})?"
    _KIN_LIST = re.compile(
        r"(?:\b(?i:wife|husband|widow|widower|partner|mother|father|mum|mom|dad|son|daughter|brother|sister|"
        r"grandmother|grandfather|grandma|grandpa|nan|nana|granny|grandad|grandson|granddaughter|aunt|auntie|"
        r"uncle|niece|nephew|cousin|stepmother|stepfather|stepson|stepdaughter|great-grandmother|"
        r"great-grandfather|(?:mother|father|son|daughter|sister|brother)-in-law|companion)[ \t]+(?i:of|to)"
        r"|\b(?i:children|grandchildren|great-grandchildren|sons|daughters|siblings|parents|grandparents)"
        r"|\b(?i:to|of)[ \t]+(?i:the)[ \t]+(?i:late))"
        rf"[ \t]+(?:(?i:the[ \t]+late)[ \t]+)?(?P<list>{_KIN_ITEM}(?:[ \t]*(?:,|;|&|,?[ \t]+and)[ \t]+"
        rf"(?:(?i:the[ \t]+late)[ \t]+)?{_KIN_ITEM}){{0,12}})")

    _KIN_HINTS = (" of ", " to ", "children", "sons ", "daughters ", "siblings", "parents")

    def _family_notices(self, text):
        for match in self._NOTICE_HEADER.finditer(text):
            surname, _, given = match.group("name").partition(",")
            if surname.lower() not in COMMON_CAPS and surname.lower() not in NOT_NAMES and _strict_name(given.split()):
                yield match.span("name")
        lower = text.lower()
        if not any(hint in lower for hint in self._KIN_HINTS):
            return
        lower_words = None
        for match in self._KIN_LIST.finditer(text):
            for name in re.finditer(_FULL_NAME, match.group("list")):
                tokens = name.group().split()
                if not _strict_name(tokens):
                    continue
                if lower_words is None:
                    lower_words = lowercase_words(text)
                if all(t.lower() in lower_words for t in tokens):
                    continue
                yield match.start("list") + name.start(), match.start("list") + name.end()

    # A section of people in a README or web page: "## Contributors", then "* Ana Ruiz — docs".
    _PEOPLE_HEADING = re.compile(
        r"(?im)^[ \t]*(?:#{1,6}[ \t]*|\*\*|<h[1-6][^>]*>)?(?:[\w ]{0,20}[ \t])?(?:contributors|maintainers|authors|credits|"
        r"acknowledge?ments|core team|team|committers|people|staff|thanks|board|trustees|volunteers)\b[^\n]{0,40}\n")
    _BULLET_NAME = re.compile(rf"[ \t]*(?:[-*•+]|\d{{1,2}}\.)[ \t]+(?:\*\*|__)?(?P<name>{_TWO_PLUS})(?:\*\*|__)?"
                              r"[ \t]*(?:$|[-–—(<,:\[]|[ \t]+[-–—])")

    def _people_sections(self, text):
        lower_words = None
        for heading in self._PEOPLE_HEADING.finditer(text):
            pos, bullets, lines = heading.end(), 0, 0
            while pos < len(text) and lines < 60:
                end = text.find("\n", pos)
                end = len(text) if end < 0 else end
                line = text[pos:end]
                lines += 1
                if line.lstrip().startswith("#"):
                    break
                if line.strip():
                    is_bullet = re.match(r"[ \t]*(?:[-*•+]|\d{1,2}\.)[ \t]", line) is not None
                    if not is_bullet and (bullets or lines > 3):
                        break
                    name = self._BULLET_NAME.match(line) if is_bullet else None
                    bullets += is_bullet
                    if name is not None:
                        tokens = name.group("name").split()
                        if lower_words is None:
                            lower_words = lowercase_words(text)
                        if _strict_name(tokens) and not all(t.lower() in lower_words for t in tokens):
                            yield pos + name.start("name"), pos + name.end("name")
                pos = end + 1

    def _lettered_names(self, text):
        for letters in self._POST_NOMINALS.finditer(text):
            if letters.start() and (text[letters.start() - 1].isalnum() or text[letters.start() - 1] == "_"):
                continue
            before = self._NAME_BEFORE.search(text, max(0, letters.start() - 80), letters.start())
            if before is None:
                continue
            span = self.keep(before, text)
            if span:
                yield span

    def _people_lists(self, text, recased: bool = False):
        lower_words = None
        for listed in self._PEOPLE_LIST.finditer(text):
            items = [m for m in self._LIST_ITEM.finditer(listed.group("list"))]
            names = [self._ITEM_NAME.fullmatch(m.group("item")) for m in items]
            # A list is of people when most items are name-shaped ("To: Sales, Legal" is not).
            if sum(1 for n in names if n and len(n.group("name").split()) >= 2) * 2 < len(items):
                continue
            offset = listed.start("list")
            for item, name in zip(items, names):
                if name is None:
                    continue
                tokens = name.group("name").split()
                if recased and not _recased_name(tokens):
                    continue
                if not recased:
                    if not _plausible_name(tokens) or any(t.lower() in NOT_NAMES for t in tokens):
                        continue
                    if lower_words is None:
                        lower_words = lowercase_words(text)
                    if all(t.lower() in lower_words or t.lower() in COMMON_CAPS for t in tokens):
                        continue
                start = offset + item.start("item") + name.start("name")
                yield start, start + len(name.group("name"))

    def _recased_names(self, recased: str, text: str):
        """Names in lines written all in lower or upper case, found by running the announced
        patterns on the line in title case (same offsets): "from: noël mallet <n@x.fr>",
        "PATIENT: LORRAINE AKHTAR". Recased words are all capitalised, so the name must be
        free of stop words, headings and products."""
        # Not the greeting and free-prose patterns (4, 6): in lower-case chat, "hey world" and
        # "i'm fine" would become names; a greeting counts when a comma closes it.
        for pattern in (*self.PATTERNS[:4], self.PATTERNS[5], *self.PATTERNS[7:], self._CLOSED_GREETING,
                        self.STRICT_PATTERNS[-1]):
            for match in pattern.finditer(recased):
                if pattern is self.STRICT_PATTERNS[-1] and not self._supported(pattern, match, text):
                    continue
                # Columns of a form are apart by two spaces or a tab: "LORRAINE AKHTAR    DOB".
                name = re.split(r"[ \t]{2,}|\t", match.group("name"))[0]
                start = match.start("name")
                # "Said Analyst Hélène De Briand": the role word before the name is not part of it.
                words = [(w.start(), w.end()) for w in re.finditer(r"\S+", name)]
                while words and not _recased_name([name[slice(*words[0])]]):
                    words.pop(0)
                while words and not _recased_name([name[slice(*words[-1])]]):
                    words.pop()
                # A line holding only words in capitals is a heading as often as a name: there a
                # known name part is required; a label that announces a person needs none.
                # In lower-case text every word was recased, so a lower-case name must be a known one.
                lowercase = text[start:start + len(name)].islower()
                if words and _recased_name([name[a:b] for a, b in words]) and (
                        (pattern is not self.STRICT_PATTERNS[-1] and not lowercase)
                        or _known_name_part([name[a:b] for a, b in words])):
                    yield start + words[0][0], start + words[-1][1]
        yield from self._people_lists(recased, recased=True)

    def _supported(self, pattern, match, text) -> bool:
        """A name-only line (or one followed by a comma) must sit next to contact details."""
        if pattern is not self.STRICT_PATTERNS[-1]:
            return True
        around = text[max(0, match.start() - 160):match.end() + 200]
        if "@" in around:
            return True
        around = _YEAR_RANGE.sub("", around)
        return any(len(_digits(m.group())) >= 9 for m in re.finditer(r"\+?\d[\d ().-]{7,}\d", around))

    def keep(self, match, text):
        start, end = match.span("name")
        tokens = match.group("name").split()
        # Trim non-name words at either end ("Hi Team", "Thanks Maria Monday", "On Fri").
        while tokens and _edge_word(tokens[-1]):
            tokens.pop()
            end = start + len(text[start:end].rsplit(None, 1)[0]) if tokens else start
        if tokens and tokens[0].lower() in PRODUCT_NAMES and tokens[0].lower() not in _GIVEN_NAMES_OF_PRODUCTS:
            return None  # "my colleague Docker Compose": the rest of a product name is no person
        while tokens and _edge_word(tokens[0]):
            first = tokens.pop(0)
            start = text.index(tokens[0], start + len(first)) if tokens else end
        if not tokens or not _plausible_name(tokens):
            return None
        # A bare "name:" key names services, packages and jobs as often as people ("name:
        # Payment Service" in a compose file): the value must look like a personal name.
        if self._BARE_NAME_KEY.match(text, match.start(), match.start("name")) and not (
                _strict_name(tokens) and not any(t.lower() in COMMON_CAPS or t.lower() in PRODUCT_TAILS
                                                 for t in tokens)) or yaml_thing_name(text, match.start("name")):
            return None
        return start, _without_possessive(text, end)


_VCARD_NAME = re.compile(r"(?m)^(?:FN|N|NICKNAME|X-[A-Z-]*NAME)(?:;[^:\n]*)?:(?P<value>[^\n]+)")

# Column headers of people's names in CSV/TSV/Markdown tables, compared without case, spaces,
# underscores or hyphens. Columns for a part of a name hold one word, often in lower case.
_NAME_PART_COLUMNS = frozenset("""
firstname lastname surname givenname familyname forename middlename maidenname fullname displayname
realname contactname customername clientname authorname ownername patientname employeename membername
studentname personname holdername accountholder cardholder nom prénom prenom nachname vorname apellido
apellidos nombre cognome sobrenome achternaam voornaam
""".split())
# Columns holding a person's name or something else ("name" of a product, "owner" a team): a
# value counts when it is shaped like a personal name, or is one word in a table of contacts.
_PERSON_COLUMNS = frozenset("""
name names contact customer client author owner assignee reporter username person employee patient
member student sender recipient reviewer maintainer attendee guest passenger speaker speakers participant
participants presenter host moderator chair panelist panellist tenant landlord applicant witness volunteer coach
teacher pupil guardian parent instructor tutor trainer interviewer candidate organiser organizer
""".split())
_MESSAGE_PARTY_COLUMNS = frozenset("from to".split())
_MESSAGE_COLUMNS = frozenset("subject message msg text body comment comments content".split())
_CONTACT_COLUMNS = frozenset("email e-mail mail emailaddress phone mobile tel telephone cell dob birthdate "
                             "dateofbirth address".split())
_HEADER_CELL = re.compile(
    r"(?im)(?:^|(?<=[,;\t|]))[ \t]*[\"']?(?:(?:first|last|sur|given|family|fore|middle|maiden|full|display|real|"
    r"contact|customer|client|author|owner|patient|employee|member|student|person|holder)[ _-]?name|surname|name|"
    r"names|contact|customer|client|author|owner|assignee|reporter|user[ _-]?name|person|employee|patient|member|"
    r"student|sender|recipient|reviewer|maintainer|account[ _-]?holder|card[ _-]?holder|attendee|guest|passenger|"
    r"speakers?|participants?|presenter|host|moderator|chair|panell?ist|tenant|landlord|applicant|witness|"
    r"volunteer|coach|teacher|pupil|guardian|parent|instructor|tutor|trainer|interviewer|candidate|"
    r"organi[sz]er|from|"
    r"nom|pr[ée]nom|nachname|vorname|apellidos?|nombre|cognome|sobrenome|achternaam|voornaam)[\"']?[ \t]*(?=[,;\t|]|$)")


def _cells(line: str, delimiter: str) -> List[Tuple[int, int]]:
    """Offsets of the cells of a delimited line; a quoted cell's offsets are inside its quotes."""
    cells, i, n = [], 0, len(line)
    while True:
        j = i
        while j < n and line[j] in " \t" and line[j] != delimiter:
            j += 1
        if j < n and line[j] == '"':
            k = j + 1
            while True:
                k = line.find('"', k)
                if k < 0:
                    k = n
                    break
                if line[k + 1:k + 2] == '"':
                    k += 2
                    continue
                break
            cells.append((j + 1, k))
            following = line.find(delimiter, k)
        else:
            following = line.find(delimiter, i)
            cells.append((i, following if following >= 0 else n))
        if following < 0:
            return cells
        i = following + 1


def _name_cell(value: str, name_part: bool, contacts: bool) -> Optional[Tuple[int, int]]:
    stripped = value.strip()
    if not stripped or len(stripped) > 60 or any(ch.isdigit() or ch == "@" for ch in stripped):
        return None
    tokens = stripped.replace(",", " ").split()
    if len(tokens) > 5 or not all(_NAME_TOKEN.match(t) for t in tokens):
        return None
    if name_part:
        ok = not all(t.lower() in NOT_NAMES or t.lower() in _stop_words() for t in tokens)
    else:
        capitalised = all(t[0].isupper() or t.lower() in PARTICLES for t in tokens)
        ok = capitalised and _strict_name(tokens) and (len(tokens) >= 2 or contacts) and \
            not any(t.lower() in COMMON_CAPS or t.lower() in PRODUCT_TAILS for t in tokens)
    if not ok:
        return None
    lead = len(value) - len(value.lstrip())
    return lead, lead + len(stripped)


def _table_cells(text: str, header_cell: re.Pattern, wanted: Callable[[str, List[str]], bool]
                 ) -> Iterable[Tuple[str, List[str], int, str]]:
    """Cells of the wanted columns of each table whose header row `header_cell` finds: each
    row below with as many cells as the header, up to a blank line. Yields the column key,
    all the header's keys, the cell's offset in `text` and its value."""
    headers_seen = set()
    for cell in header_cell.finditer(text):
        line_start = text.rfind("\n", 0, cell.start()) + 1
        if line_start in headers_seen:
            continue
        headers_seen.add(line_start)
        line_end = text.find("\n", cell.start())
        line_end = len(text) if line_end < 0 else line_end
        header = text[line_start:line_end]
        delimiter = max(",;\t|", key=header.count)
        if not header.count(delimiter):
            continue
        cells = _cells(header, delimiter)
        keys = [re.sub(r"[\s_\-\"'.]", "", header[a:b]).lower() for a, b in cells]
        columns = [i for i, key in enumerate(keys) if wanted(key, keys)]
        if not columns:
            continue
        pos = line_end + 1
        while pos < len(text):
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            row = text[pos:end]
            if not row.strip():
                break
            row_cells = _cells(row, delimiter)
            if len(row_cells) != len(cells):
                break
            for index in columns:
                a, b = row_cells[index]
                yield keys[index], keys, pos + a, row[a:b]
            pos = end + 1


def _person_column(key: str, keys: List[str]) -> bool:
    # "From" and "To" hold people in a table of messages, places or dates elsewhere.
    if key in _MESSAGE_PARTY_COLUMNS:
        return any(k in _MESSAGE_COLUMNS for k in keys)
    return key in _NAME_PART_COLUMNS or key in _PERSON_COLUMNS


def table_names(text: str) -> Iterable[Span]:
    """Values of the name columns of a table whose header row names them."""
    for key, keys, start, value in _table_cells(text, _HEADER_CELL, _person_column):
        contacts = any(k in _CONTACT_COLUMNS for k in keys)
        span = _name_cell(value, key in _NAME_PART_COLUMNS, contacts)
        if span:
            yield start + span[0], start + span[1]


_ADDRESS_COLUMNS = frozenset("""
address street streetaddress addressline addressline1 addressline2 address1 address2 line1 line2 homeaddress
billingaddress shippingaddress deliveryaddress mailingaddress postaladdress residentialaddress addr
adresse straße strasse anschrift dirección direccion domicilio endereço endereco logradouro indirizzo via
adres straat ulica gatuadress gateadresse gade
""".split())
_ADDRESS_HEADER_CELL = re.compile(
    r"(?im)(?:^|(?<=[,;\t|]))[ \t]*[\"']?(?:(?:home|billing|shipping|delivery|mailing|postal|residential|street)[ _-]?)?"
    r"(?:address|addr|street)(?:[ _-]?(?:line)?[ _-]?[12])?|address[ _-]?line|adresse|stra(?:ß|ss)e|anschrift|"
    r"direcci[óo]n|domicilio|endere[çc]o|logradouro|indirizzo|adres|straat|ulica|gatuadress|gateadresse"
    r"[\"']?[ \t]*(?=[,;\t|]|$)")


def table_addresses(text: str) -> Iterable[Span]:
    """Values of the street-address columns of a table: a cell with a house number or a street
    word ("Storgata 21", "Flat 2, 9 Mill Lane"); "n/a" and "same as billing" are not addresses."""
    for _, _, start, value in _table_cells(text, _ADDRESS_HEADER_CELL, lambda key, keys: key in _ADDRESS_COLUMNS):
        stripped = value.strip()
        if stripped and re.search(r"[^\W\d_]", stripped) and (
                _HOUSE_NUMBER.search(stripped) or _STREET_WORD.search(stripped) or _STREET_COMPOUND.search(stripped)):
            lead = len(value) - len(value.lstrip())
            yield start + lead, start + lead + len(stripped)


def _without_possessive(text: str, end: int) -> int:
    """The end of a name without its possessive ending: "Dr. Feldstein's office"."""
    return end - 2 if text[end - 2:end] in ("'s", "’s") else end


def recase_uniform_lines(text: str) -> Optional[str]:
    """`text` with each line written wholly in upper case (or in lower case, in a text that is)
    put in title case, same length, other lines blanked (None when there is no such line):
    names there lose their only visual cue."""
    # Lower-case lines count only in a text written in lower case: wrapped prose is full of
    # them, and people there capitalise names.
    lower_text = None
    changed, lines = False, []
    for line in text.split("\n"):
        # Long upper-case lines are legal boilerplate ("THE SOFTWARE IS PROVIDED AS IS"), not
        # headers, bylines or form fields.
        upper_field = line.isupper() and len(line) <= 64
        if not upper_field and line.islower() and lower_text is None:
            # Counted once and only when needed: a per-character pass over every text is costly.
            lower_text = sum(map(str.isupper, text)) <= 0.01 * sum(map(str.isalpha, text))
        if (upper_field or (lower_text and line.islower())) and sum(map(str.isalpha, line)) >= 4:
            titled = re.sub(r"[^\W\d_]+", _title_word, line)
            if len(titled) == len(line):
                changed = True
                lines.append(titled)
                continue
        lines.append(" " * len(line))
    return "\n".join(lines) if changed else None


def _title_word(match: re.Match) -> str:
    word = match.group()
    titled = word[:1].upper() + word[1:].lower()
    return titled if len(titled) == len(word) else word


@functools.lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from spacy.lang.en.stop_words import STOP_WORDS
    return frozenset(STOP_WORDS) - PARTICLES


def _common_phrase(tokens: Sequence[str]) -> bool:
    """No word a known given name or surname, and one a common word: "Coffee Break" is a heading
    the model took for a person."""
    from cleanse.pii_names import lexicons

    given, surnames, _, common = lexicons()
    words = [t.lower().strip(".,") for t in tokens]
    return not any(w in given or w in surnames for w in words) and any(w in common for w in words)


def _known_name_part(tokens: Sequence[str]) -> bool:
    """A line in capitals or lower case lost the capitalisation cue: at least one of its words
    must be a given name or surname the lexicons know ("FICHA DE CLIENTE" is a heading)."""
    from cleanse.pii_names import lexicons

    given, surnames, _, _ = lexicons()
    return any(t.lower().strip(".,") in given or t.lower().strip(".,") in surnames for t in tokens)


def _recased_name(tokens: Sequence[str]) -> bool:
    words = [t.lower().strip(".,") for t in tokens]
    if not words or any(w in _stop_words() or w in NOT_NAMES or w in COMMON_CAPS or w in ORG_WORDS
                        or w in PRODUCT_TAILS for w in words if w not in PARTICLES):
        return False
    return _plausible_name(tokens) and len(words[0]) > 1


# Capitalised words of headings, organisations, places and products: a two-word title-case
# phrase containing one is not inferred to be a person without stronger evidence.
COMMON_CAPS = frozenset("""
new old north south east west central upper lower great grand little big united royal national
international general global first second third saint san santa los las el la le st fort port
mount lake river valley bay beach island islands city county state states kingdom republic
university college school institute academy hospital clinic bank group holdings partners
associates capital ventures labs lab systems technologies technology solutions services software
networks network consulting media studio studios games entertainment foundation fund trust
society association council committee agency bureau office ministry court house center
centre street avenue road plaza square tower building cloud data web net online digital
mobile app apps platform server code visual power pro max plus mini air ultra home business
enterprise community edition express standard premium project release notes getting started
guide manual overview introduction table contents chapter section part appendix index
conclusion abstract background results discussion methods acknowledgements features
installation usage configuration license copyright documentation api changelog news blog about
privacy policy terms conditions faq help careers jobs pricing products resources download
downloads security research quick start root cause follow up action items timeline impact
agent customer billing shipping invoice order total payment method account settings profile
dashboard login logout sign register search menu main page next previous back top bottom
red blue gold silver open free public private limited corp inc llc ltd co
gmbh plc sa ag bv pty company corporation industries international worldwide america american
europe european asia asian africa african china chinese india indian japan japanese german
germany france french spain spanish italy italian english british canada canadian australia
australian mexico brazil russia russian korea korean work professional technical personal information employment history career achievements
awards publications volunteer hobbies activities qualifications competencies highlights first second third fourth fifth sixth seventh eighth ninth tenth floor
details detail particulars declaration statement receipt summary form record records nota fiscal factura fatura
rechnung facture recibo quittung datos dados angaben informations coordonnées détails servicio serviço
""".split())


_NAME_SHAPE = re.compile(rf"(?:{_CAP_NAME})$")


def _name_shaped(ent) -> bool:
    """Two or three title-case words, none a product, place, organisation or heading word."""
    if not 2 <= len(ent) <= 3 or ent.label_ in ("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT",
                                                  "QUANTITY", "GPE", "LOC"):
        return False
    return all(_NAME_SHAPE.match(t.text) and _strict_name_token(t.text) for t in ent)


# Given names that are also product names: "Cassandra Garner" is a person.
_GIVEN_NAMES_OF_PRODUCTS = frozenset({"cassandra", "alexa", "ruby", "julia", "siri", "pixel"})
_TITLE_WORDS = NOT_NAMES - PRODUCT_NAMES


@functools.lru_cache(maxsize=16)  # asked by several recognizers about the same chunk
def lowercase_words(text: str) -> frozenset:
    """Words the text writes in lower case: a capitalised phrase made only of them is a
    heading or a term, not a name (people's names are not written in lower case)."""
    # Whole whitespace-separated words only: "ana.ruiz@example.com" does not make "ruiz" plain.
    words = (token.strip(".,;:!?()[]{}\"'“”‘’*") for token in text.split())
    return frozenset(w for w in words if w.isalpha() and w.islower())


# Words of organisation and document names; a person's name never contains them.
ORG_WORDS = frozenset("""
software consortium foundation university college institute systems technologies solutions
services labs laboratories group holdings partners associates capital ventures networks
consulting media studios games entertainment fund trust society association council committee
agency bureau ministry inc llc ltd corp corporation company gmbh plc industries authors
contributors developers community license licence licensed approved osi mit gpl lgpl bsd floor
suite project team organization organisation
sarl srl sas spa ltda pvt kg ohg dental healthcare pharmacy bakery restaurant cafe café hotel
salon logistics logistique freight shipping trading traders insurance realty properties
construction landscaping université universite universidad universität universiteit università
universidade école hochschule
water energy bank banking pay telecom telecoms telecommunications wireless airlines airways railways
motors automotive robotics plumbing electrical roofing removals lettings estates physio physiotherapy
medical crematorium cemetery hospice academy library museum gallery theatre theater hospital clinic
solicitors accountants architects engineering
resources department outpatients inpatients dermatology cardiology radiology oncology paediatrics
pediatrics orthopaedics maternity
""".split())
# Company-form suffixes written in capitals after a name: "Solvik Robotics AS", "Nokia Oyj".
# Compared with their case: "As" and "Sa" open sentences and names.
COMPANY_SUFFIXES = frozenset("AS ASA AB Oy Oyj BV NV SA SAS SARL SRL SpA GmbH AG KG SE Ltd Ltd. LLC LLP Inc Inc. "
                             "PLC plc Pty KK ApS A/S".split())


def organisation_word(token: str) -> bool:
    """A word that only organisations carry: "Water", "Holdings", or one inside a camel-case
    brand ("MobilePay", "EnergyAustralia")."""
    if token.lower().strip(".,") in ORG_WORDS:
        return True
    parts = re.findall(r"[A-Z][a-z]+", token)
    return len(parts) >= 2 and any(part.lower() in ORG_WORDS for part in parts)
# Last words of product names ("Raspberry Pi", "Logic Pro", "Android Studio"): never a surname.
PRODUCT_TAILS = frozenset("""
pro pi studio engine compose assistant deck switch cloud os server code suite edition plus max
mini ultra air kit sdk api hub box drive pay maps docs sheets mail store play tv watch pad phone
book notebook go one premiere reader player editor manager framework toolkit desktop mobile
""".split())
_ARTICLES = frozenset("the a an this that these those our your my his her their its and or of for".split())


# Stop words that are given names too ("May Chen", "Will Osei").
_NAME_STOP_WORDS = frozenset({"may", "will"})


def _edge_word(token: str) -> bool:
    """A word that cannot open or close a name: a title, calendar or product word, a stop word."""
    word = token.lower().strip(".,")
    return word in NOT_NAMES or (word in _stop_words() and word not in _NAME_STOP_WORDS)


def _strict_name(tokens: Sequence[str]) -> bool:
    """An inferred name: the first word is a plausible given name (not a product, place,
    heading or greeting word); later words may be any capitalised word but a title or
    greeting, because "Green", "English" and "Jenkins" are surnames too."""
    words = [t.lower().strip(".,") for t in tokens]
    first = words[0]
    if len(first) < 2 or first in COMMON_CAPS or first in _TITLE_WORDS or first in _ARTICLES:
        return False
    if first in _stop_words() and first not in _NAME_STOP_WORDS:
        return False
    if any(organisation_word(t) for t in tokens) or words[-1] in PRODUCT_TAILS:
        return False
    if first in PRODUCT_NAMES and first not in _GIVEN_NAMES_OF_PRODUCTS:
        return False
    return not any(w in _TITLE_WORDS for w in words[1:])


_LIST_JOIN = r"[ \t]*(?:,|,?[ \t]+(?:and|&))[ \t]+"
_LISTED_AFTER = re.compile(rf"{_LIST_JOIN}(?P<name>{_TWO_PLUS})")
_LISTED_BEFORE = re.compile(rf"(?<![\w'’-])(?P<name>{_TWO_PLUS}){_LIST_JOIN}$")


def listed_names_beside(text: str, start: int, end: int) -> List[Span]:
    """The full names listed right before and after the name at start:end ("A B, C D and E F"):
    each with at least two words, none a product, place, heading or organisation word, and
    not all words the text also writes in lower case."""
    spans = []
    # Most names stand in no list: a glance at the joining characters saves the name patterns.
    joined_after = re.match(r"[ \t]*(?:,|[ \t]and\b|[ \t]&)", text[end:end + 6]) is not None
    joined_before = re.search(r"(?:,|\band|&)[ \t]*$", text[max(0, start - 6):start]) is not None
    for match in (_LISTED_AFTER.match(text, end) if joined_after else None,
                  _LISTED_BEFORE.search(text, max(0, start - 80), start) if joined_before else None):
        if match is None:
            continue
        value, offset = match.group("name"), match.start("name")
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", value)]
        while words and _edge_word(value[slice(*words[0])]):
            words.pop(0)
        while words and _edge_word(value[slice(*words[-1])]):
            words.pop()
        tokens = [value[a:b] for a, b in words]
        if len(tokens) < 2 or not _strict_name(tokens) or any(t.lower() in COMMON_CAPS for t in tokens):
            continue
        if all(t.lower() in lowercase_words(text) for t in tokens):
            continue
        spans.append((offset + words[0][0], offset + words[-1][1]))
    return spans


def _strict_name_token(token: str) -> bool:
    word = token.lower().strip(".,")
    return word not in NOT_NAMES and word not in COMMON_CAPS and len(word) > 1
