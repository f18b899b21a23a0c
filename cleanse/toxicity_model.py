"""The trained harmful-content model: hashed word and character n-grams, one calibrated linear
model per category, shipped as plain numpy arrays (`cleanse/data/toxicity_model.npz`).

The features are computed here and nowhere else, so the training script
(`python -m bench.train.toxicity`) and the stage use the same code. Hashing needs no vocabulary
file: the same text gives the same columns on every machine. The weights are exported from
scikit-learn's LogisticRegression + sigmoid calibration (CalibratedClassifierCV) and scored
with one sparse product, so loading needs no pickle and scoring no estimator objects.

Scoring units are sentences or short lines; `window_rows` sums the raw n-gram counts of
consecutive units, so a window is scored as if it were one text without featurising it again.
"""
from __future__ import annotations

import json
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from cleanse.errors import SetupError

MODEL_PATH = os.path.join(os.path.dirname(__file__), "data", "toxicity_model.npz")
FEATURE_VERSION = 3
# Columns per feature block (word n-grams, then character n-grams).
BLOCK_BITS = 20
_WORD = re.compile(r"\w+")
# Digits are one symbol: "call 555 0199" and "call 212 7781" are the same evidence.
_DIGITS = re.compile(r"\d")


class _WordGrams:
    """Word unigrams and bigrams (tokens `\\w+`, lower-cased), hashed with MurmurHash3 like
    scikit-learn's HashingVectorizer, with a cache per token and per pair."""

    def __init__(self, limit: int = 400_000):
        from sklearn.utils import murmurhash3_32

        self._hash = murmurhash3_32
        self._cache: Dict[str, int] = {}
        self._limit = limit

    def _column(self, gram: str) -> int:
        column = self._cache.get(gram)
        if column is None:
            if len(self._cache) >= self._limit:
                self._cache.clear()
            column = self._cache[gram] = self._hash(gram, positive=True) % (2 ** BLOCK_BITS)
        return column

    def indices(self, text: str, out: List[int]) -> None:
        tokens = _WORD.findall(text.lower())
        grams = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
        cache, column = self._cache, self._column
        out.extend([cache[g] if g in cache else column(g) for g in grams])


class _CharGrams:
    """Character 3- to 5-grams of each whitespace token padded with spaces (what scikit-learn
    calls `char_wb`), hashed like HashingVectorizer does, with a per-token cache: real text
    repeats its words, so this is several times faster than computing n-grams per text."""

    def __init__(self, limit: int = 400_000):
        from sklearn.utils import murmurhash3_32

        self._hash = murmurhash3_32
        self._cache: Dict[str, Tuple[int, ...]] = {}
        self._limit = limit

    def _grams(self, token: str) -> Tuple[int, ...]:
        padded = f" {token} "
        width = 2 ** BLOCK_BITS
        hashed = self._hash
        return tuple(width + hashed(padded[i:i + n], positive=True) % width
                     for n in (3, 4, 5) for i in range(len(padded) - n + 1))

    def indices(self, text: str, out: List[int]) -> None:
        cache = self._cache
        for token in text.lower().split():
            cols = cache.get(token)
            if cols is None:
                if len(cache) >= self._limit:
                    cache.clear()
                cols = cache[token] = self._grams(token)
            out += cols


