"""Harmful-content scoring and decisions: profanity/insults/harassment, hate, threats, sexual
content/spam, self-harm encouragement and incitement to violence against groups.

Signals, combined per category (the highest wins; every signal is scaled so that 0.5 is its
calibrated cut):

- the project's categorised lexicon (`cleanse.toxicity_lexicon`): words with inflections and
  obfuscations, multi-word patterns, and the context rules that protect medicine, news,
  history, mentions of a word, places, animals and code; per line (long lines per sentence);
- the trained model (`cleanse.toxicity_model`, shipped in cleanse/data): hashed word and
  character n-grams, one calibrated linear output per category plus one for harm of any kind,
  scored per sentence-sized unit, per window of two consecutive units and per short document,
  so harm buried in long benign text and harm spread over two sentences are both seen;
- dependency-parse frames (`cleanse.toxicity_frames`), parsed only for units the model finds
  uncertain, raising a unit's score when who-does-what-to-whom makes a threat, a dehumanising
  statement, a call for violence against a group or an encouragement to self-harm;
- the TF-IDF + linear SVM classifier shipped inside the alt-profanity-check wheel (profanity
  and insults, per sentence), and optionally a stronger model the user already has on disk;
- for other languages, the vendored C4 word lists (`cleanse.toxicity_wordlists`).

English gets every signal; languages with a word list get the word list only; documents in
other languages are passed and counted, not judged.
"""
from __future__ import annotations

import functools
import math
import importlib
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from cleanse.config import ToxicityConfig
from cleanse.document import Document, Outcome
from cleanse.errors import SetupError
from cleanse.toxicity_frames import FrameParser
from cleanse.toxicity_lexicon import CATEGORIES, Hit, Lexicon, fold_unicode, tokenize
from cleanse.toxicity_model import TrainedModel, model_units, rescale, window_rows
from cleanse.toxicity_wordlists import WordLists

# Lines longer than this are scored sentence by sentence: the classifier's TF-IDF vector of a
# long paragraph dilutes one abusive sentence below any useful threshold.
_SENTENCE_SPLIT_CHARS = 240
# Abbreviations are not sentence ends: "(e.g. 'all immigrants are ...')" must stay one unit, or
# the quotation loses the cue that it is an example.
_SENTENCE = re.compile(r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)(?<!\bvs\.)(?<!\bcf\.)(?<!\bMr\.)(?<!\bMs\.)"
                       r"(?<!\bDr\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bNo\.)[\"')\]]*\s+")


@dataclass
class HarmScores:
    """What the filter found in one text. Holds names of matched entries, never the text."""

    scores: Dict[str, float]
    # category -> the signals that contributed to its score ("lexicon", "classifier", ...)
    signals: Dict[str, List[str]] = field(default_factory=dict)
    # category -> matched lexicon terms or pattern names
    matched: Dict[str, List[str]] = field(default_factory=dict)
    # indexes (0-based, split on "\n") of lines that are harmful on their own
    flagged_lines: List[int] = field(default_factory=list)
    line_count: int = 0
    language: str = "en"
    judged: bool = True
    # The lexicon's (and word lists') scores alone, before the model and frames.
    lexicon_scores: Dict[str, float] = field(default_factory=dict)
    # The model's highest calibrated probability per category, before the cut is applied (what
    # bench/train/toxicity.py sets the cuts from).
    model_raw: Dict[str, float] = field(default_factory=dict)

    def harmful_without_model(self, thresholds: Dict[str, float]) -> List[str]:
        return [c for c in CATEGORIES if self.lexicon_scores.get(c, 0.0) >= thresholds[c]]

    def harmful(self, thresholds: Dict[str, float]) -> List[str]:
        """Categories at or above their threshold, most severe first."""
        over = [c for c in CATEGORIES if self.scores.get(c, 0.0) >= thresholds[c]]
        return sorted(over, key=lambda c: self.scores[c] - thresholds[c], reverse=True)

    def to_json(self) -> Dict[str, Any]:
        return {"scores": {c: round(v, 4) for c, v in self.scores.items()},
                "matched": {c: sorted(set(v)) for c, v in self.matched.items() if v},
                "signals": {c: sorted(set(v)) for c, v in self.signals.items() if v},
                "flagged_lines": list(self.flagged_lines), "language": self.language,
                "judged": self.judged}


# --------------------------------------------------------------------------- signals


