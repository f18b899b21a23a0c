"""The categorised lexicon signal: word lists and multi-word patterns, written per language.

A lexicon file (``cleanse/data/lexicon/<lang>.yaml``, format described at its top) is compiled
once into dictionaries of word forms and regular expressions. Matching works on one line at a
time and survives the usual evasions: inflections (slurs, slurring, slurred), masked letters
(f*ck), digits and symbols for letters (b1tch, a$$), stretched letters (fuuuck, sooo) and spaced
letters (s h i t); lines written in chat spellings (u, ur, gonna, imma, ppl) are also matched
with those words written out. Words are matched as whole tokens, so Scunthorpe, Essex, cocktail and
assassin never match; only entries marked ``substring`` are looked for inside compounds.

Context cues in the same file protect benign uses (an anatomical word in a medical text, a
slur named as a word in scholarship, a quoted threat in a court report).
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from cleanse.errors import SetupError

CATEGORIES = ("profanity", "hate", "threat", "sexual", "self_harm", "incitement")
BUNDLED_DIR = os.path.join(os.path.dirname(__file__), "data", "lexicon")

# A word, possibly with masking or look-alike characters inside (f*ck, b!tch, a$$, sh1t).
# Underscores stay inside the token: cum_sum and kill_all are identifiers, not words.
_TOKEN = re.compile(r"[a-z0-9@$_]+(?:[*!']+[a-z0-9@$_]+)*\**")
# Lines that need the slow, token-by-token normalisation: look-alike characters next to
# letters, masked letters, or a letter repeated three times.
_SUSPICIOUS = re.compile(r"[a-z][013457@$*!]+[a-z]|[a-z][$@*]{2}|(?<![a-z0-9])[@$5][a-z]|([a-z])\1\1")
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z@$013457][ .\-_*]){2,}[a-z@$013457](?![a-z0-9])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i"})
_ELONGATED = re.compile(r"([a-z])\1{2,}")
# Chat spellings, rewritten to the words the patterns are written in ("smash ur head in",
# "im gonna find u"). A number before "yr" makes it a year, before "u" a unit, before "bc" a
# date; "u.s." and "u-boat" are not pronouns.
_NUMBER_BEFORE = r"(?<!\d)(?<!\d )(?<!\bper )"
_CHAT_RULES = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"(?<![\w'.-])" + _NUMBER_BEFORE + r"u(?![\w'-]|\.\w)", "you"),
    (r"(?<![\w'.-])(?:ya|yu|yoo)(?![\w'-])", "you"),
    (r"(?<![\w'.-])(?:you|we|they) r(?![\w'-])", lambda m: m.group()[:-1] + "are"),
    # "ur a joke" is "you're", "ur head" is "your"
    (r"(?<![\w'.-])(?:ur|youre)(?= (?:a|an|so|such|not|gonna|going|being|just|really|too|very|"
     r"always|never|dead|done|literally|actually|nothing|no one|nobody|all|still|probably|"
     r"definitely|clearly|obviously|the (?:worst|dumbest|biggest|most|last))\b)", "you're"),
    (r"(?<![\w'.-])(?:ur|urs|yor)(?![\w'-])", "your"),
    (r"(?<![\w'.-])" + _NUMBER_BEFORE + "".join(
        rf"(?<!\b{word} )" for word in "last this next each every a one two three four five six seven "
                                       "eight nine ten fiscal school".split()) + r"yr(?![\w'-])", "your"),
    (r"(?<![\w'.-])(?:gonna|gunna|gona|gon)(?![\w'-])", "going to"),
    (r"(?<![\w'.-])(?:wanna|wana)(?![\w'-])", "want to"),
    (r"(?<![\w'.-])(?:gotta|gotsa)(?![\w'-])", "got to"),
    (r"(?<![\w'.-])(?:imma|ima|i'ma|i'mma|ahma)(?![\w'-])", "i am going to"),
    (r"(?<![\w'.-])im(?![\w'-])", "i am"),
    (r"(?<![\w'.-])(?:boutta|bouta|bout to)(?![\w'-])", "about to"),
    (r"(?<![\w'.-])(?:ppl|ppls|peeps)(?![\w'-])", "people"),
    (r"(?<![\w'.-])(?:cuz|coz|bcuz|bcoz|becuz|bcos)(?![\w'-])", "because"),
    (r"(?<![\w'.-])" + _NUMBER_BEFORE + r"bc(?![\w'-]|\.)", "because"),
    (r"(?<![\w'.-])(?:dont|doesnt|didnt|cant|wont|isnt|arent|wasnt|werent|shouldnt|wouldnt|couldnt)"
     r"(?![\w'-])", lambda m: m.group()[:-1] + "'t"),
    (r"(?<![\w'.-])(?:youll|youve|theyre|thats|ive)(?![\w'-])",
     lambda m: {"youll": "you'll", "youve": "you've", "theyre": "they're", "thats": "that's",
                "ive": "i've"}[m.group()]),
))
_CHAT_WORDS = frozenset("u ya yu yoo r ur urs yor youre yr gonna gunna gona gon wanna wana gotta gotsa "
                        "imma ima i'ma i'mma ahma im boutta bouta bout ppl ppls peeps cuz coz bcuz "
                        "bcoz becuz bcos bc dont doesnt didnt cant wont isnt arent wasnt werent "
                        "shouldnt wouldnt couldnt youll youve theyre thats ive".split())
# {name} in a pattern stands for the vocabulary list of that name ({0,3} stays a quantifier).
_VOCAB_REF = re.compile(r"\{([a-z_]+)\}")
_QUOTES = "\"'“”‘’«»`"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
# Characters that render as nothing: inserted inside words (st\u200bupid) they hide them from
# any word list.
_INVISIBLE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# Cyrillic and Greek letters drawn like Latin ones. Only words that mix them with Latin
# letters are mapped ("уou", "іdiot"), so Russian or Greek text stays what it is.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁһӏԛԝвкмнтАВЕКМНОРСТХУІЈЅοαειкνρτυχΑΒΕΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhlqwbkmhtABEKMHOPCTXYIJSoaeikvptuxABEHIKMNOPTYX")
_CONFUSABLE = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]")
_MIXED_WORD = re.compile(r"[^\W\d_]+")
# Words just before or after a capitalised term that make it a place (Penistone station,
# near Wank, Dildo, Newfoundland) rather than a swear word.
_PLACE_BEFORE = frozenset("in near at from to via through towards visit visited visiting outside "
                          "around between".split())
_PLACE_AFTER = frozenset("mountain mount river lake village town city castle station line road street "
                         "lane county united fc hill hills valley bay island beach forest park bridge "
                         "railway abbey church school council district parish borough airport harbour "
                         "harbor creek falls point cove pass peak glacier moor common green end inn pub tavern "
                         "arms hotel farm wood woods head ho".split())


@dataclass(frozen=True)
class Hit:
    """One lexicon match in a line: which entry, its category and weight after context."""

    category: str
    weight: float
    name: str  # the lexicon term or pattern name, never the text around it


@dataclass
class _TermGroup:
    category: str
    weight: float
    protect: Tuple[str, ...]
    case_sensitive_skip: bool
    substring: bool
    inflect: str  # all, plural or none (see `inflections`)


@dataclass
class _Pattern:
    name: str
    category: str
    weight: float
    protect: Tuple[str, ...]
    regex: "re.Pattern[str]"
    # Each group must share a token with the line before the regex runs (a cheap pre-check).
    anchors: Tuple[FrozenSet[str], ...]


class _Context:
    """A named set of cue words, searched in the whole document or only in the line.

    Everything is checked against the text's token set (plain words exactly, `diagnos*` by
    prefix); a phrase's regex only runs when its first word is present. `evidence` regexes
    (code tokens: paths, calls, flags) run on every text checked. A line context with
    `document_at` holds for the whole document once its cues occur that many times in it."""

    def __init__(self, name: str, cues: Iterable, line_only: bool, evidence: Iterable[str] = (),
                 document_at: int = 0):
        self.name = name
        self.line_only = line_only
        self.document_at = document_at
        # (substrings one of which must occur, regex): the substring test skips most texts cheaply
        self.evidence: Tuple[Tuple[Tuple[str, ...], "re.Pattern[str]"], ...] = tuple(
            (tuple(str(n) for n in spec.get("needs", ())), re.compile(str(spec["regex"]), re.M))
            if isinstance(spec, dict) else ((), re.compile(str(spec), re.M)) for spec in evidence)
        words: Set[str] = set()
        # first three letters -> prefixes starting with them, so each token costs one lookup
        self.prefixes: Dict[str, List[str]] = {}
        self.phrases: List[Tuple[str, "re.Pattern[str]"]] = []
        for cue in cues:
            cue = str(cue).lower().strip()
            if re.fullmatch(r"[a-z0-9']+", cue):
                words |= {cue, cue + "s", cue + "es"}
            elif re.fullmatch(r"[a-z0-9']{3,}\*", cue):
                self.prefixes.setdefault(cue[:3], []).append(cue[:-1])
            else:
                first = re.match(r"[a-z0-9']+", cue)
                body = re.escape(cue.rstrip("*")).replace(r"\ ", r"\s+").replace(r"\-", r"[\s-]*")
                suffix = r"[a-z]*" if cue.endswith("*") else "(?:s|es)?"
                if first:
                    # The first word as a literal before the boundary check lets the regex
                    # engine skip ahead to it instead of testing every position.
                    word = re.escape(first.group())
                    start = word + r"(?<![a-z0-9]" + word + ")" + body[len(word):]
                else:
                    start = r"(?<![a-z0-9])" + body
                self.phrases.append((first.group() if first else "",
                                     re.compile(start + suffix + r"(?![a-z0-9])")))
        self.words = frozenset(words)

    def found(self, text: str, tokens: Set[str]) -> bool:
        if not self.words.isdisjoint(tokens):
            return True
        for tok in tokens:
            candidates = self.prefixes.get(tok[:3])
            if candidates and any(tok.startswith(prefix) for prefix in candidates):
                return True
        return any((not first or first in tokens) and regex.search(text) for first, regex in self.phrases) \
            or any(regex.search(text) for regex in self._evidence_for(text))

    def _evidence_for(self, text: str) -> List["re.Pattern[str]"]:
        return [regex for needs, regex in self.evidence if not needs or any(n in text for n in needs)]

    def occurs_at_least(self, text: str, tokens: Set[str], minimum: int) -> bool:
        """Whether cues occur `minimum` times: distinct cue words once each, phrases and
        evidence regexes once per match."""
        count = len(self.words & tokens)
        for tok in tokens:
            if count >= minimum:
                return True
            candidates = self.prefixes.get(tok[:3])
            if candidates and any(tok.startswith(prefix) for prefix in candidates):
                count += 1
        regexes = [regex for first, regex in self.phrases if not first or first in tokens]
        for regex in regexes + self._evidence_for(text):
            for _ in regex.finditer(text):
                count += 1
                if count >= minimum:
                    return True
        return count >= minimum


# A sentence of a line: up to a full stop, question or exclamation mark followed by a space.
_SENTENCE = re.compile(r".+?(?:[.!?]+[\"')\]]*(?=\s)|$)", re.S)
# What `Lexicon._claim` returns for a pattern that matched only where the writer keeps a distance.
_DISTANCED = (-1, -1)
# Where a clause ends inside a sentence: the scope of a negation, a frame or a label.
_CLAUSE_BREAK = re.compile(r"[;:!?]|[.,](?=\s|$)|\s[-\u2013\u2014]+\s|\bbut\b")


class _Distance:
    """Whether a hate pattern's match states its claim or denies, refutes or reports it.

    Looks only at the sentence the match is in: a negation right after the verb in the clause
    where the match ends ("are not all terrorists"), unless it denies humanity or a right ("are
    not human"); a frame before the match in its clause ("it is a lie that", "38 percent of
    respondents believe"); a label right after it ("... is a myth"); or a word of scholarship
    or advocacy anywhere in the sentence that is not itself negated ("stereotype", "racism",
    but not "I'm not racist")."""

    def __init__(self, spec: dict, source: str):
        try:
            self.negation = re.compile(str(spec["negation"]))
            self.negation_keeps = re.compile(str(spec["negation_keeps"]))
            self.frames = re.compile("|".join(f"(?:{frame})" for frame in spec["frames"]))
            self.labels = re.compile(str(spec["labels"]))
            self.topics = re.compile(str(spec["topics"]))
            self.topic_negated = re.compile(str(spec["topic_negated"]))
        except (KeyError, TypeError, re.error) as exc:
            raise SetupError(f"lexicon {source}: distance needs negation, negation_keeps, frames, "
                             f"labels, topics and topic_negated as regexes ({exc})") from None

    def holds(self, text: str, start: int, end: int) -> bool:
        if start == end:
            # A whole-sentence pattern (lookaheads only) claims the sentence as a whole: a
            # negation may sit anywhere in it, a frame must reach its end, nothing can follow.
            return self._denied(text, 0, len(text)) or self._framed(text, len(text), len(text)) \
                or self._topical(text)
        return self._denied(text, start, end) or self._framed(text, start, end) \
            or self.labels.match(text, end) is not None or self._topical(text)

    def _denied(self, text: str, start: int, end: int) -> bool:
        # The whole text is searched so a negation can look past the match ("no more thieves
        # than anyone").
        for negation in self.negation.finditer(text, start):
            if negation.start() >= end:
                break
            if not _CLAUSE_BREAK.search(text, negation.end(), end) \
                    and self.negation_keeps.match(text, negation.end()) is None:
                return True
        return False

    def _framed(self, text: str, start: int, end: int) -> bool:
        for frame in self.frames.finditer(text):
            if frame.start() >= start:
                break
            if (frame.end() >= start or not _CLAUSE_BREAK.search(text, frame.end(), start)) \
                    and not _CLAUSE_BREAK.search(text, start, end):
                # The frame governs the whole claim ("a lie that they are peaceful, they are
                # all terrorists" makes a second claim outside it).
                return True
        return False

    def _topical(self, text: str) -> bool:
        return any(self.topic_negated.search(text[max(0, topic.start() - 40):topic.start()]) is None
                   for topic in self.topics.finditer(text))


@dataclass
class DocumentScan:
    contexts: Set[str]  # document-wide contexts present (medical, news, code, ...)
    obfuscated: bool    # look-alike characters, masks, stretched or spaced letters somewhere
    substring: bool     # a compound-matching root occurs somewhere
    phrases: bool       # a multi-word term may occur


def inflections(word: str, kind: str = "all") -> Set[str]:
    """Plural and verb forms of a word, including doubled final consonants (fag -> fagging).

    kind "plural" gives only -s/-es (prick must not become pricked, cock must not become
    cocked); "none" gives the word alone. Agent and dialect endings (-er, -in) are only added to
    words of five letters or more: cum + in is cumin, spic + er is Spicer.
    """
    if kind == "none":
        return {word}
    forms = {word, word + "s", word + "es"}
    if kind == "plural":
        return forms
    forms |= {word + "ed", word + "ing", word + "z"}
    long_enough = len(word) >= 5
    if long_enough:
        forms |= {word + "er", word + "ers", word + "in"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    if word.endswith("y"):
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) >= 3 and word[-1] not in "aeiouwy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        double = word + word[-1]
        forms |= {double + "ed", double + "ing"}
        if long_enough:
            forms |= {double + "er", double + "ers", double + "in"}
    return forms


def _letters(text: str) -> str:
    return "".join(re.findall(r"[a-z0-9]+", text))


def _expand_chat(text: str) -> str:
    for regex, replacement in _CHAT_RULES:
        text = regex.sub(replacement, text)
    return text


def _squeeze(word: str) -> str:
    return re.sub(r"([a-z])\1+", r"\1", word)


class Lexicon:
    """A compiled lexicon for one language."""

    def __init__(self, data: dict, source: str):
        self.source = source
        self.language = str(data.get("language") or "")
        if not self.language:
            raise SetupError(f"lexicon {source}: missing 'language'")
        self.accumulate = tuple(self._category(c, f"{source}: accumulate")
                                for c in data.get("accumulate", []))
        self.stopwords: FrozenSet[str] = frozenset(str(w).lower() for w in data.get("stopwords", []))
        line_contexts = set(data.get("line_contexts", []))
        evidence = data.get("context_evidence") or {}
        document_at = data.get("document_at") or {}
        self.contexts: Dict[str, _Context] = {
            name: _Context(name, cues, name in line_contexts, evidence.get(name, ()),
                           int(document_at.get(name, 0)))
            for name, cues in (data.get("contexts") or {}).items()}
        for key, names in (("context_evidence", evidence), ("document_at", document_at)):
            unknown = set(names) - set(self.contexts)
            if unknown:
                raise SetupError(f"lexicon {source}: {key} names unknown contexts {sorted(unknown)}")
        vocab = {name: _vocab_regex(spec) for name, spec in (data.get("vocab") or {}).items()}
        self._vocab_tokens = {name: _vocab_tokens(spec, self.stopwords)
                              for name, spec in (data.get("vocab") or {}).items()}

        self._forms: Dict[str, Tuple[str, _TermGroup]] = {}
        self._phrase_groups: Dict[str, Tuple[str, _TermGroup]] = {}
        substrings: List[Tuple[str, _TermGroup]] = []
        # Mild expletives (damn, hell, crap): the classifier over-scores them, so on their own
        # they do not let its score count in full (see `HarmFilter`).
        mild: Set[str] = set()
        for index, spec in enumerate(data.get("terms") or []):
            group = self._term_group(spec, f"{source}: terms[{index}]")
            for term in spec.get("terms", []):
                term = str(term).lower().strip()
                if spec.get("mild"):
                    mild.add(term)
                if " " in term or "-" in term:
                    self._phrase_groups[term] = (term, group)
                    continue
                if group.substring:
                    substrings.append((term, group))
                # An explicit term beats a generated inflection of another term (tits vs tit).
                self._forms[term] = (term, group)
                for form in inflections(term, group.inflect):
                    self._forms.setdefault(form, (term, group))
        # Phrases in one alternation: a space in an entry matches any spacing or a hyphen, a
        # hyphen matches a hyphen or nothing (a-hole, ahole; never "a hole"). The matched letters
        # name the entry.
        self.mild: FrozenSet[str] = frozenset(mild)
        self.mild_words = re.compile(r"\b(?:" + "|".join(sorted(mild, key=len, reverse=True)) + r")\b",
                                     re.I) if mild else None
        self._phrase_keys = {_letters(term): entry for term, entry in self._phrase_groups.items()}
        self._phrases = re.compile(r"(?<![a-z0-9])(" + "|".join(
            re.escape(term).replace(r"\-", "-?").replace(r"\ ", r"[\s\-]+") for term in
            sorted(self._phrase_groups, key=len, reverse=True)) + r")(?:s|es|ed|ing)?(?![a-z0-9])") \
            if self._phrase_groups else None
        self._substring = (re.compile("|".join(re.escape(t) for t, _ in substrings)), dict(substrings)) \
            if substrings else None
        # Words that obfuscated tokens are resolved to: lexicon forms and pattern vocabulary
        # (so m*rder and k1ll reach the threat patterns as murder and kill).
        self._known: Set[str] = set(self._forms)
        for words in self._vocab_tokens.values():
            self._known |= {w for w in words if w.isalpha() and len(w) >= 3}
        self._squeezed: Dict[str, str] = {}
        for form in sorted(self._known):
            self._squeezed.setdefault(_squeeze(form), form)
        # A masked token may fit several words (n****r): lexicon terms win over their
        # inflections, which win over pattern vocabulary.
        ranked = sorted(self._known, key=lambda w: (0 if self._forms.get(w, ("",))[0] == w
                                                    else 1 if w in self._forms else 2, w))
        self._by_initial: Dict[str, List[str]] = {}
        for form in ranked:
            self._by_initial.setdefault(form[0], []).append(form)

        self._distance = _Distance(data["distance"], source) if data.get("distance") else None
        self.patterns: List[_Pattern] = []
        for index, spec in enumerate(data.get("patterns") or []):
            where = f"{source}: patterns[{index}]"
            try:
                regex = re.compile(_VOCAB_REF.sub(lambda m: vocab[m.group(1)], str(spec["regex"])))
            except (KeyError, re.error) as exc:
                raise SetupError(f"{where} ({spec.get('name')}): invalid regex: {exc}") from None
            category = self._category(spec.get("category"), where)
            anchors = []
            for group_spec in spec.get("anchors", []):
                words: Set[str] = set()
                for anchor in group_spec if isinstance(group_spec, list) else [group_spec]:
                    words |= self._vocab_tokens.get(str(anchor), {str(anchor).lower()})
                anchors.append(frozenset(words))
            self.patterns.append(_Pattern(str(spec["name"]), category, float(spec.get("weight", 0.9)),
                                          self._protect(spec, where), regex, tuple(anchors)))

        # Words that contain a compound root but are names (Brainfuck, a programming language).
        self._allowed = frozenset(str(w).lower() for w in data.get("allow", []))
        self._form_keys = frozenset(self._forms)
        self._document_contexts = [(name, ctx) for name, ctx in self.contexts.items() if not ctx.line_only]
        self._promoted_contexts = [(name, ctx) for name, ctx in self.contexts.items()
                                   if ctx.line_only and ctx.document_at > 0]
        # first three letters -> (prefix, context) for every `word*` cue of a document context
        self._document_prefixes: Dict[str, List[Tuple[str, str]]] = {}
        for name, ctx in self._document_contexts:
            for stem, prefixes in ctx.prefixes.items():
                self._document_prefixes.setdefault(stem, []).extend((p, name) for p in prefixes)
        self._substring_roots = tuple(term for term, _ in substrings)
        self._phrase_starts = frozenset(re.match(r"[a-z0-9]+", key).group() for key in self._phrase_groups)
        # Word -> patterns whose first anchor group contains it, so a line only tries the few
        # patterns its words can start.
        self._pattern_index: Dict[str, List[int]] = {}
        self._unanchored = {i for i, p in enumerate(self.patterns) if not p.anchors}
        for index, pattern in enumerate(self.patterns):
            for word in pattern.anchors[0] if pattern.anchors else ():
                self._pattern_index.setdefault(word, []).append(index)

    @classmethod
    def load(cls, language: str, path: Optional[str] = None) -> "Lexicon":
        import yaml

        path = path or os.path.join(BUNDLED_DIR, f"{language}.yaml")
        if not os.path.exists(path):
            raise SetupError(f"no harmful-content lexicon for language {language!r} at {path}; "
                             f"write one in the format of {os.path.join(BUNDLED_DIR, 'en.yaml')} "
                             "and name it in toxicity.lexicons, or remove the language from "
                             "toxicity.languages")
        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
        except yaml.YAMLError as exc:
            raise SetupError(f"lexicon {path} is not valid YAML: {exc}") from None
        lexicon = cls(data, path)
        if lexicon.language != language:
            raise SetupError(f"lexicon {path} declares language {lexicon.language!r}, expected {language!r}")
        return lexicon

    def _category(self, category, where: str) -> str:
        if category not in CATEGORIES:
            raise SetupError(f"{where}: category must be one of {', '.join(CATEGORIES)}, got {category!r}")
        return category

    def _protect(self, spec: dict, where: str) -> Tuple[str, ...]:
        protect = tuple(str(name) for name in spec.get("protect", []))
        for name in protect:
            for part in name.split("&"):
                if part != "quoted" and part not in self.contexts:
                    raise SetupError(f"{where}: protect names unknown context {part!r}")
        return protect

    def _term_group(self, spec: dict, where: str) -> _TermGroup:
        protect = self._protect(spec, where)
        return _TermGroup(self._category(spec.get("category"), where), float(spec.get("weight", 0.5)),
                          protect, bool(spec.get("case_sensitive_skip", False)),
                          bool(spec.get("substring", False)), self._inflect_kind(spec, where))

    @staticmethod
    def _inflect_kind(spec: dict, where: str) -> str:
        kind = str(spec.get("inflect", "all"))
        if kind not in ("all", "plural", "none"):
            raise SetupError(f"{where}: inflect must be all, plural or none, got {kind!r}")
        return kind

    # ------------------------------------------------------------------ matching

    def scan_document(self, lower: str, tokens: Set[str]) -> "DocumentScan":
        """Once per document (see `tokenize`): its contexts, and which line-level steps can be
        skipped because nothing they look for occurs anywhere in the document."""
        contexts = {name for name, ctx in self._document_contexts if not ctx.words.isdisjoint(tokens)}
        stems = {tok[:3] for tok in tokens}
        if not stems.isdisjoint(self._document_prefixes):
            for tok in tokens:
                for prefix, name in self._document_prefixes.get(tok[:3], ()):
                    if tok.startswith(prefix):
                        contexts.add(name)
        for name, ctx in self._document_contexts:
            if name not in contexts and any((not first or first in tokens) and regex.search(lower)
                                            for first, regex in ctx.phrases):
                contexts.add(name)
        for name, ctx in self._promoted_contexts:
            if ctx.occurs_at_least(lower, tokens, ctx.document_at):
                contexts.add(name)
        obfuscated = bool(_SUSPICIOUS.search(lower) or _SPACED.search(lower))
        substring = obfuscated or any(root in lower for root in self._substring_roots)
        phrases = obfuscated or (self._phrases is not None and not self._phrase_starts.isdisjoint(tokens)
                                 and self._phrases.search(lower) is not None)
        return DocumentScan(contexts, obfuscated, substring, phrases)

    def match_line(self, line: str, scan: "DocumentScan") -> List[Hit]:
        """Lexicon and pattern hits in one line of a scanned document, with context protection."""
        doc_contexts = scan.contexts
        lower = line.lower().translate(_APOSTROPHES)
        norm = lower
        if scan.obfuscated:
            if _SUSPICIOUS.search(lower):
                norm = _TOKEN.sub(self._normalise_token, lower)
            if _SPACED.search(norm):
                # Spelled-out words sit a wide gap apart ("y o u   w i l l   d i e").
                norm = re.sub(r"(?<=\S) {2,}(?=\S)", " ", _SPACED.sub(self._join_spaced, norm))
        # Offsets in `norm` match `line` unless stretched letters were shortened.
        cased = line if len(norm) == len(line) else None
        tokens = set(_TOKEN.findall(norm))
        spans: List[Tuple[str, int]] = []
        line_contexts: Optional[Set[str]] = None
        hits: List[Hit] = []

        def contexts() -> Set[str]:
            nonlocal line_contexts
            if line_contexts is None:
                line_contexts = doc_contexts | {name for name, ctx in self.contexts.items()
                                                if ctx.line_only and ctx.found(norm, tokens)}
            return line_contexts

        def add(category: str, weight: float, name: str, protect: Sequence[str], start: int, end: int,
                index: Optional[int] = None, text: str = norm) -> None:
            if protect and self._protected(protect, contexts(), text, spans, index, start, end):
                weight = 0.0
            hits.append(Hit(category, weight, name))

        substring = self._substring[0].search(norm) if scan.substring else None
        if substring is not None or not self._form_keys.isdisjoint(tokens):
            spans = [(m.group(), m.start()) for m in _TOKEN.finditer(norm)]
            for index, (tok, start) in enumerate(spans):
                entry = self._forms.get(tok)
                if entry is not None:
                    term, group = entry
                    if cased is not None and _is_place(cased, start, start + len(tok)):
                        # A zero hit, so the classifier is damped on this word too.
                        hits.append(Hit(group.category, 0.0, term))
                        continue
                    if group.case_sensitive_skip and (cased is None or _is_name(cased, start)):
                        continue
                    if _not_a_word(norm, start, start + len(tok)):
                        continue
                    add(group.category, group.weight, term, group.protect, start, start + len(tok), index)
                elif substring is not None and tok not in self._allowed:
                    m = self._substring[0].search(tok)
                    if m and not _not_a_word(norm, start, start + len(tok)):
                        group = self._substring[1][m.group()]
                        if cased is not None and _is_place(cased, start, start + len(tok)):
                            hits.append(Hit(group.category, 0.0, m.group()))
                            continue
                        add(group.category, group.weight, m.group(), group.protect, start,
                            start + len(tok), index)
        def phrases_and_patterns(text: str, words: Set[str], phrases: bool, skip: Set[str]) -> None:
            if phrases:
                for m in self._phrases.finditer(text):
                    entry = self._phrase_keys.get(_letters(m.group(1)))
                    if entry is not None and entry[0] not in skip:
                        add(entry[1].category, entry[1].weight, entry[0], entry[1].protect, m.start(),
                            m.end(), text=text)
            candidates = set(self._unanchored)
            for tok in words & self._pattern_index.keys():
                candidates.update(self._pattern_index[tok])
            for index in sorted(candidates):
                pattern = self.patterns[index]
                if pattern.name in skip or any(group.isdisjoint(words) for group in pattern.anchors[1:]):
                    continue
                span = self._claim(pattern, text)
                if span is _DISTANCED:
                    # Like a protected hit: the classifier is then damped on the same words.
                    hits.append(Hit(pattern.category, 0.0, pattern.name))
                elif span is not None:
                    add(pattern.category, pattern.weight, pattern.name, pattern.protect, *span, text=text)

        phrases_and_patterns(norm, tokens, scan.phrases, set())
        if not tokens.isdisjoint(_CHAT_WORDS):
            # A second look with chat spellings written out; single words are unchanged by it,
            # and what the first look found (or explained away) stands.
            expanded = _expand_chat(norm)
            if expanded != norm:
                words = set(_TOKEN.findall(expanded))
                phrases = self._phrases is not None and not self._phrase_starts.isdisjoint(words)
                phrases_and_patterns(expanded, words, phrases, {hit.name for hit in hits})
        return hits

    def _claim(self, pattern: _Pattern, text: str) -> Optional[Tuple[int, int]]:
        """Where `pattern` matches `text`; for hate, the first match that its own sentence does
        not deny, refute or report (see `_Distance`), or `_DISTANCED` when every match is: a
        refutation in one sentence of a line does not excuse a claim in the next."""
        m = pattern.regex.search(text)
        if m is None or pattern.category not in ("hate", "incitement") or self._distance is None:
            return m.span() if m is not None else None
        sentences = [s.span() for s in _SENTENCE.finditer(text)]
        if len(sentences) > 1:
            within_one = False
            for offset, end in sentences:
                sentence = text[offset:end]
                for m in pattern.regex.finditer(sentence):
                    within_one = True
                    if not self._distance.holds(sentence, m.start(), m.end()):
                        return offset + m.start(), offset + m.end()
            if within_one:
                return _DISTANCED
        # One sentence, or a claim that runs across sentences.
        for m in pattern.regex.finditer(text):
            if not self._distance.holds(text, m.start(), m.end()):
                return m.span()
        return _DISTANCED

    def line_has_context(self, name: str, line: str) -> bool:
        """Whether the line context `name` holds in this line on its own."""
        ctx = self.contexts.get(name)
        if ctx is None or not ctx.line_only:
            return False
        lower, tokens = tokenize(line)
        return ctx.found(lower, set(tokens))

    def _protected(self, protect: Sequence[str], active: Set[str], norm: str, spans,
                   index: Optional[int], start: int, end: int) -> bool:
        """Whether a context named in `protect` holds. `a&b` needs both; `quoted` is true when
        the match sits inside double quotes; `mention` when a single word is quoted or follows
        'the word', 'the slur', ..."""
        for name in protect:
            if name == "mention":
                if self._is_mention(norm, spans, index, start, end):
                    return True
                continue
            if all(self._quoted(norm, start, end) if part == "quoted" else part in active
                   for part in name.split("&")):
                return True
        return False

    @staticmethod
    def _quoted(norm: str, start: int, end: int) -> bool:
        # Whole-unit patterns (lookaheads only) match empty: then any quotation in the unit counts.
        if start == end:
            return norm.count('"') >= 2 or ("“" in norm and "”" in norm) or _has_single_quotation(norm)
        return _inside_quotes(norm, start)

    def _is_mention(self, norm: str, spans, index: Optional[int], start: int, end: int) -> bool:
        before = norm[start - 1] if start > 0 else " "
        after = norm[end] if end < len(norm) else " "
        if before in _QUOTES and after in _QUOTES + ",.;:!?":
            return True
        cue = self.contexts.get("mention")
        if cue is None:
            return False
        if index is not None:
            window = " ".join(t for t, _ in spans[max(0, index - 4):index])
            return cue.found(window, set(window.split()))
        return _inside_quotes(norm, start) and cue.found(norm, set(_TOKEN.findall(norm)))

    def _normalise_token(self, m: "re.Match[str]") -> str:
        tok = m.group()
        if tok.isalpha():
            return self._resolve_elongated(tok) if _ELONGATED.search(tok) else tok
        if not any(c.isalpha() for c in tok):
            return tok  # numbers, prices
        if "*" in tok:
            return self._resolve_masked(tok)
        decoded = tok.translate(_LEET)
        if decoded not in self._known and "1" in tok:
            alternative = tok.replace("1", "l").translate(_LEET)
            if alternative in self._known:
                return alternative
        if decoded not in self._known and _ELONGATED.search(decoded):
            return self._resolve_elongated(decoded)
        return decoded

    def _join_spaced(self, m: "re.Match[str]") -> str:
        # "s h i t", "f.u.c.k": joined only when the result is a word we know.
        text = m.group()
        joined = re.sub(r"[ .\-_*]", "", text).translate(_LEET)
        if joined in self._known or joined in self.stopwords:
            return joined
        # "what a c u n t": the article belongs to the sentence, not to the spelled word.
        if joined[0] in "ai" and joined[1:] in self._known:
            return text[0] + " " + joined[1:]
        return text

    def _resolve_elongated(self, tok: str) -> str:
        shortened = _ELONGATED.sub(r"\1\1", tok)
        if shortened in self._known:
            return shortened
        squeezed = _squeeze(tok)
        # "sooo stupid", "youuu", "uuu": the function words the patterns are built on
        if squeezed in self.stopwords or squeezed in _CHAT_WORDS:
            return squeezed
        return self._squeezed.get(squeezed, tok)

    def _resolve_masked(self, tok: str) -> str:
        # f*ck, sh*t, f**k, n****r: each star hides exactly one letter. Two visible letters around
        # a single star are too ambiguous (a*b, H*B in formulas) to resolve.
        visible = tok.replace("*", "").translate(_LEET)
        stars = tok.count("*")
        if not tok[0].isalnum() or len(visible) < 2 or (len(visible) < 3 and stars < 2):
            return tok
        regex = re.compile(re.escape(tok.translate(_LEET)).replace(r"\*", "[a-z]"))
        for form in self._by_initial.get(visible[0], ()):
            if len(form) == len(tok) and regex.fullmatch(form):
                return form
        return tok


def fold_unicode(text: str) -> str:
    """Text as a reader sees it: invisible characters removed, compatibility forms (full-width,
    mathematical letters) made plain, Cyrillic/Greek look-alikes inside Latin words made Latin.
    Never adds or removes a newline, so line numbers stay those of the original text."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    if _CONFUSABLE.search(text):
        text = _MIXED_WORD.sub(_unmix, text)
    return text


def _unmix(m: "re.Match[str]") -> str:
    word = m.group()
    if word.isascii() or not any("a" <= c.lower() <= "z" for c in word) or not _CONFUSABLE.search(word):
        return word
    return word.translate(_HOMOGLYPHS)


def tokenize(text: str) -> Tuple[str, List[str]]:
    """The lower-cased text (typographic apostrophes made plain) and its word tokens."""
    lower = text.lower().translate(_APOSTROPHES)
    return lower, _TOKEN.findall(lower)


_FILE_SUFFIX = re.compile(r"\.[a-z0-9]{1,4}\b")


def _not_a_word(text: str, start: int, end: int) -> bool:
    """A truncated longer word ("ass..." for "assertion"), a file name (slutty.c), a file
    extension (*.ass) or a path component (/usr/lib/fuck/): text that merely contains the letters."""
    if text.startswith(("...", "…"), end):
        return True
    if start > 0 and text[start - 1] in "/\\":
        return True
    if start > 1 and text[start - 1] == "." and (text[start - 2].isalnum() or text[start - 2] == "*"):
        return True  # a file extension (*.ass subtitles)
    return bool(_FILE_SUFFIX.match(text, end))


# A single quote opens a quotation after a space or bracket and closes one before a space or
# punctuation; apostrophes inside words (don't, you'll) do neither.
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[:;,]))'(?=\S)")
_SINGLE_CLOSE = re.compile(r"(?<=\S)'(?=$|[\s.,;:!?)\]])")