class Featurizer:
    """Raw n-gram counts (`counts`), then the model's input (`finish`): log-scaled counts, each
    block L2-normalised, the two blocks side by side."""

    def __init__(self) -> None:
        self.words = _WordGrams()
        self.chars = _CharGrams()

    def counts(self, texts: Sequence[str]):
        import scipy.sparse as sp

        texts = [_DIGITS.sub("0", t) for t in texts]
        indices: List[int] = []
        indptr = [0]
        for text in texts:
            self.words.indices(text, indices)
            self.chars.indices(text, indices)
            indptr.append(len(indices))
        counts = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int64),
                                np.asarray(indptr, dtype=np.int64)), shape=(len(texts), 2 * 2 ** BLOCK_BITS))
        counts.sum_duplicates()
        return counts

    @staticmethod
    def finish(counts):
        import scipy.sparse as sp

        counts = sp.csr_matrix(counts)
        data = np.log1p(counts.data.astype(np.float32))
        width = 2 ** BLOCK_BITS
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        is_word = counts.indices < width
        squares = data * data
        n = counts.shape[0]
        word_norm = np.sqrt(np.bincount(rows, weights=squares * is_word, minlength=n))
        char_norm = np.sqrt(np.bincount(rows, weights=squares * ~is_word, minlength=n))
        # A floor on the norms (those of a ten-word sentence): a fragment of two or three
        # words keeps small feature values instead of being blown up to unit length, so
        # "The schedulers are not full." cannot score like a whole hateful sentence.
        word_norm = np.maximum(word_norm, _WORD_NORM_FLOOR)
        char_norm = np.maximum(char_norm, _CHAR_NORM_FLOOR)
        scale = np.where(is_word, 1.0 / word_norm[rows], 1.0 / char_norm[rows])
        values = (data * scale / np.sqrt(2.0)).astype(np.float32)
        return sp.csr_matrix((values, counts.indices, counts.indptr), shape=counts.shape)

    def transform(self, texts: Sequence[str]):
        return self.finish(self.counts(texts))


# Hard-wrapped lines (man pages, e-mail) are joined until they make a sentence-sized unit: a
# fragment such as "(in" or "C) or" says nothing and scores noise.
_UNIT_MIN_CHARS = 60
_UNIT_MAX_CHARS = 240
_UNIT_MIN_WORDS = 4
_WORD_NORM_FLOOR = 3.0
_CHAR_NORM_FLOOR = 7.5
_ENDS_SENTENCE = re.compile(r"[.!?:;\]\)\"'”]\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def model_units(text: str) -> List[Tuple[str, Tuple[int, ...]]]:
    """The model's scoring units of a text and the line numbers (split on "\n") each covers:
    a line of sentence size is a unit; shorter lines are joined with the next until a sentence
    ends or the unit is long enough; a blank line always ends a unit; long units are split at
    sentence ends; a piece of fewer than four words joins the unit before it in the same block
    ("are now.", "them." at the end of a wrapped sentence), since alone it scores noise."""
    units: List[Tuple[str, Tuple[int, ...]]] = []
    buffer: List[str] = []
    lines: List[int] = []
    block_start = 0

    def add(piece: str, covered: Tuple[int, ...]) -> None:
        if len(units) > block_start and len(piece.split()) < _UNIT_MIN_WORDS:
            text, before = units[-1]
            units[-1] = (f"{text} {piece}", tuple(sorted(set(before) | set(covered))))
        else:
            units.append((piece, covered))

    def flush() -> None:
        if buffer:
            joined = " ".join(buffer)
            if len(joined) <= _UNIT_MAX_CHARS:
                add(joined, tuple(lines))
            else:
                for sentence in _SENTENCE_END.split(joined):
                    if sentence.strip():
                        add(sentence, tuple(lines))
            buffer.clear()
            lines.clear()

    for number, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped:
            flush()
            block_start = len(units)
            continue
        buffer.append(stripped)
        lines.append(number)
        if sum(map(len, buffer)) >= _UNIT_MIN_CHARS or _ENDS_SENTENCE.search(stripped):
            flush()
    flush()
    return units


def window_rows(counts, groups: Sequence[Sequence[int]]):
    """Rows of summed counts: one per group of unit indexes."""
    import scipy.sparse as sp

    if not groups:
        return sp.csr_matrix((0, counts.shape[1]), dtype=np.float32)
    rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    cols = np.fromiter((i for g in groups for i in g), dtype=np.int64)
    agg = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                        shape=(len(groups), counts.shape[0]))
    return sp.csr_matrix(agg @ counts)


