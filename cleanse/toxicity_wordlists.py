"""Profanity and slurs beyond English: the C4 word lists ("List of Dirty, Naughty, Obscene and
Otherwise Bad Words", npm `naughty-words` 1.2.0, CC-BY-4.0; see
`cleanse/data/lexicon/naughty_words/ATTRIBUTION.md`), vendored at development time.

The lists mix insults with anatomy, place names and everyday words ("infierno", "martillo",
"saco", "Çingene"), so one listed word alone stays below the threshold. It counts in full when
its sentence also addresses someone (a second-person pronoun of that language) or is an
exclamation, or when a second listed word occurs in the same sentence. A capitalised word inside
a sentence is read as a name (except in German, which capitalises every noun). Every hit is
scored as `profanity`, the category for profanity, insults and abuse. English has its own
lexicon and does not use these lists.
"""
from __future__ import annotations

import json
import os
import re
from typing import Dict, FrozenSet, List, Optional, Tuple

PATH = os.path.join(os.path.dirname(__file__), "data", "lexicon", "naughty_words", "lists.json")
ALONE = 0.4
ADDRESSED = 0.6
# Scripts written without spaces between words: entries are looked for inside the text.
_UNSPACED = frozenset(("ja", "zh", "th"))
# The language guesser reports Arabic script as "ar"; Persian shares it.
_SHARED = {"ar": ("ar", "fa")}
_SECOND_PERSON = {
    "de": "du dich dir dein deine deinen deiner ihr euch euer eure",
    "fr": "tu toi te t ton ta tes vous votre vos",
    "es": "tú tu te ti eres usted ustedes vosotros os",
    "it": "tu ti te sei voi vi tuo tua",
    "pt": "você voce tu te ti vocês voces és teu tua",
    "nl": "jij je jou jouw u jullie",
    "pl": "ty ciebie cię ci tobie jesteś twoja twój wy",
    "sv": "du dig din ditt ni er",
    "da": "du dig din dit i jer",
    "no": "du deg din ditt dere",
    "fi": "sinä sinua sä sää sun te",
    "cs": "ty tebe tě ti jsi tvoje tvůj vy",
    "hu": "te téged neked vagy ti",
    "tr": "sen seni sana senin siz",
    "ru": "ты тебя тебе твой твоя вы вас",
    "ar": "أنت انت انتي أنتم",
    "ko": "너 니 너희",
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE = re.compile(r"[^.!?¡¿。！？\n]+[.!?。！？]*")


class WordLists:
    """The vendored lists, compiled per language."""

    def __init__(self, path: Optional[str] = None):
        with open(path or PATH, encoding="utf-8") as handle:
            lists: Dict[str, List[str]] = json.load(handle)
        self.words: Dict[str, FrozenSet[str]] = {}
        self.phrases: Dict[str, Optional["re.Pattern[str]"]] = {}
        for language, entries in lists.items():
            if language == "en":
                continue
            entries = [e.lower() for e in entries]
            if language in _UNSPACED:
                long_enough = sorted((e for e in entries if len(e) >= 2 and not e.isascii()),
                                     key=len, reverse=True)
                self.words[language] = frozenset()
                self.phrases[language] = re.compile("|".join(map(re.escape, long_enough))) \
                    if long_enough else None
                continue
            self.words[language] = frozenset(e for e in entries if _WORD.fullmatch(e))
            multi = sorted((e for e in entries if not _WORD.fullmatch(e)), key=len, reverse=True)
            alternatives = "|".join(re.escape(e) for e in multi)
            self.phrases[language] = re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)") \
                if multi else None
        self.second_person = {lang: frozenset(words.split()) for lang, words in _SECOND_PERSON.items()}
        self.languages = frozenset(self.words) | frozenset(_SHARED)

    def covers(self, language: str) -> bool:
        return language in self.languages

    def score(self, text: str, language: str) -> Tuple[float, List[str]]:
        """The profanity score of one sentence or line, and the listed entries found."""
        best = 0.0
        names: List[str] = []
        for sentence in _SENTENCE.findall(text):
            score, found = self._sentence(sentence, language)
            if score > best:
                best = score
            names += found
        return best, names

    def _sentence(self, sentence: str, language: str) -> Tuple[float, List[str]]:
        lower = sentence.lower()
        found: List[str] = []
        languages = _SHARED.get(language, (language,))
        tokens = [(m.group(), m.start()) for m in _WORD.finditer(sentence)]
        lower_tokens = {t.lower() for t, _ in tokens}
        for code in languages:
            words = self.words.get(code, frozenset())
            for token, start in tokens:
                if token.lower() in words and not (code != "de" and _name(sentence, token, start)):
                    found.append(token.lower())
            phrases = self.phrases.get(code)
            if phrases is not None:
                found += [m.group() for m in phrases.finditer(lower)]
        if not found:
            return 0.0, []
        addressed = "!" in sentence or "¡" in sentence or "！" in sentence or any(
            not self.second_person.get(code, frozenset()).isdisjoint(lower_tokens) for code in languages)
        weight = ADDRESSED if addressed else ALONE
        score = 1.0 - (1.0 - weight) ** min(len(set(found)), 3)
        return score, sorted(set(found))


def _name(sentence: str, token: str, start: int) -> bool:
    """A capitalised word that does not open its sentence: a name or a place."""
    if not token[:1].isupper():
        return False
    return bool(sentence[:start].strip(" \t\"'“”«»¡¿-"))