def _inside_quotes(text: str, position: int) -> bool:
    prefix = text[:position]
    if (prefix.count('"') % 2 == 1) or prefix.count("“") > prefix.count("”"):
        return True
    if "'" not in prefix:
        return False
    opened = -1
    for m in _SINGLE_OPEN.finditer(text):
        if m.start() >= position:
            break
        opened = m.start()
    if opened < 0 or _SINGLE_CLOSE.search(prefix, opened + 1):
        return False
    return _SINGLE_CLOSE.search(text, position) is not None


def _has_single_quotation(text: str) -> bool:
    opened = _SINGLE_OPEN.search(text)
    return opened is not None and _SINGLE_CLOSE.search(text, opened.end()) is not None


def _is_place(line: str, start: int, end: int) -> bool:
    """A Title-case word named as a place: after 'in', 'near', 'to'...; before 'station',
    'mountain', 'United'...; or followed by ', Region,' (Dildo, Newfoundland, is ...)."""
    word = line[start:end]
    if len(word) < 2 or not (word[0].isupper() and word[1:].islower()):
        return False
    before = re.search(r"(\w+)\W*$", line[:start])
    if before and before.group(1).lower() in _PLACE_BEFORE and line[start - 1] == " ":
        return True
    after = re.match(r"\s+(\w+)", line[end:])
    if after and after.group(1).lower() in _PLACE_AFTER:
        return True
    return re.match(r",\s+(?:[A-Z][a-z]+,|(?:a|the) (?:small |tiny )?(?:village|town|city|hamlet|"
                    r"municipality|parish|suburb|district|place)\b)", line[end:]) is not None