class TrainedModel:
    """The shipped model: per-category calibrated probabilities for featurised rows."""

    name = "model"

    def __init__(self, path: Optional[str] = None):
        import scipy.sparse as sp

        path = path or MODEL_PATH
        try:
            data = np.load(path, allow_pickle=False)
            meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError) as exc:
            raise SetupError(f"cannot load the harmful-content model {path} ({exc}); re-create it with "
                             "python -m bench.train.toxicity, or set toxicity.model: false") from None
        if meta.get("feature_version") != FEATURE_VERSION or meta.get("block_bits") != BLOCK_BITS:
            raise SetupError(f"harmful-content model {path} was built for other features "
                             f"({meta.get('feature_version')}); "
                             "re-create it with python -m bench.train.toxicity")
        self.meta = meta
        self.categories: Tuple[str, ...] = tuple(meta["categories"])
        self.languages: Tuple[str, ...] = tuple(meta.get("languages", ["en"]))
        columns = data["columns"].astype(np.int64)
        # Weights of the stored columns only, and a lookup from feature column to row of them.
        self.weights = np.ascontiguousarray(data["weights"].astype(np.float32))  # (columns, outputs)
        self.lookup = np.full(2 * 2 ** BLOCK_BITS, -1, dtype=np.int32)
        self.lookup[columns] = np.arange(len(columns), dtype=np.int32)
        self.intercepts = data["intercepts"].astype(np.float64)
        self.a = data["calibration_a"].astype(np.float64)
        self.b = data["calibration_b"].astype(np.float64)
        # Score at which each category's probability is mapped to 0.5 (set on the calibration split).
        self.cuts = data["cuts"].astype(np.float64)
        self.featurizer = Featurizer()

    def probabilities(self, x) -> np.ndarray:
        """Calibrated probabilities, shape (rows, categories)."""
        import scipy.sparse as sp

        if x.shape[0] == 0:
            return np.zeros((0, len(self.categories)))
        # Columns without a weight are dropped, the rest renumbered: a small csr times a dense
        # matrix instead of a product with a 2-million-row sparse one.
        x = sp.csr_matrix(x)
        compact = self.lookup[x.indices]
        keep = compact >= 0
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))[keep]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=x.shape[0]))))
        small = sp.csr_matrix((x.data[keep], compact[keep], indptr), shape=(x.shape[0], len(self.weights)))
        decision = np.asarray(small @ self.weights, dtype=np.float64) + self.intercepts
        return 1.0 / (1.0 + np.exp(self.a * decision + self.b))

    def scores(self, x) -> np.ndarray:
        """Probabilities rescaled so that each category's calibrated cut is 0.5."""
        return rescale(self.probabilities(x), self.cuts)

    def by_category(self, row: np.ndarray) -> Dict[str, float]:
        return {c: float(v) for c, v in zip(self.categories, row)}


def rescale(p: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Piecewise-linear map of [0, cut] to [0, 0.5] and [cut, 1] to [0.5, 1], per column. An
    output whose cut is 1 (calibration found no cut worth its false positives) stays below
    0.45: it can only support a frame, never decide alone."""
    off = cuts >= 1.0
    cuts = np.clip(cuts, 1e-6, 1 - 1e-6)
    low = p / (2 * cuts)
    high = 0.5 + (p - cuts) / (2 * (1 - cuts))
    return np.where(off, 0.45 * p, np.where(p < cuts, low, high))


def save(path: str, categories: List[str], coef: np.ndarray, intercepts: np.ndarray,
         a: np.ndarray, b: np.ndarray, cuts: np.ndarray, meta: Dict) -> None:
    """Write the model: only columns with a non-zero weight in some category are stored."""
    keep = np.flatnonzero(np.abs(coef).max(axis=0) > 1e-4)
    meta = {**meta, "categories": list(categories), "feature_version": FEATURE_VERSION,
            "block_bits": BLOCK_BITS}
    np.savez_compressed(path, columns=keep.astype(np.int32),
                        weights=coef[:, keep].T.astype(np.float16),
                        intercepts=np.asarray(intercepts, dtype=np.float64),
                        calibration_a=np.asarray(a, dtype=np.float64),
                        calibration_b=np.asarray(b, dtype=np.float64),
                        cuts=np.asarray(cuts, dtype=np.float64),
                        meta=np.array(json.dumps(meta, sort_keys=True)))


def replace_cuts(path: str, cuts: np.ndarray, meta_update: Dict) -> None:
    """Rewrite a model file with new cuts (the calibration step), weights unchanged."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    meta = {**json.loads(str(arrays["meta"])), **meta_update}
    arrays["cuts"] = np.asarray(cuts, dtype=np.float64)
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    np.savez_compressed(path, **arrays)