class ProfanityClassifier:
    """The alt-profanity-check model, evaluated as one matrix product over many sentences.

    The wheel's CalibratedClassifierCV averages five sigmoid-calibrated LinearSVCs; stacking their
    weights into one matrix gives the same probabilities as `predict_proba` in one sparse product
    instead of five estimator calls (checked in the tests).
    """

    name = "classifier"
    categories = ("profanity",)
    languages = ("en",)

    def __init__(self) -> None:
        import importlib.util

        import joblib
        import numpy as np

        # Locate the package without importing it: its __init__ loads the model a second time.
        spec = importlib.util.find_spec("profanity_check")
        try:
            if spec is None or not spec.submodule_search_locations:
                raise ImportError("package profanity_check not found")
            data = os.path.join(list(spec.submodule_search_locations)[0], "data")
            self.vectorizer = joblib.load(os.path.join(data, "vectorizer.joblib"))
            model = joblib.load(os.path.join(data, "model.joblib"))
        except (OSError, ImportError, ValueError) as exc:
            raise SetupError(f"cannot load the alt-profanity-check model ({exc}); "
                             "pip install alt-profanity-check==1.9.1") from None
        self._np = np
        calibrated = model.calibrated_classifiers_
        self._weights = np.stack([c.estimator.coef_.ravel() for c in calibrated], axis=1)
        self._intercepts = np.array([float(c.estimator.intercept_[0]) for c in calibrated])
        self._a = np.array([c.calibrators[0].a_ for c in calibrated])
        self._b = np.array([c.calibrators[0].b_ for c in calibrated])
        self.model = model

    def predict(self, texts: Sequence[str]):
        np = self._np
        if not texts:
            return np.zeros(0)
        decision = self.vectorizer.transform(texts) @ self._weights + self._intercepts
        return (1.0 / (1.0 + np.exp(self._a * decision + self._b))).mean(axis=1)


class LocalModel:
    """A stronger model the user already has on disk, as an extra signal.

    `spec` is either ``"package.module:factory"`` (the factory returns an object with
    ``score_batch(texts) -> list of {category: probability}`` and optionally ``categories`` and
    ``languages``) or the path of a local Hugging Face text-classification checkpoint directory.
    Nothing is ever downloaded: checkpoints load with ``local_files_only``.
    """

    name = "local_model"

    def __init__(self, spec: str):
        if os.path.exists(spec):
            self.model = _TransformersCheckpoint(spec)
        elif re.fullmatch(r"[\w.]+:\w+", spec):
            module_name, factory_name = spec.split(":")
            try:
                factory = getattr(importlib.import_module(module_name), factory_name)
            except (ImportError, AttributeError) as exc:
                raise SetupError(f"toxicity.local_model: cannot import {spec!r} ({exc})") from None
            self.model = factory()
            if not callable(getattr(self.model, "score_batch", None)):
                raise SetupError(f"toxicity.local_model: {spec!r} returned an object without "
                                 "score_batch(texts)")
        else:
            raise SetupError(f"toxicity.local_model: {spec!r} does not exist; give the path of a local "
                             "checkpoint directory or 'package.module:factory' (models are never downloaded)")
        self.categories = tuple(getattr(self.model, "categories", CATEGORIES))
        self.languages = tuple(getattr(self.model, "languages", ("en",)))

    def predict(self, texts: Sequence[str]) -> List[Dict[str, float]]:
        results = list(self.model.score_batch(list(texts)))
        if len(results) != len(texts):
            raise RuntimeError(f"local model returned {len(results)} scores for {len(texts)} texts")
        return [{c: float(r.get(c, 0.0)) for c in CATEGORIES} for r in results]


# Label names used by common toxicity checkpoints (Jigsaw/Detoxify, HateXplain, ...).
_LABEL_CATEGORIES = (("identity", "hate"), ("hate", "hate"), ("threat", "threat"),
                     ("violen", "threat"), ("sexual", "sexual"), ("explicit", "sexual"),
                     ("porn", "sexual"), ("nsfw", "sexual"), ("obscen", "profanity"),
                     ("insult", "profanity"), ("profan", "profanity"), ("offensive", "profanity"),
                     ("abus", "profanity"), ("toxic", "profanity"))
_BENIGN_LABELS = re.compile(r"non|neutral|normal|clean|safe|ok|not")


