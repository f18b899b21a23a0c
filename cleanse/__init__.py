"""cleanse: sanitize text corpora for LLM pre-training.

Library use, one string or a batch at a time (models load on first use)::

    import cleanse
    cleanse.scrub_pii("Mail jane.doe@example.com")      # -> "Mail <EMAIL_ADDRESS>"
    cleanse.harm_score("you are an idiot")               # -> {"insult": 0.9, ...}
    cleanse.find_duplicates(texts, threshold=0.8)        # -> [[0, 3], [5, 7, 9]]

For corpora, run the Beam pipeline: ``cleanse run --input 'data/*.jsonl.gz' --output out``.
Heavy dependencies (Presidio, spaCy, scikit-learn) are imported only when a stage is used,
and Apache Beam only by the pipeline, so ``import cleanse`` is cheap.
"""
from importlib import import_module, metadata

from .config import (Config, ConfigError, DedupConfig, InputConfig, OutputConfig, PiiConfig,
                     ToxicityConfig)
from .document import Document, Outcome, Rejection
from .errors import SetupError

try:
    __version__ = metadata.version("cleanse")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_LAZY = {
    "PiiScrubber": "pii",
    "ScrubResult": "pii",
    "scrub_pii": "pii",
    "HarmFilter": "toxicity",
    "HarmScores": "toxicity",
    "harm_score": "toxicity",
    "Deduplicator": "dedup",
    "find_duplicates": "dedup",
}

__all__ = ["Config", "ConfigError", "DedupConfig", "InputConfig", "OutputConfig", "PiiConfig",
           "ToxicityConfig", "Document", "Outcome", "Rejection", "SetupError", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'cleanse' has no attribute {name!r}")