def _is_name(line: str, start: int) -> bool:
    """A capitalised word inside a sentence, or one followed by another capitalised word, is a
    name (Moby Dick, Dick Van Dyke, Offa's Dyke), not an insult."""
    if start >= len(line) or not line[start].isupper():
        return False
    before = line[:start].rstrip()
    if before and before[-1] not in ".!?:\"“'(-*":
        return True
    following = re.match(r"[A-Za-z]+\s+([A-Z])[a-z]", line[start:])
    return following is not None


def _vocab_entries(spec) -> Tuple[List[str], str]:
    if isinstance(spec, dict):
        return [str(e).lower() for e in spec.get("entries", [])], str(spec.get("inflect", "none"))
    return [str(e).lower() for e in spec], "none"


def _vocab_regex(spec) -> str:
    entries, inflect = _vocab_entries(spec)
    suffix = {"noun": "(?:s|es)?", "verb": "(?:s|es|ed|d|ing|en|n)?"}.get(inflect, "")
    # Longest first so "gun down" is tried before "gun".
    body = "|".join(sorted(entries, key=len, reverse=True))
    return f"(?:(?:{body}){suffix})"


def _vocab_tokens(spec, stopwords: FrozenSet[str]) -> Set[str]:
    """One word per entry (the first that is not a function word) with its inflections: the
    tokens a line must contain for a pattern using this vocabulary to match."""
    entries, _ = _vocab_entries(spec)
    tokens: Set[str] = set()
    for entry in entries:
        words = re.findall(r"[a-z0-9'-]+\??", entry)
        plain = [w for w in words if w.rstrip("?") not in stopwords] or words
        if not plain:
            continue
        word = plain[0]
        firsts = [word[:-1], word[:-2]] if word.endswith("?") else [word]
        for first in firsts:
            tokens |= inflections(first) | {first + "d", first + "en", first + "n"}
    return tokens