class _TransformersCheckpoint:
    """A local transformers sequence-classification checkpoint, mapped onto our categories."""

    def __init__(self, path: str):
        if not os.path.isdir(path) or not os.path.exists(os.path.join(path, "config.json")):
            raise SetupError(f"toxicity.local_model: {path} is not a transformers checkpoint directory "
                             "(no config.json); for other models use 'package.module:factory'")
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError:
            raise SetupError("toxicity.local_model: a checkpoint path needs transformers and torch; "
                             "pip install transformers torch") from None
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True).eval()
        self.multi_label = self.model.config.problem_type == "multi_label_classification"
        self.label_categories: Dict[int, str] = {}
        for index, label in self.model.config.id2label.items():
            label = str(label).lower()
            if _BENIGN_LABELS.match(label):
                continue
            for key, category in _LABEL_CATEGORIES:
                if key in label:
                    self.label_categories[int(index)] = category
                    break
        if not self.label_categories:
            raise SetupError(f"toxicity.local_model: no label of {path} maps to a harm category "
                             f"({', '.join(map(str, self.model.config.id2label.values()))})")
        self.categories = tuple(sorted(set(self.label_categories.values())))

    def score_batch(self, texts: List[str]) -> List[Dict[str, float]]:
        torch = self._torch
        with torch.no_grad():
            encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=256,
                                     return_tensors="pt")
            logits = self.model(**encoded).logits
            probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
        results = []
        for row in probs.tolist():
            scores: Dict[str, float] = {}
            for index, category in self.label_categories.items():
                scores[category] = max(scores.get(category, 0.0), row[index])
            results.append(scores)
        return results


# --------------------------------------------------------------------------- language


# Function words of languages we recognise but may not cover, so a German page is counted as
# German rather than judged with English word lists.
_OTHER_STOPWORDS = {
    "de": "der die das und ist nicht ich sie wir ein eine mit auf für von zu den dem des auch sich "
          "du bist dich dir mich",
    "fr": "le la les et est une des du dans pour pas que qui sur avec nous vous sont ce cette "
          "tu ta ton toi t'es espèce",
    "es": "el la los las y es una del que en por para con no se su al lo como pero muy eres tú un",
    "it": "il lo la gli le e di che è un una per non sono con del della questo anche",
    "pt": "o os as e é um uma do da que em para com não se dos das mais por",
    "nl": "de het een en is van niet dat ik je we zijn met op voor ook maar",
    "sv": "och det att är en ett som på för med inte jag har av till den",
    "pl": "i w nie się na że jest do to z jak ale co tak",
    "tr": "ve bir bu da de için ile çok ne mi gibi daha olarak",
    "id": "dan yang di ini itu dengan untuk tidak dari ada akan saya",
    "ro": "și şi în de la cu pe este care nu să din pentru ca sau mai fi ale sunt dacă acest această",
    "cs": "a je se v na že to s z do jako ale pro jsou není",
    "da": "og at det er en til på som med for ikke af den har",
    "no": "og i det som en på er av til for med har ikke jeg de at den ikkje eg",
    "fi": "ja on ei se että oli hän mutta kun ovat tai myös",
    "hu": "a az és hogy nem is egy de van meg ez mint",
    "vi": "và của là có trong được cho không những một các với",
}
_SCRIPTS = (("ru", re.compile(r"[\u0400-\u04ff]")), ("el", re.compile(r"[\u0370-\u03ff]")),
            ("ar", re.compile(r"[\u0600-\u06ff]")), ("he", re.compile(r"[\u0590-\u05ff]")),
            ("hi", re.compile(r"[\u0900-\u097f]")), ("th", re.compile(r"[\u0e00-\u0e7f]")),
            ("ja", re.compile(r"[\u3040-\u30ff]")), ("ko", re.compile(r"[\uac00-\ud7af]")),
            ("zh", re.compile(r"[\u4e00-\u9fff]")))
_LETTER = re.compile(r"[^\W\d_]")
_SAMPLE_CHARS = 1000
_SAMPLE_WORDS = 200


