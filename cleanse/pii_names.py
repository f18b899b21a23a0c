"""Person names from data rather than per-sentence rules: name lexicons, case folding, structure.

Signals, each a named pattern (see `cleanse explain`):
- `lexicon.given_surname`: two or three title-case words opening with a known given name and
  closing with a known surname or another capitalised word that is not a common, place,
  organisation or heading word ("Tomasz Wierzbicki").
- `lexicon.caps_name`: the same in capitals ("HEINRICH ALTMANN") and airline/form order
  "SURNAME/GIVEN MRS"; both parts must be in the lexicons, because headings are in capitals too.
- `structure.surname_comma_given`: "Kowalczyk, Dariusz (2105)" in lists and tables.
- `structure.list_item`: a bullet or numbered item holding a name ("- Aoife", "- Marcus & Jolene
  Whitfield").
- `structure.speaker`: a speaker turn in any case ("[21:05] jess:", "DORIS:").
- `ner.single_known_name`: a one-word PERSON from the spaCy model that the lexicons know as a name.
- `lexicon.mention`: later mentions of a one-word name found by a structural signal.

The lexicons (cleanse/data/pii/, derived from Faker's person providers, MIT) are a signal, not
a blanket list: given names that are also common words, places or brands ("Will", "Grace",
"Florence", "Jordan") never count on the lexicon alone (`ambiguous_names.txt`), and a word the
text itself writes in lower case is not a name there.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Iterable, List, Optional, Set

from cleanse.pii_registry import Candidate, NamedPattern, TracedRecognizer

DATA = Path(__file__).parent / "data" / "pii"


def _load(name: str) -> frozenset:
    words = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.extend(line.split())
    return frozenset(w.lower() for w in words)


@functools.lru_cache(maxsize=1)
def lexicons():
    from cleanse import pii_recognizers as rec

    given, surnames = _load("given_names.txt"), _load("surnames.txt")
    ambiguous = _load("ambiguous_names.txt")
    # Heads and calendar words that are given names too ("Marina", "Jan", "Domingo") stay names.
    common = set(_load("common_words.txt")) | set(rec._stop_words()) | rec.NOT_NAMES | rec.COMMON_CAPS | \
        rec.ORG_WORDS | rec.PRODUCT_TAILS | (EPONYM_HEADS - given)
    # Month names that are given names too ("Marco", "Julio", "Mai") stay names; "May", "June" and
    # "August" are in the ambiguous list.
    common |= {m.lower() for m in rec._MONTHS.split("|") if m.lower() not in given} | (CALENDAR_WORDS - given)
    return given, surnames, ambiguous, frozenset(common)


# Month abbreviations and weekdays of the languages the corpus holds most ("Jan", "Freitag").
CALENDAR_WORDS = frozenset("""
jan feb mar apr jun jul aug sep sept oct nov dec
montag dienstag mittwoch donnerstag freitag samstag sonntag lundi mardi mercredi jeudi vendredi samedi
dimanche lunes martes miércoles jueves viernes sábado domingo lunedì martedì mercoledì giovedì venerdì
sabato domenica maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
""".split())
# Words after a person's name that make the whole a thing named after them: "Martin Luther
# King Jr. Day", "John Lennon Airport", "Hubble Space Telescope", "Nobel Prize".
EPONYM_HEADS = frozenset("""
day days airport station telescope memorial center centre bridge prize prizes award awards medal lecture
lectures hall stadium arena park square institute university college school academy hospital library
museum foundation trophy cup theorem law laws effect syndrome disease building tower fellowship
scholarship terminal street avenue road boulevard highway tunnel dam island reef glacier crater mountain
peak lake bay river falls gardens garden observatory laboratory chapel cathedral church mosque temple clinic
estate house space collection gallery theatre theater orchestra quartet trust fund programme program
index constant equation principle paradox conjecture test scale number award's prize's airport's
pier beach harbour harbor marina wharf mall market zoo aquarium castle palace abbey cemetery
""".split())
# Heads that end a thing's name even though some locale has them as a surname too.
_STRONG_HEADS = frozenset("""
street avenue road boulevard airport station telescope memorial prize award medal stadium arena trophy theorem
syndrome institute university college school hospital library museum foundation terminal observatory cathedral
church chapel pier
""".split())
_PET_WORDS = re.compile(r"(?i:\b(?:cat|dog|puppy|pup|kitten|kitty|horse|pony|hamster|rabbit|bunny|parrot|"
                        r"goldfish|tortoise|guinea pig|ferret|pet|budgie|lamb|calf|cow|goat)[ \t]+$)")

_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"
_LOW = "a-zß-öø-ÿā-ž"
_TITLE = rf"[{_UP}][{_LOW}]+(?:['’][{_UP}{_LOW}][{_LOW}]+)?(?:-[{_UP}][{_LOW}]+)?"
_CAPS = rf"[{_UP}]{{2,}}(?:[-'’][{_UP}]{{2,}})?"
_PARTICLE = r"(?:de|da|di|del|della|van|von|der|den|le|la|du|dos|das|ter|ten|bin|al|el|y|op)"

_PARTICLES = frozenset("de da di del della van von der den le la du dos das ter ten bin al el y op".split())
_GIVEN_SURNAME = re.compile(rf"(?<![\w'’.-])(?P<n>{_TITLE}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}{_TITLE}){{1,2}})(?![\w'’-])")
_CAPS_NAME = re.compile(rf"(?<![\w'’./-])(?P<n>{_CAPS}(?:[ ]{_CAPS}){{1,2}})(?![\w'’/-])")
_SLASH_NAME = re.compile(rf"(?<![\w'’/-])(?P<s>{_CAPS})/(?P<g>{_CAPS})(?:[ \t]+(?P<t>MRS|MR|MS|MISS|MSTR|DR|CHD|INF))?"
                         r"(?![\w/])")
_COMMA_NAME = re.compile(rf"(?<![\w'’-])(?P<s>{_TITLE}|{_CAPS}),[ \t]+(?P<g>{_TITLE})"
                         r"(?=[ \t]*(?:\(|\[|$|\t|\||;|\\\\|&|[ \t]+[-–—]|[ \t]{2}))", re.MULTILINE)
_LIST_LINE = re.compile(r"(?m)^[ \t]*(?:[-*•+·▪◦]|\(?\d{1,3}[.)]|\(?[ivxIVX]{1,5}[.)]|[a-z][.)])[ \t]+(?P<item>[^\n]{1,120})")
_ITEM_PART = re.compile(rf"(?P<n>{_TITLE}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}{_TITLE}){{0,2}})")
_SPEAKER = re.compile(r"(?m)^[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*|\d{1,2}:\d{2}(?::\d{2})?[ \t]*[-–]?[ \t]*|[>*-][ \t]*)?"
                      r"(?P<n>[^\W\d_][\w'’-]{1,30})[ \t]*:[ \t]+\S")
_TOKEN = re.compile(r"\S+")
# In text written all in lower case (chat, SMS) a known given name after a word that takes a
# person ("to", "with", "asked", "hey") is a name: "lent it to callum", "hey priya".
_LOWER_GIVEN = re.compile(r"\b(?:to|with|from|and|by|asked|ask|told|tell|called|call|met|meet|thanks|thank|hey|hi|"
                          r"hello|dear|cc|ping|text|texted|msg|love|miss|tell|sorry|congrats|"
                          r"@)[ \t]+(?P<n>[a-zß-öø-ÿā-ž]{3,20})\b")
# "Cashier: DeShawn", "Barista: DeShawn", "Served by - Imani": any label at a line start (or after a
# column gap) holding one known given name and nothing else.
_ROLE_LABEL = re.compile(rf"(?m:(?:^[ \t]*|(?<=  )|(?<=\t))(?P<label>[^\W\d_][\w /.'-]{{0,30}}?)[ \t]*[:#=][ \t]*)"
                         rf"(?P<n>{_TITLE}|{_CAPS})(?=[ \t]*(?:$|[,;|(]|[ \t]{{2}}|\t))", re.MULTILINE)
_SURNAME_LABEL = re.compile(r"(?:last|family|sur|maiden)[ _-]?name|surname|nom(?: de famille)?|nachname|familienname|"
                            r"apellidos?|cognome|achternaam|sobrenome|nazwisko|efternamn|etternavn|sukunimi")
# Labels whose value is a place, a thing or an animal, even when it is also a given name ("City: Florence",
# "Dog: Max", "Model: Sienna").
_THING_LABELS = frozenset("""
city town village country state region county province location place venue site street road area district
colour color product brand model make series edition team club project company organisation organization
department dept category type kind status language breed species pet dog cat horse ship vessel boat hotel room
station airport destination origin route line font theme style song title album film movie book game app
package service server host cluster branch tag version release codename code name variety flavour flavor
""".split())


class LexiconNameRecognizer(TracedRecognizer):
    """Names found from the lexicons, case folding and document structure (see module doc)."""

    ENTITY = "PERSON"
    SCORE = 0.8

    def __init__(self, supported_language: str = "en"):
        super().__init__(supported_language=supported_language)
        self.given, self.surnames, self.ambiguous, self.common = lexicons()
        self.named_patterns = [
            NamedPattern("lexicon.given_surname", _GIVEN_SURNAME.pattern),
            NamedPattern("lexicon.caps_name", _CAPS_NAME.pattern),
            NamedPattern("lexicon.caps_slash_name", _SLASH_NAME.pattern),
            NamedPattern("structure.surname_comma_given", _COMMA_NAME.pattern),
            NamedPattern("structure.list_item", _LIST_LINE.pattern),
            NamedPattern("structure.speaker", _SPEAKER.pattern),
            NamedPattern("structure.role_label", _ROLE_LABEL.pattern),
            NamedPattern("structure.surname_label", _SURNAME_LABEL.pattern),
            NamedPattern("lexicon.known_surname", "an unknown capitalised word before a known surname, not a NER place/org"),
            NamedPattern("lexicon.lowercase_given", _LOWER_GIVEN.pattern),
            NamedPattern("ner.single_known_name", "one-word PERSON entity of the spaCy model"),
            NamedPattern("lexicon.mention", "a later mention of a one-word name found above"),
        ]
        self._artifacts = None
        self._thing_spans = None

    # ------------------------------------------------------------------ word tests

    def is_given(self, word: str, strict: bool = True) -> bool:
        w = word.lower()
        return w in self.given and w not in self.common and (not strict or w not in self.ambiguous)

    def is_surname(self, word: str) -> bool:
        w = word.lower()
        return w in self.surnames and w not in self.common and w not in self.ambiguous

    def plain_word(self, word: str) -> bool:
        """A capitalised word that is not a name part: a common, heading, organisation or place word."""
        w = word.lower().strip(".,")
        return w in self.common or w in self.ambiguous and not self.is_surname(word)

    # ------------------------------------------------------------------ analysis

    def analyze(self, text, entities, nlp_artifacts=None):
        self._artifacts = nlp_artifacts
        self._thing_spans = None
        try:
            return super().analyze(text, entities, nlp_artifacts)
        finally:
            self._artifacts = None

    def candidates(self, text: str) -> Iterable[Candidate]:
        from cleanse.pii_recognizers import lowercase_words

        lower = lowercase_words(text)
        singles: Set[str] = set()
        found: List[Candidate] = []
        found += self._given_surname(text, lower)
        if any(ch.isupper() for ch in text):
            found += self._caps(text)
        if "," in text:
            found += self._comma(text, lower)
        found += self._list_items(text, lower, singles)
        if ":" in text:
            found += self._speakers(text, lower, singles)
        if ":" in text or "#" in text or "=" in text:
            found += self._role_labels(text, lower)
        found += self._ner_singles(text, lower, singles)
        found += self._lowercase_given(text, singles)
        found += self._mentions(text, singles, found)
        for c in found:
            if c.accepted:
                reason = self._eponym_or_pet(text, c.start, c.end)
                if reason:
                    c.accepted, c.note = False, reason
            yield c

    def _eponym_or_pet(self, text: str, start: int, end: int) -> Optional[str]:
        return thing_named_after(text, start, end)

    def _given_surname(self, text, lower) -> List[Candidate]:
        out = []
        for m in _GIVEN_SURNAME.finditer(text):
            spans = [(m.start("n") + t.start(), m.start("n") + t.end()) for t in _TOKEN.finditer(m.group("n"))]
            # Drop leading title and heading words: "Coach Dave Merriman".
            while len(spans) >= 2 and self.plain_word(text[slice(*spans[0])]) and \
                    not self.is_given(text[slice(*spans[0])], strict=False):
                spans = spans[1:]
            if len(spans) < 2:
                continue
            words = [text[a:b] for a, b in spans]
            first, last = words[0], words[-1]
            if first.lower() in lower and last.lower() in lower:
                continue
            pattern = "lexicon.given_surname"
            if self.is_given(first):
                ok = self.is_surname(last) or not (self.plain_word(last) or last.lower() in lower)
            elif first.lower() in self.given:  # an ambiguous given name ("Grace", "Will") needs a known surname
                ok = self.is_surname(last) and first.lower() not in lower
            else:
                # A given name the lexicon lacks before a surname it knows ("Priyanka Deshmukh"):
                # taken unless the model reads the words as a place, organisation or thing.
                ok = self.is_surname(last) and not self.plain_word(first) and first.lower() not in lower \
                    and not self._ner_says_thing(spans[0][0], spans[-1][1])
                pattern = "lexicon.known_surname"
            middle = [w for w in words[1:-1] if w.lower() not in _PARTICLES]
            if not ok or any(self.plain_word(w) and not self.is_surname(w) for w in middle):
                continue
            if text[max(0, spans[0][0] - 4):spans[0][0]].lower().endswith(("the ", "of ")):
                continue
            out.append(Candidate(spans[0][0], spans[-1][1], pattern))
        return out

    def _caps(self, text) -> List[Candidate]:
        out = []
        for m in _SLASH_NAME.finditer(text):
            s, g = m.group("s"), m.group("g")
            # The passenger title makes it a name whatever the lexicon knows: "OYELARAN/TUNDE MSTR".
            if m.group("t") or self.is_given(g, strict=False) or (self.is_surname(s) and g.lower() in self.given):
                out.append(Candidate(m.start("s"), m.end("g"), "lexicon.caps_slash_name"))
        for m in _CAPS_NAME.finditer(text):
            words = m.group("n").split()
            if any(w.lower() in self.common for w in words) or max(map(len, words)) < 4 or len(words[0]) < 3:
                continue  # "VAT GB", "PO BOX": codes and labels in capitals
            ok = (self.is_given(words[0], strict=False) and self.is_surname(words[-1])) or \
                (self.is_surname(words[0]) and self.is_given(words[-1], strict=False))
            if ok:
                out.append(Candidate(m.start("n"), m.end("n"), "lexicon.caps_name"))
        return out

    def _comma(self, text, lower) -> List[Candidate]:
        out = []
        for m in _COMMA_NAME.finditer(text):
            s, g = m.group("s"), m.group("g")
            if s.lower() in lower or self.plain_word(s) or not self.is_given(g):
                continue
            if s.isupper() and not (self.is_surname(s) or len(s) > 3):
                continue
            out.append(Candidate(m.start("s"), m.end("g"), "structure.surname_comma_given"))
        return out

    def _list_items(self, text, lower, singles) -> List[Candidate]:
        out = []
        for line in _LIST_LINE.finditer(text):
            item = line.group("item")
            # The name part of an item ends at a bracket, a dash, a colon or a comma.
            head = re.split(r"[(\[:;,]|[ \t][-–—|][ \t]|\t|[ \t]{2}", item, maxsplit=1)[0]
            for part in re.split(r"[ \t]+(?:&|and|und|et|y|e)[ \t]+", head):
                m = _ITEM_PART.match(part.strip())
                if m is None:
                    continue
                words = m.group("n").split()
                whole = m.group("n") == part.strip()
                first = words[0]
                if not (self.is_given(first) or (whole and self.is_given(first, strict=False) and len(words) >= 2)):
                    continue
                if first.lower() in lower:
                    continue
                # Later capitalised words belong to the name only while they are not plain words.
                keep = [first]
                for w in words[1:]:
                    if self.plain_word(w) or w.lower() in lower:
                        break
                    keep.append(w)
                if len(keep) == 1 and not whole and len(words) > 1:
                    continue  # "- Lily pads for the pond"-like openings need the item to be the name
                start = line.start("item") + item.index(part.strip()) + m.start("n")
                value = " ".join(keep)
                if text[start:start + len(value)] != value:
                    continue
                out.append(Candidate(start, start + len(value), "structure.list_item"))
                if len(keep) == 1:
                    singles.add(first)
        return out

    def _speakers(self, text, lower, singles) -> List[Candidate]:
        out = []
        for m in _SPEAKER.finditer(text):
            name = m.group("n")
            if not self.is_given(name):
                continue
            if name.lower() in lower and not name.islower():
                continue
            out.append(Candidate(m.start("n"), m.end("n"), "structure.speaker"))
            singles.add(name)
            if name.isupper():
                singles.add(name.title())
        return out

    def _role_labels(self, text, lower) -> List[Candidate]:
        out = []
        for m in _ROLE_LABEL.finditer(text):
            label, name = m.group("label").strip().lower(), m.group("n")
            if name.lower() in lower and not name.isupper():
                continue
            if _SURNAME_LABEL.fullmatch(label):
                # "Nom : DUBOIS", "Nachname: Vogelsang": a surname field takes any name-shaped word.
                if not self.plain_word(name):
                    out.append(Candidate(m.start("n"), m.end("n"), "structure.surname_label"))
                continue
            if not self.is_given(name):
                continue
            if set(re.findall(r"[a-z]+", label)) & _THING_LABELS:
                out.append(Candidate(m.start("n"), m.end("n"), "structure.role_label",
                                     f"the label names a thing or place ({label!r})", accepted=False))
                continue
            out.append(Candidate(m.start("n"), m.end("n"), "structure.role_label"))
        return out

    _THING_LABELS_NER = frozenset({"GPE", "LOC", "ORG", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "NORP",
                                   "LANGUAGE"})

    def _ner_spans(self):
        """Offsets of the entities the model files as places, organisations or things."""
        artifacts = self._artifacts
        if artifacts is None or getattr(artifacts, "tokens", None) is None:
            return []
        to_original = getattr(artifacts, "to_original", None)
        spans = []
        for ent in artifacts.tokens.ents:
            if ent.label_ in self._THING_LABELS_NER:
                start, end = ent.start_char, ent.end_char
                spans.append(to_original(start, end) if to_original is not None else (start, end))
        return spans

    def _ner_says_thing(self, start: int, end: int) -> bool:
        if self._thing_spans is None:
            self._thing_spans = self._ner_spans()
        return any(a < end and start < b for a, b in self._thing_spans)

    def _lowercase_given(self, text, singles) -> List[Candidate]:
        letters = sum(map(str.isalpha, text))
        if not letters or sum(map(str.isupper, text)) > 0.01 * letters:
            return []  # only in text written in lower case: elsewhere names carry capitals
        out = []
        for m in _LOWER_GIVEN.finditer(text):
            name = m.group("n")
            if self.is_given(name) and len(name) >= 4:
                out.append(Candidate(m.start("n"), m.end("n"), "lexicon.lowercase_given"))
                singles.add(name)
        return out

    def _ner_singles(self, text, lower, singles) -> List[Candidate]:
        artifacts = self._artifacts
        if artifacts is None or getattr(artifacts, "tokens", None) is None:
            return []
        to_original = getattr(artifacts, "to_original", None)
        out = []
        for ent in artifacts.tokens.ents:
            if ent.label_ not in ("PERSON", "PER") or len(ent) != 1:
                continue
            word = ent.text
            if not word[:1].isupper() or word.isupper():
                continue
            if not (self.is_given(word) or self.is_surname(word)) or word.lower() in lower:
                continue
            start, end = ent.start_char, ent.end_char
            if to_original is not None:
                start, end = to_original(start, end)
            if text[start:end] != word:
                continue
            out.append(Candidate(start, end, "ner.single_known_name"))
        return out

    def _mentions(self, text, singles, found) -> List[Candidate]:
        if not singles:
            return []
        taken = {(c.start, c.end) for c in found}
        pattern = re.compile(r"(?<![\w@.-])(?:" + "|".join(map(re.escape, sorted(singles, key=len, reverse=True)))
                             + r")(?![\w@-])")
        return [Candidate(m.start(), m.end(), "lexicon.mention") for m in pattern.finditer(text)
                if m.span() not in taken]


@functools.lru_cache(maxsize=1)
def places() -> frozenset:
    """Multi-word place names of every Faker locale (countries, cities, states, regions)."""
    return _load_lines("places.txt")


def _load_lines(name: str) -> frozenset:
    return frozenset(line.strip().lower() for line in (DATA / name).read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def thing_named_after(text: str, start: int, end: int) -> Optional[str]:
    """Why the name at start:end is no person's here, or None: a thing named after someone
    ("John Lennon Airport", "Martin Luther King Jr. Day"), a place ("Costa Rica") or a pet
    ("our cat Biscuit")."""
    value = text[start:end]
    if " " in value and " ".join(value.split()).lower() in places():
        return "a place name (Faker address data)"
    words = value.split()
    # ... unless that word is a surname too ("Ji-hoon Park", "Doris Day").
    # A two-word span may end in a surname that is also a head ("Ji-hoon Park", "Doris Day"); after a
    # full name ("Nelson Mandela Park", "Ada Lovelace Day") the head names a thing.
    if len(words) > 1 and words[-1].lower().strip(".,'’") in EPONYM_HEADS and words[-1][:1].isupper() \
            and (words[-1].lower() not in lexicons()[1] or words[-1].lower() in _STRONG_HEADS or len(words) > 2
                 or words[-2].rstrip(".") in ("Jr", "Sr", "Jnr", "Snr")):
        return f"named thing: ends in {words[-1]!r}"
    after = re.match(r"(?:[ \t]+(?:Jr|Sr|Snr|Jnr)\.?|['’]s)?[ \t]+(?P<head>[A-Z][a-z'’]+)", text[end:end + 60])
    if after is not None and after.group("head").lower().rstrip("'’s") in EPONYM_HEADS | {"day"} \
            or after is not None and after.group("head").lower() in EPONYM_HEADS:
        return f"named thing: followed by {after.group('head')!r}"
    # The first of two names joined by "and" shares the head of the thing they name together.
    joined = re.match(r"[ \t]+(?:and|&)[ \t]+(?:[A-Z][\w'’-]*[ \t]+){1,2}(?P<head>[A-Z][a-z'’]+)", text[end:end + 60])
    if joined is not None and joined.group("head").lower() in EPONYM_HEADS:
        return f"named thing: joined to a name followed by {joined.group('head')!r}"
    if _PET_WORDS.search(text, max(0, start - 24), start) and len(text[start:end].split()) == 1:
        return "a pet's name"
    return None


_JOINED_AFTER = re.compile(rf"[ \t]*(?:,[ \t]*)?(?:and|&|or|und|et|y|e)[ \t]+(?P<n>{_TITLE})(?![\w'’-])")
_JOINED_BEFORE = re.compile(rf"(?<![\w'’-])(?P<n>{_TITLE})[ \t]*(?:,[ \t]*)?(?:and|&|or|und|et|y|e)[ \t]+$")


def coordinated_given_names(text: str, start: int, end: int) -> List[tuple]:
    """Known given names joined to a found name by "and", "&", "or" ("Sadie and Imogen")."""
    given, _, ambiguous, common = lexicons()
    spans = []
    for m in (_JOINED_AFTER.match(text, end), _JOINED_BEFORE.search(text, max(0, start - 40), start)):
        if m is None:
            continue
        word = m.group("n").lower()
        if word in given and word not in ambiguous and word not in common:
            spans.append(m.span("n"))
    return spans
