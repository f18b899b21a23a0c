"""PII by field name: a table column header or a record key that names a kind of personal data
makes the values under or after it that kind ("dob" over "1979-03-14", "tfn" over "123 456 782",
`"guest_dob": "1990-08-17"`).

A value in a table carries no label of its own; its column header is the label. Tables are
runs of at least two lines cut into the same number of cells by one delimiter (comma,
semicolon, tab or pipe; CSV quoting respected), the first line of the run being the header.
Header cells are matched, after folding case and separators, against `HEADER_TYPES`: the
names of the data kinds as forms, exports and reports in several languages spell them. A cell
under such a header is taken when it has the value's shape (a date has digits, an identifier
a digit, a secret three characters); empty and masked cells stay. Keys of JSON, YAML, query
strings and `key=value` logs are read the same way when their last words name a date of
birth, an identifier or a phone number (secrets in assignments are the SecretRecognizer's).
"""
from __future__ import annotations

import csv
import re
from typing import Dict, Iterable, List, Optional, Tuple

from cleanse.pii_registry import Candidate, NamedPattern, TracedRecognizer

# Header phrases as `fold_header` leaves them (lower case, accents folded, words only).
_PHRASES = {
    "DATE_OF_BIRTH": ["dob", "d o b", "date of birth", "birth date", "birthdate", "born", "birthday", "date born",
                      "geburtsdatum", "geb datum", "geboren", "date de naissance", "ne le", "nee le",
                      "fecha de nacimiento", "f nac", "fecha nac", "data di nascita", "nato il", "nata il",
                      "geboortedatum", "data de nascimento", "data urodzenia", "syntymaaika", "fodelsedatum",
                      "fodselsdato", "dogum tarihi"],
    "NATIONAL_ID": ["ssn", "social security", "social security number", "social security no", "sin",
                    "social insurance number", "nino", "ni number", "ni no", "national insurance",
                    "national insurance number", "national insurance no", "nhs", "nhs number", "nhs no", "tfn",
                    "tax file number", "tax id", "tax number", "tin", "steuer id", "steuerid", "idnr",
                    "steuernummer", "steuer identifikationsnummer", "bsn", "burgerservicenummer", "nif", "nie",
                    "dni", "cpf", "curp", "rut", "rfc", "pesel", "aadhaar", "aadhaar no", "aadhaar number", "pan",
                    "pan no", "nric", "nric fin", "hkid", "qid", "emirates id", "civil id", "iqama", "kennitala",
                    "personnummer", "henkilotunnus", "codice fiscale", "cod fiscale", "nir", "amka", "afm",
                    "cnp", "jmbg", "oib", "egn", "tckn", "tc kimlik no", "national id", "national id no",
                    "national id number", "id number", "id no", "id nr", "identity number", "id card no",
                    "id card number", "passport", "passport no", "passport number", "passport nr", "reisepass",
                    "passeport", "pasaporte", "passaporto", "paspoort", "document no", "document number",
                    "no documento", "n documento", "numero de documento", "numero de document",
                    "driving licence", "driving license", "driver licence", "driver license",
                    "drivers license", "licence no", "license no", "licence number", "license number",
                    "dl no", "fuhrerschein", "permis", "medicare", "medicare no", "medicare number",
                    "health card", "health card no", "health number", "ohip", "versichertennummer", "vers nr",
                    "krankenversichertennummer", "carte vitale", "tessera sanitaria", "ahv", "avs", "sss",
                    "sss no", "philsys", "umid", "nin", "bvn", "cnic", "nid"],
    "SECRET": ["password", "passwd", "pwd", "passcode", "passphrase", "pin", "pin code", "secret", "api key",
               "apikey", "api token", "token", "access token", "secret key", "private key", "door code", "gate code",
               "alarm code", "access code", "entry code", "lock code", "keypad code", "wifi password",
               "wi fi password"],
    "PHONE_NUMBER": ["phone", "phone number", "phone no", "telephone", "tel", "mobile", "mobile number", "mobile no",
                     "cell", "cell phone", "handy", "telephone number", "telefono", "telefone", "telefon"],
}
HEADER_TYPES = {phrase: kind for kind, phrases in _PHRASES.items() for phrase in phrases}

_DELIMITERS = (",", ";", "\t", "|")
_FOLD = str.maketrans("éèêëáàâäíìîïóòôöúùûüñçåøæßğış", "eeeeaaaaiiiioooouuuuncaoasgis")


def fold_header(cell: str) -> str:
    """'Date_of_Birth', 'D.O.B.', 'Nº documento:' -> 'date of birth', 'd o b', 'n documento'."""
    cell = cell.lower().translate(_FOLD)
    return " ".join(re.findall(r"[a-z0-9]+", cell))


def _cells(line: str, delimiter: str) -> List[Tuple[int, int]]:
    """(start, end) of each cell's text in the line, trimmed of spaces and quotes."""
    if delimiter == "|":
        stripped = line.strip()
        inner_start = line.index(stripped) if stripped else 0
        body = stripped[1:-1] if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1 \
            else stripped
        offset = inner_start + (1 if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1 else 0)
        pieces, cursor = [], 0
        for piece in body.split("|"):
            pieces.append((offset + cursor, offset + cursor + len(piece)))
            cursor += len(piece) + 1
    else:
        pieces, cursor = [], 0
        fields = next(csv.reader([line], delimiter=delimiter)) if '"' in line else line.split(delimiter)
        if '"' in line:
            # Find each field's text back in the line, in order (quoted fields hold the delimiter).
            for field in fields:
                at = line.find(field, cursor)
                if at < 0:
                    return []
                pieces.append((at, at + len(field)))
                cursor = at + len(field)
        else:
            for field in fields:
                pieces.append((cursor, cursor + len(field)))
                cursor += len(field) + 1
    out = []
    for start, end in pieces:
        while start < end and line[start] in " \t\"'":
            start += 1
        while end > start and line[end - 1] in " \t\"'":
            end -= 1
        out.append((start, end))
    return out