class LanguageGuesser:
    """Cheap language guess: script first, then function-word counts. Short or mixed text
    counts as the default language, so a two-word insult is still judged."""

    def __init__(self, lexicons: Dict[str, Lexicon], default: str):
        self.default = default
        stopwords = {code: frozenset(words.split()) for code, words in _OTHER_STOPWORDS.items()}
        for code, lexicon in lexicons.items():
            if lexicon.stopwords:
                stopwords[code] = lexicon.stopwords
        stopwords.setdefault(default, frozenset())
        self.codes = tuple(stopwords)
        # word -> languages it is a function word of, so a text is counted in one pass
        self.word_languages: Dict[str, List[int]] = {}
        for position, code in enumerate(self.codes):
            for word in stopwords[code]:
                self.word_languages.setdefault(word, []).append(position)

    def guess(self, text: str, tokens: Sequence[str]) -> str:
        """`tokens`: the lower-cased word tokens of `text`."""
        sample = text[:_SAMPLE_CHARS]
        if not sample.isascii():
            letters = len(_LETTER.findall(sample))
            for code, script in _SCRIPTS:
                if letters and len(script.findall(sample)) > letters * 0.4:
                    return code
        words = tokens[:_SAMPLE_WORDS]
        if len(words) < 8:
            return self.default
        if sum(len(word) == 1 for word in words) * 2 > len(words):
            # Spelled-out letters ("y o u   a r e") read as Portuguese 'o', 'a', 'e'.
            return self.default
        counts = [0] * len(self.codes)
        frequencies = Counter(words)
        for word in frequencies.keys() & self.word_languages.keys():
            for position in self.word_languages[word]:
                counts[position] += frequencies[word]
        best = max(range(len(self.codes)), key=counts.__getitem__)
        default_count = counts[self.codes.index(self.default)]
        if self.codes[best] != self.default and counts[best] >= 3 and counts[best] > 1.5 * default_count \
                and counts[best] >= 0.1 * len(words):
            return self.codes[best]
        return self.default


# --------------------------------------------------------------------------- the filter


# Contexts where the classifier's vocabulary is ordinary: it scores anatomy, a breeder's `bitch`
# and `kill -9` as profanity. Document contexts damp every sentence, line contexts their own.
_DAMPING_CONTEXTS = frozenset(("code", "medical", "animal"))
# Documents up to this many characters are also scored by the model as one window.
_WHOLE_DOC_CHARS = 1200
# Frames parse a sentence whose model score (0.5 = harmful) for a frame category is at least
# this, and that is at most this long.
_FRAME_CATEGORIES = ("threat", "hate", "incitement", "self_harm")
_FRAME_FLOOR = 0.2
_FRAME_MAX_CHARS = 400


@dataclass
class _Unit:
    """A sentence or short line of one document, the grain every signal scores."""

    doc: int
    line: int
    text: str
    # Multiplier on the classifier's evidence (see `_DAMPING_CONTEXTS`).
    classifier_damping: float


