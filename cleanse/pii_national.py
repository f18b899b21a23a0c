"""National identifiers and dates of birth: formats, checksums and labels.

Each identifier is a named pattern with a validator (the checksum or structural rule its
issuer publishes). A candidate that fails validation is still redacted when an explicit label
stands right before it ("NI number", "Steuer-ID", "social security number"): a mistyped or
made-up identifier after its label is still meant as one. Without a label or checksum, a
bare number stays (order numbers, quantities).

Dates of birth are redacted only next to their label ("DOB", "born on", "Geburtsdatum",
"date de naissance", "fecha de nacimiento", "data di nascita"); every other date stays.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Tuple

from cleanse.pii_registry import Candidate, NamedPattern, TracedRecognizer

# --------------------------------------------------------------------------- checksums


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def uk_nino_ok(value: str) -> bool:
    """HMRC rules: prefix letters not D F I Q U V (second also not O), nor BG GB KN NK NT TN ZZ;
    suffix A-D."""
    v = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]?", v):
        return False
    a, b = v[0], v[1]
    if a in "DFIQUV" or b in "DFIQUVO" or v[:2] in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
        return False
    return True


def nhs_ok(value: str) -> bool:
    d = _digits(value)
    if len(d) != 10 or len(set(d)) == 1:
        return False
    check = 11 - sum(int(c) * w for c, w in zip(d[:9], range(10, 1, -1))) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(d[9])


def ca_sin_ok(value: str) -> bool:
    d = _digits(value)
    return len(d) == 9 and d[0] not in "08" and luhn_ok(d)


def de_taxid_ok(value: str) -> bool:
    """Steuerliche Identifikationsnummer: 11 digits, no leading 0, ISO 7064 MOD 11,10."""
    d = _digits(value)
    if len(d) != 11 or d[0] == "0":
        return False
    product = 10
    for c in d[:10]:
        total = (int(c) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return (0 if check == 10 else check) == int(d[10])


def fr_nir_ok(value: str) -> bool:
    """Numéro de sécurité sociale: 13 characters (Corsica 2A/2B) + 2-digit key = 97 - n mod 97."""
    v = re.sub(r"[\s.-]", "", value).upper()
    if not re.fullmatch(r"[12]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}", v):
        return False
    body = v[:13].replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(v[13:])


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_dni_ok(value: str) -> bool:
    v = re.sub(r"[\s-]", "", value).upper()
    m = re.fullmatch(r"([XYZ]?)(\d{7,8})([A-Z])", v)
    if not m:
        return False
    prefix, number, letter = m.groups()
    if prefix:
        if len(number) != 7:
            return False
        number = str("XYZ".index(prefix)) + number
    elif len(number) != 8:
        return False
    return _DNI_LETTERS[int(number) % 23] == letter


_CF_ODD = {**{str(i): v for i, v in enumerate([1, 0, 5, 7, 9, 13, 15, 17, 19, 21])},
           **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                      [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]))}


def it_cf_ok(value: str) -> bool:
    v = value.upper()
    if not re.fullmatch(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]", v):
        return False
    total = 0
    for i, ch in enumerate(v[:15]):
        if i % 2 == 0:
            total += _CF_ODD[ch]
        else:
            total += int(ch) if ch.isdigit() else ord(ch) - 65
    return chr(65 + total % 26) == v[15]


def nl_bsn_ok(value: str) -> bool:
    d = _digits(value)
    if len(d) != 9 or d == "000000000":
        return False
    total = sum(int(c) * w for c, w in zip(d[:8], range(9, 1, -1))) - int(d[8])
    return total % 11 == 0


_VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
               [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
               [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def verhoeff_ok(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def aadhaar_ok(value: str) -> bool:
    d = _digits(value)
    return len(d) == 12 and d[0] not in "01" and verhoeff_ok(d)


def in_pan_ok(value: str) -> bool:
    return re.fullmatch(r"[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]", value) is not None


def au_tfn_ok(value: str) -> bool:
    d = _digits(value)
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10) if len(d) == 9 else (10, 7, 8, 4, 6, 3, 5, 1) if len(d) == 8 else None
    return weights is not None and sum(int(c) * w for c, w in zip(d, weights)) % 11 == 0


def us_ssn_shape_ok(value: str) -> bool:
    d = _digits(value)
    return len(d) == 9 and d[:3] not in ("000", "666") and d[0] != "9" and d[3:5] != "00" and d[5:] != "0000"


# --------------------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class IdKind:
    """One identifier: its pattern (named), its validator, and the labels that announce it."""

    name: str
    pattern: str
    validator: Optional[Callable[[str], bool]]
    labels: str
    # Without a label, is a checksum-valid value distinctive enough to redact on its own?
    alone: bool = True
    # The shape a value must have to be taken without a label (default: `pattern`).
    bare: Optional[str] = None


_SEP = r"[ \t.-]?"
# Case-insensitive like the labels it follows.
_LABEL_GAP = r"(?i:\.?[ \t]*(?:\((?:[A-Za-z ]{1,20})\))?[ \t]*(?:no\.?|nr\.?|number|num\.?|#|n°|nº|code)?[ \t]*(?:is|was|:|=|-|—)?[ \t]*(?:\n[ \t]*)?[\"'`]?)"

ID_KINDS: Tuple[IdKind, ...] = (
    IdKind("UK_NINO", r"[A-Za-z]{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?[A-Da-d]", uk_nino_ok,
           r"national insurance|ni|nino|nin", alone=True),
    IdKind("UK_NHS", r"\d{3}[ \t-]?\d{3}[ \t-]?\d{4}", nhs_ok, r"nhs|nhs number|nhs no", alone=False),
    IdKind("CA_SIN", r"\d{3}[ \t-]?\d{3}[ \t-]?\d{3}", ca_sin_ok,
           r"sin|social insurance|numéro d'assurance sociale|nas", alone=False),
    IdKind("DE_TAX_ID", r"\d{2}[ \t]?\d{3}[ \t]?\d{3}[ \t]?\d{3}", de_taxid_ok,
           r"steuer-?id|steuer-identifikationsnummer|steueridentifikationsnummer|identifikationsnummer|idnr|"
           r"tax id|tin|steuernummer", alone=False),
    IdKind("FR_NIR", r"[12][ \t.]?\d{2}[ \t.]?\d{2}[ \t.]?(?:\d{2}|2[AB])[ \t.]?\d{3}[ \t.]?\d{3}[ \t.]?\d{2}", fr_nir_ok,
           r"n° de sécurité sociale|numéro de sécurité sociale|sécurité sociale|securite sociale|nir|"
           r"insee|n° ss|numéro ss|carte vitale", alone=True),
    IdKind("ES_DNI_NIE", r"(?:[XYZxyz][ \t-]?)?\d{7,8}[ \t-]?[A-Za-z]", es_dni_ok, r"dni|nie|nif|documento nacional|"
           r"d\.n\.i\.|n\.i\.e\.", alone=True),
    IdKind("IT_CODICE_FISCALE", r"[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]", it_cf_ok,
           r"codice fiscale|cod\. fisc\.|c\.f\.|cf", alone=True),
    IdKind("NL_BSN", r"\d{4}[ \t.]?\d{2}[ \t.]?\d{3}|\d{3}[ \t.]?\d{3}[ \t.]?\d{3}", nl_bsn_ok,
           r"bsn|burgerservicenummer|sofinummer|sofi", alone=False),
    IdKind("IN_AADHAAR", r"[2-9]\d{3}[ \t-]?\d{4}[ \t-]?\d{4}", aadhaar_ok, r"aadhaar|aadhar|uidai|uid", alone=True,
           # Twelve bare digits pass Verhoeff one time in ten: alone, only in its printed 4-4-4 groups.
           bare=r"[2-9]\d{3}([ -])\d{4}\1\d{4}"),
    IdKind("IN_PAN", r"[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]", in_pan_ok, r"pan|pan card|permanent account number",
           alone=True),
    IdKind("AU_TFN", r"\d{3}[ \t]?\d{3}[ \t]?\d{2,3}", au_tfn_ok, r"tfn|tax file number", alone=False),
    # Travel and driving documents: no public checksum; only beside their label.
    IdKind("PASSPORT", r"[A-Za-z]{0,2}\d{6,9}[A-Za-z]?|[A-Za-z]\d{7}|[A-Za-z]{2}\d{7}", None,
           r"passport|passport no|passport number|reisepass|passeport|pasaporte|passaporto|paspoort", alone=False),
    IdKind("DRIVING_LICENCE", r"[A-Za-z0-9]{1,5}[A-Za-z0-9 -]{4,16}[A-Za-z0-9]", None,
           r"driving licen[cs]e|driver'?s licen[cs]e|driver licen[cs]e|dl|führerschein|permis de conduire|"
           r"permiso de conducir|carnet de conducir|patente", alone=False),
)

# Generic labels of any national identifier: the token after one goes whatever its checksum.
_GENERIC_LABELS = (r"social security|social insurance|national id|national identity|national identification|"
                   r"id card|identity card|identity number|id number|id no|id nr|personal number|personal no|"
                   r"personal id|personal identification|personnummer|henkilötunnus|"
                   r"tax id|tax number|taxpayer id|tin|ssn|personalausweis|personalausweisnummer|ausweisnummer|"
                   r"carte d'identité|carte nationale d'identité|cédula|cedula|curp|rut|cpf|rfc|"
                   r"documento de identidad|carta d'identità|codice fiscale|"
                   r"national insurance|ni number|nino|steuer-?id|bsn|aadhaar|pan|tfn|nhs number|sin|"
                   # Names of national, health and travel identifiers around the world, as forms print them.
                   r"nric|fin|hkid|qid|iin|nik|nhi|ktn|known traveller number|redress number|pps|ppsn|pps no|"
                   r"emirates id|civil id|iqama|kennitala|pesel|jmbg|oib|egn|amka|afm|cnp|tckn|t\.c\. kimlik|"
                   r"mykad|ic no|kad pengenalan|sss|philsys|umid|nin|bvn|cnic|nid|my number|resident registration|"
                   r"dni|nie|nif|nir|ahv|avs|medicare|health card|health number|ohip|ramq|carte ramq|"
                   r"versichertennummer|krankenversichertennummer|vers\.-nr|carte vitale|tessera sanitaria|"
                   r"passport|passport number|passports|reisepass|passeport|pasaporte|passaporto|paspoort|"
                   r"travel document|document no|document number|nº documento|n° documento|número de documento|"
                   r"numéro de document|licen[cs]e no|licen[cs]e number|licen[cs]e #|permis|permis n°|"
                   r"führerscheinnummer|driving licen[cs]e|driver'?s licen[cs]e")
# Up to two words between a generic label and its value ("presented", "on file", "des Kindes"):
# the value's shape (six characters, four digits, not a date) carries the decision.
_GENERIC_FILLER = r"(?:\.?[ \t]+[^\W\d_]{2,10}){0,2}"
# An identifier-shaped token: digits, maybe letters, separators; 6 to 20 characters.
_ID_TOKEN = (r"(?:[A-Za-z]{1,6}[ .\-/]?)?\d[A-Za-z0-9]*"
             r"(?:[ .\-/](?:[A-Za-z]?\d[A-Za-z0-9]*|[A-Za-z](?![A-Za-z0-9])))*")


class NationalIdRecognizer(TracedRecognizer):
    """Government identifiers by format and checksum, or by an explicit label before them."""

    ENTITY = "NATIONAL_ID"
    SCORE = 0.95

    def __init__(self, supported_language: str = "en"):
        super().__init__(supported_language=supported_language)
        self._kinds = []
        for kind in ID_KINDS:
            bare = re.compile(rf"(?<![\w.+/-])(?:{kind.bare or kind.pattern})(?![\w]|[.-]\d|[/@])")
            labelled = re.compile(rf"(?i:\b(?:{kind.labels})\b){_LABEL_GAP}(?P<v>(?:{kind.pattern}))(?![\w]|[.-]\d)")
            self._kinds.append((kind, bare, labelled))
        self._generic = re.compile(rf"(?i:\b(?:my|his|her|their|your|the)?[ \t]*(?:{_GENERIC_LABELS})\b)"
                                   rf"{_GENERIC_FILLER}{_LABEL_GAP}(?P<v>{_ID_TOKEN})")
        # The words that open a label gate the ~15 labelled patterns: most texts name none, and a
        # set lookup over the text's words is far cheaper than a regex alternation of all labels.
        self._label_words = frozenset(
            w for alternative in "|".join([k.labels for k in ID_KINDS] + [_GENERIC_LABELS]).split("|")
            for w in [re.match(r"[^\W\d_]*", alternative.replace("\\", "")).group().lower()] if len(w) >= 2)
        self._bare_kinds = [(k, b) for k, b, _ in self._kinds if k.alone and k.validator is not None]
        self.named_patterns = [NamedPattern(f"{k.name}.checksum", b.pattern) for k, b, _ in self._kinds] + \
            [NamedPattern(f"{k.name}.labelled", l.pattern) for k, _, l in self._kinds] + \
            [NamedPattern("ID.generic_label", self._generic.pattern)]

    def candidates(self, text: str) -> Iterable[Candidate]:
        if not any(ch.isdigit() for ch in text):
            return
        lower = text.lower()
        labelled_text = not self._label_words.isdisjoint(re.findall(r"[^\W\d_]+", lower)) or "d.n.i" in lower
        for kind, bare, labelled in self._kinds:
            for m in (labelled.finditer(text) if labelled_text else ()):
                value = m.group("v").rstrip(" .-")
                start = m.start("v")
                valid = kind.validator(value) if kind.validator else True
                yield Candidate(start, start + len(value), f"{kind.name}.labelled",
                                None if valid or kind.validator is None else
                                "label before it; taken although the checksum fails", accepted=True)
            if kind.alone and kind.validator is not None:
                for m in bare.finditer(text):
                    if kind.validator(m.group()):
                        yield Candidate(m.start(), m.end(), f"{kind.name}.checksum")
                    else:
                        yield Candidate(m.start(), m.end(), f"{kind.name}.checksum",
                                        "format matches, checksum fails, no label", accepted=False)
        for m in (self._generic.finditer(text) if labelled_text else ()):
            value = m.group("v")
            # Trailing words after the identifier are prose: keep digit-bearing groups only.
            parts = value.split(" ")
            while len(parts) > 1 and not any(ch.isdigit() for ch in parts[-1]) and not \
                    re.fullmatch(r"[A-Za-z]", parts[-1]):
                parts.pop()
            value = " ".join(parts).rstrip(".,;:-/")
            digits = _digits(value)
            if len(re.sub(r"[\s.\-/]", "", value)) < 6 or len(digits) < 4 or _DATE_ONLY.fullmatch(value):
                yield Candidate(m.start("v"), m.start("v") + len(value), "ID.generic_label",
                                "too short for an identifier", accepted=False)
                continue
            yield Candidate(m.start("v"), m.start("v") + len(value), "ID.generic_label")


# --------------------------------------------------------------------------- dates of birth


_DOB_LABELS = (r"dob|d\.o\.b\.?|date of birth|dates? of birth|date\(s\) of birth|birth ?date|born(?: on)?|b\.|geb\.|"
               r"geboren(?: am)?|geburtsdatum|date de naissance|né(?:e)? le|né\(e\) le|fecha de nacimiento|"
               r"nacid[oa] el|f\. nac\.|data di nascita|nat[oa] il|nat[oa]|nato/a|geboortedatum|data de nascimento|"
               r"nascid[oa] em|birthday|data urodzenia|urodzon[ya]|syntymäaika|födelsedatum|fødselsdato|"
               r"doğum tarihi")
_MONTH_WORDS = (r"jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|févr(?:ier)?|mar(?:ch|s)?|märz|apr(?:il)?|avr(?:il)?|"
                r"may|mai|jun(?:e|i)?|juin|jul(?:y|i)?|juil(?:let)?|aug(?:ust)?|août|sep(?:t(?:ember)?)?|"
                r"oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|"
                r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
                r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre")
_DATE = (rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})|\d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}|"
         # Travel documents and airline systems: day, month abbreviation and year run together.
         rf"\d{{2}}(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\d{{2}}(?:\d{{2}})?(?![\w])|"
         rf"\d{{1,2}}(?:st|nd|rd|th|er|\.)?[ \t]+(?:of[ \t]+)?(?i:{_MONTH_WORDS})\.?,?[ \t]+\d{{4}}|"
         rf"(?i:{_MONTH_WORDS})\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}})")


_DATE_ONLY = re.compile(_DATE)


class DateOfBirthRecognizer(TracedRecognizer):
    """A date right after a birth label; other dates stay."""

    ENTITY = "DATE_OF_BIRTH"
    SCORE = 0.9
    # The date may follow a few words after the label on the same line (a birthplace, "is
    # recorded as"), never past a digit or the sentence's end.
    _PATTERN = re.compile(rf"(?i:\b(?:{_DOB_LABELS}))(?:[ \t]*[:=\-–][ \t]*|[ \t]+(?:on[ \t]+)?|[ \t]*\n[ \t]*|"
                          rf"(?=[ \t(,:])[^\d\n.!?;]{{1,32}}?(?<=[ \t(:,]))(?P<v>{_DATE})")

    def __init__(self, supported_language: str = "en"):
        super().__init__(supported_language=supported_language)
        self.named_patterns = [NamedPattern("DOB.labelled_date", self._PATTERN.pattern)]

    def candidates(self, text: str) -> Iterable[Candidate]:
        if not any(ch.isdigit() for ch in text):
            return
        for m in self._PATTERN.finditer(text):
            yield Candidate(m.start("v"), m.end("v"), "DOB.labelled_date")


def national_recognizers() -> List[type]:
    return [NationalIdRecognizer, DateOfBirthRecognizer]


# A full date in brackets (or after a comma) right after a person's name, with a year at least
# twelve years back: "Anna Schmidt (12.03.1985)", "Jan Nowak, b. 3 May 1950". An event date is
# recent ("Ana Ruiz, 14 March 2024"); a birth date of someone writing or written about is not.
_BESIDE_NAME = re.compile(rf"[ \t]*(?:\(|,)[ \t]*(?i:(?:b\.|born|geb\.|née?|\*)[ \t]*)?(?P<v>{_DATE})")


def date_of_birth_beside(text: str, end: int, this_year: int) -> Optional[Tuple[int, int]]:
    """The span of a date of birth written right after a name ending at `end`, or None."""
    m = _BESIDE_NAME.match(text, end)
    if m is None:
        return None
    years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", m.group("v"))]
    if not years or not 1900 <= years[0] <= this_year - 12:
        return None
    return m.span("v")