def _delimiter(line: str) -> Optional[str]:
    counts = [(line.count(d), d) for d in _DELIMITERS]
    count, delimiter = max(counts)
    return delimiter if count >= 2 else None


_SHAPES = {
    "DATE_OF_BIRTH": re.compile(r"\d"),
    "NATIONAL_ID": re.compile(r"^(?=.*\d)[\w .\-/()]{4,30}$"),
    "SECRET": re.compile(r"^\S{3,128}$"),
    "PHONE_NUMBER": re.compile(r"^(?=(?:\D*\d){7})[\d +().\-/]{7,24}$"),
}
_MASKED = re.compile(r"^(?:[*xX•#\-–—_. ]+|n/?a|none|null|-|tbc|tbd|on file|redacted)$", re.IGNORECASE)


# A key ends right before a ":" or "=" (JSON, YAML, `key=value`, `key => value`); found from the
# separators back, which is far cheaper than trying a key pattern at every character.
_SEPARATOR = re.compile(r"[:=]")
_KEY_TAIL = re.compile(r"[A-Za-z][\w.-]*(?: [\w.-]+){0,3}[\"']?[ \t]*$")
_VALUE_START = re.compile(r">?[ \t]*[\"']?")
def _key_values() -> Dict[str, "re.Pattern[str]"]:
    from cleanse.pii_national import _DATE, _ID_TOKEN

    return {"DATE_OF_BIRTH": re.compile(rf"{_DATE}(?![\w/.-]\d)"),
            "NATIONAL_ID": re.compile(rf"{_ID_TOKEN}(?![\w])"),
            "PHONE_NUMBER": re.compile(r"\+?\(?\d[\d ().\-/]{5,20}\d(?![\w])")}


# What a value after a key must look like, per kind (the same shapes the labelled recognizers take).
_KEY_VALUES = _key_values()
_KEY_KINDS = tuple(_KEY_VALUES)


def key_kind(key: str, types: Dict[str, str]) -> Optional[str]:
    """The kind a record key names by its last one to three words ("guest_dob", "customer.nhs_number")."""
    words = fold_header(key.replace("_", " ").replace(".", " ").replace("-", " ")).split()
    for size in (3, 2, 1):
        kind = types.get(" ".join(words[-size:])) if len(words) >= size else None
        if kind in _KEY_KINDS:
            return kind
    return None


class TableColumnRecognizer(TracedRecognizer):
    """Cells under a header, values after a key, that name a kind of personal data (see module doc)."""

    KINDS = tuple(_SHAPES)
    ENTITY = "DATE_OF_BIRTH"  # the type of a candidate that names none
    SCORE = 0.85

    def __init__(self, supported_language: str = "en", entities: Iterable[str] = ()):
        super().__init__(supported_language=supported_language)
        wanted = set(entities) or set(_SHAPES)
        self.types = {phrase: kind for phrase, kind in HEADER_TYPES.items() if kind in wanted}
        self.supported_entities = sorted(set(self.types.values()))
        self.named_patterns = [NamedPattern("table.column_header", "|".join(sorted(self.types))),
                               NamedPattern("table.field_key", _KEY_TAIL.pattern)]

    def candidates(self, text: str) -> Iterable[Candidate]:
        yield from self._columns(text)
        for sep in _SEPARATOR.finditer(text):
            line_start = text.rfind("\n", max(0, sep.start() - 64), sep.start()) + 1
            key = _KEY_TAIL.search(text, max(line_start, sep.start() - 64), sep.start())
            kind = key_kind(key.group().strip(" \t\"'"), self.types) if key else None
            if kind not in self.supported_entities:
                continue
            value = _KEY_VALUES[kind].match(text, _VALUE_START.match(text, sep.end()).end())
            if value is not None:
                yield Candidate(value.start(), value.end(), "table.field_key", "after a key naming it", entity=kind)

    def _columns(self, text: str) -> Iterable[Candidate]:
        lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
        i = 0
        while i < len(lines):
            start, header = lines[i]
            delimiter = _delimiter(header)
            columns = self._typed_columns(header, delimiter) if delimiter else {}
            if not columns:
                i += 1
                continue
            width = len(_cells(header, delimiter))
            j = i + 1
            while j < len(lines):
                row_start, row = lines[j]
                if re.fullmatch(r"[\s|:+\-=]*", row):  # Markdown / ASCII rule under the header
                    j += 1
                    continue
                cells = _cells(row, delimiter)
                if len(cells) != width:
                    break
                for index, kind in columns.items():
                    a, b = cells[index]
                    value = row[a:b]
                    if value and not _MASKED.match(value) and _SHAPES[kind].search(value):
                        yield Candidate(row_start + a, row_start + b, "table.column_header",
                                        "under a column header naming it", entity=kind)
                j += 1
            i = j

    def _typed_columns(self, header: str, delimiter: str) -> Dict[int, str]:
        columns = {}
        for index, (a, b) in enumerate(_cells(header, delimiter)):
            kind = self.types.get(fold_header(header[a:b]))
            if kind:
                columns[index] = kind
        # A header is a row of labels: a line whose cells are mostly digits is data, not a header.
        cells = _cells(header, delimiter)
        if sum(any(ch.isdigit() for ch in header[a:b]) for a, b in cells) > len(cells) // 2:
            return {}
        return columns