class HarmFilter:
    """The harmful-content stage: scores documents and applies `ToxicityConfig.action`."""

    def __init__(self, config: Optional[ToxicityConfig] = None):
        self.config = config or ToxicityConfig()
        self.config.validate("toxicity")
        self.thresholds = {**self.config.default_thresholds(), **self.config.thresholds}
        self.lexicons = {lang: Lexicon.load(lang, self.config.lexicons.get(lang))
                         for lang in self.config.languages}
        self.classifier = ProfanityClassifier() if self.config.classifier else None
        self.local_model = LocalModel(self.config.local_model) if self.config.local_model else None
        self.model = TrainedModel(self.config.model_path) if self.config.model else None
        self.frames = FrameParser(self.config.frames_spacy_model) \
            if self.config.frames and self.model is not None else None
        self.wordlists = WordLists() if self.config.wordlists else None
        self.languages = LanguageGuesser(self.lexicons, self.config.languages[0])
        import numpy

        self._np = numpy

    # ------------------------------------------------------------------ scoring

    def coverage(self) -> Dict[str, List[str]]:
        """Which categories each signal covers, per the signal's own declaration."""
        covered = {"lexicon": list(CATEGORIES)}
        if self.model:
            covered["model"] = list(self.model.categories)
        if self.frames:
            covered["frame"] = list(_FRAME_CATEGORIES)
        if self.wordlists:
            covered["wordlist"] = ["profanity"]
        if self.classifier:
            covered["classifier"] = list(self.classifier.categories)
        if self.local_model:
            covered["local_model"] = list(self.local_model.categories)
        return covered

    def score(self, text: str) -> HarmScores:
        return self.score_batch([text])[0]

    def score_batch(self, texts: Sequence[str]) -> List[HarmScores]:
        results: List[Optional[HarmScores]] = [None] * len(texts)
        units: List[_Unit] = []
        unit_hits: List[List[Hit]] = []
        judged: List[int] = []
        folded: Dict[int, str] = {}
        for index, text in enumerate(texts):
            text = fold_unicode(text or "")
            lower, tokens = tokenize(text)
            language = self.languages.guess(text, tokens)
            lexicon = self.lexicons.get(language)
            lines = text.split("\n")
            listed = lexicon is None and self.wordlists is not None and self.wordlists.covers(language)
            if lexicon is None and not listed:
                results[index] = HarmScores({c: 0.0 for c in CATEGORIES}, line_count=len(lines),
                                            language=language, judged=False)
                continue
            judged.append(index)
            folded[index] = text
            results[index] = HarmScores({c: 0.0 for c in CATEGORIES}, line_count=len(lines),
                                        language=language)
            scan = lexicon.scan_document(lower, set(tokens)) if lexicon is not None else None
            damping = 0.0
            if self.classifier is not None and language in self.classifier.languages:
                damping = self.config.classifier_context_damping \
                    if scan.contexts & _DAMPING_CONTEXTS else 1.0
            for line_no, line in enumerate(lines):
                if not line.strip():
                    continue
                for sentence in _sentences(line):
                    units.append(_Unit(index, line_no, sentence, damping))
                    if lexicon is not None:
                        unit_hits.append(lexicon.match_line(sentence, scan))
                    else:
                        unit_hits.append(self._listed(sentence, language))

        classifier_scores = self._classify(units, unit_hits, results)
        local_scores = self._local(units, results)

        line_scores: Dict[Tuple[int, int], Dict[str, float]] = {}
        doc_evidence: Dict[int, Dict[str, Dict[str, float]]] = {}
        for position, (unit, hits) in enumerate(zip(units, unit_hits)):
            probability = classifier_scores.get(position, 0.0)
            local = local_scores.get(position)
            if not hits and probability <= self.config.classifier_floor and not local:
                continue  # nothing found: the common case, kept cheap
            result = results[unit.doc]
            lexicon = self.lexicons.get(result.language)
            mild = lexicon.mild if lexicon is not None else frozenset()
            scores = _combine(hits, mild)
            for hit in hits:
                if hit.weight > 0:
                    result.matched.setdefault(hit.category, []).append(hit.name)
                    result.signals.setdefault(hit.category, []).append(
                        "wordlist" if lexicon is None else "lexicon")
                    evidence = doc_evidence.setdefault(unit.doc, {}).setdefault(hit.category, {})
                    evidence[hit.name] = max(evidence.get(hit.name, 0.0), hit.weight)
            contribution = self._classifier_contribution(probability) * unit.classifier_damping
            if contribution > 0 and unit.classifier_damping == 1.0 and any(
                    lexicon.line_has_context(name, unit.text) for name in _DAMPING_CONTEXTS):
                # Code evidence in this sentence only ("kill -9 the child process").
                contribution *= self.config.classifier_context_damping
            if any(hit.weight == 0.0 for hit in hits):
                # The lexicon explained a word away (a quoted slur, an anatomical term in a
                # medical text): the classifier only reacts to that same word.
                contribution *= self.config.classifier_context_damping
            if contribution > 0:
                scores["profanity"] = 1 - (1 - scores["profanity"]) * (1 - contribution)
                result.signals.setdefault("profanity", []).append("classifier")
            for category, value in (local or {}).items():
                if value >= self.thresholds[category]:
                    result.signals.setdefault(category, []).append("local_model")
                scores[category] = max(scores[category], value)
            key = (unit.doc, unit.line)
            merged = line_scores.setdefault(key, {c: 0.0 for c in CATEGORIES})
            for category in CATEGORIES:
                merged[category] = max(merged[category], scores[category])

        for (doc, line), scores in line_scores.items():
            result = results[doc]
            for category in CATEGORIES:
                result.scores[category] = max(result.scores[category], scores[category])
        for doc in judged:
            lexicon = self.lexicons.get(results[doc].language)
            for category in (lexicon.accumulate if lexicon is not None else ()):
                weights = doc_evidence.get(doc, {}).get(category, {}).values()
                results[doc].scores[category] = max(results[doc].scores[category], _noisy_or(weights))
            results[doc].lexicon_scores = dict(results[doc].scores)

        self._apply_model(folded, results, line_scores)
        for (doc, line), scores in line_scores.items():
            if any(scores[c] >= self.thresholds[c] for c in CATEGORIES):
                results[doc].flagged_lines.append(line)
        for doc in judged:
            results[doc].flagged_lines = sorted(set(results[doc].flagged_lines))
        return results  # type: ignore[return-value]

    def _listed(self, sentence: str, language: str) -> List[Hit]:
        score, names = self.wordlists.score(sentence, language)
        if not names:
            return []
        # One hit carrying the sentence's score; names are the listed entries found.
        return [Hit("profanity", score, "wordlist:" + "|".join(names[:3]))]

    def _length_corrected_cuts(self, owners: List[int]):
        """Per-unit cuts: a document's cuts move toward 1 with the log of its unit count."""
        np = self._np
        sizes = Counter(owners)
        shift = np.array([min(0.9, self.config.model_length_correction * math.log(sizes[doc]))
                          for doc in owners])[:, None]
        cuts = self.model.cuts[None, :]
        return np.where(cuts >= 1.0, cuts, cuts + (1.0 - cuts) * shift)

    def _apply_model(self, folded: Dict[int, str], results,
                     line_scores: Dict[Tuple[int, int], Dict[str, float]]) -> None:
        """The trained model on every unit (`model_units`) and on each window of two
        consecutive units of a document (and on a whole short document); frames on the
        uncertain units."""
        if self.model is None:
            return
        np = self._np
        units: List[Tuple[int, str, Tuple[int, ...]]] = []
        groups: List[List[int]] = []
        for doc, text in folded.items():
            if results[doc].language not in self.model.languages:
                continue
            first = len(units)
            units += [(doc, unit, lines) for unit, lines in model_units(text)]
            rows = list(range(first, len(units)))
            groups += [[a, b] for a, b in zip(rows, rows[1:])]
            if 2 < len(rows) and len(text) <= _WHOLE_DOC_CHARS:
                groups.append(rows)
        if not units:
            return
        counts = self.model.featurizer.counts([text for _, text, _ in units])
        raw = self.model.probabilities(self.model.featurizer.finish(counts))
        if groups:
            window_raw = self.model.probabilities(self.model.featurizer.finish(window_rows(counts, groups)))
        else:
            window_raw = np.zeros((0, len(self.model.categories)))
        unit_cuts = self._length_corrected_cuts([doc for doc, _, _ in units])
        scaled = rescale(raw, unit_cuts)
        window_scaled = rescale(window_raw, unit_cuts[[g[0] for g in groups]] if groups
                                else self.model.cuts)
        columns = [self.model.categories.index(c) if c in self.model.categories else None for c in CATEGORIES]

        # Frames: only units whose model score is uncertain for a category a frame can raise,
        # that the lexicon has not already settled and that hold a word a frame is built on.
        frames: Dict[int, Dict[str, str]] = {}
        if self.frames is not None:
            frame_columns = [self.model.categories.index(c) for c in _FRAME_CATEGORIES
                             if c in self.model.categories]
            candidates = []
            for row, (doc, text, lines) in enumerate(units):
                if results[doc].language != "en" or len(text) > _FRAME_MAX_CHARS:
                    continue
                top = float(scaled[row, frame_columns].max()) if frame_columns else 0.0
                if not (_FRAME_FLOOR <= top < 0.5):
                    continue
                if any(line_scores.get((doc, line), {}).get(c, 0.0) >= self.thresholds[c]
                       for line in lines for c in CATEGORIES):
                    continue  # the lexicon has settled it
                if FrameParser.candidate(text.lower()):
                    candidates.append(row)
            if candidates:
                found = self.frames.frames([units[r][1] for r in candidates])
                frames = {r: f for r, f in zip(candidates, found) if f}

        thresholds = np.array([self.thresholds[c] for c in CATEGORIES])
        full, full_raw = self._by_category(scaled, raw, columns)
        window_full, window_full_raw = self._by_category(window_scaled, window_raw, columns)
        for row, found in frames.items():
            doc = units[row][0]
            top = full[row].max()
            for category, name in found.items():
                k = CATEGORIES.index(category)
                boosted = min(1.0, top + self.config.frame_boost)
                if boosted >= thresholds[k] > full[row, k]:
                    results[doc].signals.setdefault(category, []).append("frame")
                    results[doc].matched.setdefault(category, []).append(name)
                full[row, k] = max(full[row, k], boosted)

        def per_doc(values, owners) -> Dict[int, np.ndarray]:
            # Rows of one document are contiguous: the highest value per document and category.
            if not len(owners):
                return {}
            starts = [0] + [i for i in range(1, len(owners)) if owners[i] != owners[i - 1]]
            maxima = np.maximum.reduceat(values, starts, axis=0)
            return {owners[start]: maxima[n] for n, start in enumerate(starts)}

        unit_owners = [doc for doc, _, _ in units]
        window_owners = [units[g[0]][0] for g in groups]
        if "any" in self.model.categories:
            any_col = self.model.categories.index("any")
            for owners, values in ((unit_owners, raw[:, [any_col]]),
                                   (window_owners, window_raw[:, [any_col]])):
                for doc, maximum in per_doc(values, owners).items():
                    best = results[doc].model_raw.get("any", 0.0)
                    results[doc].model_raw["any"] = max(best, float(maximum[0]))
        for owners, values, values_raw, signal in (
                (unit_owners, full, full_raw, "model"),
                (window_owners, window_full, window_full_raw, "model_window")):
            raw_max = per_doc(values_raw, owners)
            for doc, maxima in per_doc(values, owners).items():
                result = results[doc]
                for k, category in enumerate(CATEGORIES):
                    if columns[k] is None:
                        continue
                    best = result.model_raw.get(category, 0.0)
                    result.model_raw[category] = max(best, float(raw_max[doc][k]))
                    if maxima[k] > result.scores[category]:
                        result.scores[category] = float(maxima[k])
                    if maxima[k] >= thresholds[k] and signal not in result.signals.get(category, ()):
                        result.signals.setdefault(category, []).append(signal)

        # Lines: a unit over its threshold flags its lines; a window only when none of its
        # units' lines is flagged already (it is harmful only together).
        low = thresholds.min()
        for row in np.flatnonzero(full.max(axis=1) >= low):
            doc, _, lines = units[row]
            for line in lines:
                merged = line_scores.setdefault((doc, line), {c: 0.0 for c in CATEGORIES})
                for k, category in enumerate(CATEGORIES):
                    merged[category] = max(merged[category], float(full[row, k]))
        for g in np.flatnonzero((window_full >= thresholds).any(axis=1)):
            members = groups[g]
            doc = units[members[0]][0]
            lines = {line for m in members for line in units[m][2]}
            if any(line_scores.get((doc, line), {}).get(c, 0.0) >= self.thresholds[c]
                   for line in lines for c in CATEGORIES):
                continue
            for line in lines:
                merged = line_scores.setdefault((doc, line), {c: 0.0 for c in CATEGORIES})
                for k, category in enumerate(CATEGORIES):
                    merged[category] = max(merged[category], float(window_full[g, k]))

    def _by_category(self, scaled, raw, columns):
        """The model's outputs as (rows, CATEGORIES) matrices: each category's own output, and
        the `any` output given to the category its own outputs rank first."""
        np = self._np
        full = np.zeros((scaled.shape[0], len(CATEGORIES)))
        for k, col in enumerate(columns):
            if col is not None:
                full[:, k] = scaled[:, col]
        full_raw = full.copy()
        for k, col in enumerate(columns):
            if col is not None:
                full_raw[:, k] = raw[:, col]
        if "any" in self.model.categories and scaled.shape[0]:
            any_col = self.model.categories.index("any")
            top = full_raw.argmax(axis=1)
            rows = np.arange(scaled.shape[0])
            full[rows, top] = np.maximum(full[rows, top], scaled[:, any_col])
        return full, full_raw

    def _classifier_contribution(self, probability: float) -> float:
        # Below the floor the classifier is noise on edited text; above it, its evidence grows
        # linearly up to `classifier_weight` at certainty.
        floor = self.config.classifier_floor
        if probability <= floor:
            return 0.0
        return self.config.classifier_weight * (probability - floor) / (1.0 - floor)

    def _classify(self, units: List[_Unit], unit_hits: List[List[Hit]], results) -> Dict[int, float]:
        # Fragments of fewer than three words ("sh", "kill.c", "['hell', ' w', 'rld']") get
        # confident, meaningless scores.
        positions = [i for i, u in enumerate(units) if u.classifier_damping > 0 and _wordy(u.text)]
        if not positions:
            return {}
        texts = []
        for i in positions:
            text, hits = units[i].text, unit_hits[i]
            lexicon = self.lexicons[results[units[i].doc].language]
            if hits and lexicon.mild_words is not None and \
                    all(hit.name in lexicon.mild for hit in hits if hit.weight > 0):
                # The classifier scores "damn fine coffee" as abuse on the word alone: when a
                # mild expletive is all the lexicon found, the classifier judges the rest.
                text = lexicon.mild_words.sub("", text)
            texts.append(text)
        probabilities = self.classifier.predict(texts)
        return dict(zip(positions, probabilities.tolist()))

    def _local(self, units: List[_Unit], results) -> Dict[int, Dict[str, float]]:
        if self.local_model is None:
            return {}
        positions = [i for i, u in enumerate(units) if results[u.doc].language in self.local_model.languages]
        if not positions:
            return {}
        scores = self.local_model.predict([units[i].text for i in positions])
        return dict(zip(positions, scores))

    # ------------------------------------------------------------------ decisions

    def process_batch(self, docs: List[Document]) -> List[Outcome]:
        scored = self.score_batch([doc.text for doc in docs])
        return [self._decide(doc, scores) for doc, scores in zip(docs, scored)]

    def _decide(self, doc: Document, scores: HarmScores) -> Outcome:
        if not scores.judged:
            return Outcome(doc, counts={f"skipped_language.{scores.language}": 1})
        harmful = scores.harmful(self.thresholds)
        counts = {f"harmful.{c}": 1 for c in harmful}
        # Score tenths per category: the report's histograms, for choosing thresholds.
        counts.update({f"score_hist.{c}.{min(int(v * 10), 9)}": 1 for c, v in scores.scores.items()})
        action = self.config.action
        if action == "annotate":
            payload = scores.to_json()
            payload["harmful"] = harmful
            record = {**doc.record, self.config.annotation_field: payload}
            annotations = {**doc.annotations, self.config.annotation_field: payload}
            annotated = Document(doc.id, doc.text, record, annotations)
            return Outcome(annotated, counts={**counts, "action.annotate": 1})
        if not harmful:
            return Outcome(doc, counts=counts)
        if action == "remove_lines":
            kept = self._remove_lines(doc, scores)
            if kept is not None:
                removed = len(scores.flagged_lines)
                return Outcome(kept, details=_details(harmful, scores),
                               counts={**counts, "action.remove_lines": 1, "lines_removed": removed})
        return Outcome(doc, dropped=f"harmful_{harmful[0]}", details=_details(harmful, scores),
                       counts={**counts, "action.drop": 1})

    def _remove_lines(self, doc: Document, scores: HarmScores) -> Optional[Document]:
        """The document without its harmful lines, or None when it must be dropped whole."""
        lines = doc.text.split("\n")
        content_lines = sum(1 for line in lines if line.strip())
        flagged = set(scores.flagged_lines)
        if content_lines < self.config.min_lines_for_line_removal or not flagged:
            return None  # short, or harmful only as a whole (spam spread over many lines)
        if len(flagged) / content_lines > self.config.max_harmful_line_fraction:
            return None
        remaining = [line for i, line in enumerate(lines) if i not in flagged]
        rescored = self.score("\n".join(remaining))
        if rescored.harmful(self.thresholds):
            return None
        return doc.with_text("\n".join(remaining))


def _details(harmful: List[str], scores: HarmScores) -> Dict[str, Any]:
    return {"category": harmful[0], "categories": harmful,
            "scores": {c: round(v, 4) for c, v in scores.scores.items()},
            "matched": sorted({name for c in harmful for name in scores.matched.get(c, [])}),
            "signals": sorted({s for c in harmful for s in scores.signals.get(c, [])}),
            "flagged_lines": len(scores.flagged_lines)}


def _sentences(line: str) -> List[str]:
    if len(line) <= _SENTENCE_SPLIT_CHARS:
        return [line]
    return [s for s in _SENTENCE.split(line) if s.strip()]


def _wordy(text: str, minimum: int = 3) -> bool:
    count = 0
    for word in text.split():
        if word[0].isalpha():
            count += 1
            if count >= minimum:
                return True
    return False


def _noisy_or(weights) -> float:
    product = 1.0
    for weight in weights:
        product *= 1.0 - weight
    return 1.0 - product


def _combine(hits: List[Hit], mild: frozenset = frozenset()) -> Dict[str, float]:
    """Per-category score of one unit: distinct entries combine as independent evidence; mild
    expletives together are one piece of evidence ("hell yeah, damn good")."""
    best: Dict[Tuple[str, str], float] = {}
    for hit in hits:
        key = (hit.category, "" if hit.name in mild else hit.name)
        best[key] = max(best.get(key, 0.0), hit.weight)
    scores = {c: 0.0 for c in CATEGORIES}
    for (category, _), weight in best.items():
        scores[category] = 1 - (1 - scores[category]) * (1 - weight)
    return scores


@functools.lru_cache(maxsize=1)
def _default_filter() -> HarmFilter:
    return HarmFilter()


def harm_score(text: str) -> Dict[str, float]:
    """Per-category harm scores in [0, 1] for one text, with the default configuration."""
    return dict(_default_filter().score(text).scores)
