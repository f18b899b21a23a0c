"""The trained model, the parse frames, the word lists beyond English, and how they combine."""
import numpy as np
import pytest

from cleanse.config import ToxicityConfig
from cleanse.document import Document
from cleanse.toxicity import HarmFilter
from cleanse.toxicity_frames import FrameParser
from cleanse.toxicity_model import MODEL_PATH, Featurizer, TrainedModel, model_units, rescale, window_rows
from cleanse.toxicity_wordlists import WordLists


@pytest.fixture(scope="module")
def harm():
    return HarmFilter()


@pytest.fixture(scope="module")
def frames():
    return FrameParser()


def test_the_model_ships_in_the_package_and_loads_offline():
    model = TrainedModel()
    assert MODEL_PATH.endswith("cleanse/data/toxicity_model.npz")
    assert set(ToxicityConfig.CATEGORIES) <= set(model.categories)
    assert model.meta["trained_on"] > 1000
    scores = model.scores(model.featurizer.transform(["hello there", "thanks for the help"]))
    assert scores.shape == (2, len(model.categories)) and (scores < 0.5).all()


def test_features_do_not_depend_on_the_batch():
    featurizer = Featurizer()
    alone = featurizer.transform(["You people are a disease."])
    together = featurizer.transform(["The weather is fine.", "You people are a disease.", "ok"])
    assert (alone != together[1]).nnz == 0


def test_a_window_is_scored_as_the_units_together():
    featurizer = Featurizer()
    parts = ["Nice car you have there.", "Would be a shame if it caught fire tonight."]
    counts = featurizer.counts(parts)
    window = featurizer.finish(window_rows(counts, [[0, 1]]))
    whole = featurizer.transform([" ".join(parts)])
    # The same n-grams, except those spanning the join.
    overlap = window.multiply(whole).sum()
    assert overlap > 0.9


def test_rescale_maps_each_cut_to_one_half():
    p = np.array([[0.2, 0.9], [0.8, 0.95]])
    cuts = np.array([0.8, 0.9])
    scaled = rescale(p, cuts)
    assert scaled[1, 0] == pytest.approx(0.5) and scaled[0, 1] == pytest.approx(0.5)
    assert scaled[0, 0] < 0.5 < scaled[1, 1]


def test_hard_wrapped_lines_are_joined_into_units():
    text = "When the client program releases memory using\nfree\n(in\nC) or\ndelete\n(C++), it is kept."
    units = model_units(text)
    assert units[0][1] == (0, 1, 2, 3, 4)
    assert all(len(unit.split()) >= 4 for unit, _ in units)
    chat = "[14:02] <kev> this is a long enough chat line to be its own unit, ok\n[14:03] <dan> no"
    assert [lines for _, lines in model_units(chat)] == [(0, 1)]  # "no" alone is too short


@pytest.mark.parametrize("text, category", [
    ("I will break every bone in your hands.", "threat"),
    ("We're going to burn your house down.", "threat"),
    ("Journalists should be hanged from lampposts.", "incitement"),
    ("Someone should shoot all the judges.", "incitement"),
    ("Round up all the immigrants and drive them out.", "incitement"),
    ("Those people breed like rats.", "hate"),
    ("Immigrants are vermin.", "hate"),
    ("You should just overdose.", "self_harm"),
    ("Go hang yourself.", "self_harm"),
    ("Hurt yourself where nobody will see.", "self_harm"),
    ("I swear I will wait for him outside and beat him senseless.", "threat"),
    ("Journalists are the enemy. Hang them all.", "incitement"),
])
def test_frames_read_who_does_what_to_whom(frames, text, category):
    assert category in frames.frames([text])[0]


@pytest.mark.parametrize("text", [
    "I will break the build if I merge this now.",
    "We kill the process and restart the service.",
    "Immigrants are not vermin, and saying so is propaganda.",
    "The doctors should be paid more.",
    "You should overdose on sunshine this weekend, ha.",
    "Hunters shoot deer in the autumn.",
    "Send them all back to the shop if they arrive broken.",
    "We're going to kill them in the final on Saturday.",
])
def test_frames_stay_quiet_on_look_alikes(frames, text):
    found = frames.frames([text])[0]
    assert "incitement" not in found and "hate" not in found and "threat" not in found


def test_frames_only_parse_candidates():
    assert FrameParser.candidate("i will break every bone in your hands")
    assert not FrameParser.candidate("the quarterly report is attached")


@pytest.mark.parametrize("text, language", [
    ("Du bist so ein Arschloch, verpiss dich!", "de"),
    ("Eres un cabrón y un hijo de puta.", "es"),
    ("Ferme ta gueule, espèce de connard.", "fr"),
])
def test_profanity_beyond_english_is_scored(harm, text, language):
    scores = harm.score(text + " " + text)
    assert scores.language == language
    assert "profanity" in scores.harmful(harm.thresholds)
    assert "wordlist" in scores.signals["profanity"]


def test_one_listed_word_alone_needs_a_second_cue():
    lists = WordLists()
    alone, _ = lists.score("El martillo está en la caja de herramientas del garaje.", "es")
    addressed, _ = lists.score("¡Eres un cabrón!", "es")
    assert alone < 0.5 <= addressed
    name, _ = lists.score("Wir fahren morgen nach Fucking in Österreich.", "de")
    assert name < 0.5


def test_annotate_names_the_signal_that_fired(harm):
    annotator = HarmFilter(ToxicityConfig(action="annotate"))
    doc = Document("a", "You are a fucking idiot.\nJournalists should be hanged from lampposts.")
    payload = annotator.process_batch([doc])[0].document.record["harm"]
    assert "lexicon" in payload["signals"]["profanity"]
    assert payload["harmful"]
    assert set(payload["signals"]) <= set(ToxicityConfig.CATEGORIES)


def test_new_categories_are_counted_like_the_others(harm):
    outcomes = harm.process_batch([Document("a", "Kill yourself, nobody would miss you."),
                                   Document("b", "Hang all the politicians from the nearest tree.")])
    assert "harmful.self_harm" in outcomes[0].counts
    assert "harmful.incitement" in outcomes[1].counts
    # Dropped under whichever category scores highest; self_harm is counted either way.
    assert not outcomes[0].kept and outcomes[0].dropped.startswith("harmful_")


def test_the_model_scores_every_category_and_reports_its_signal(harm):
    assert set(harm.coverage()["model"]) >= set(ToxicityConfig.CATEGORIES)
    scores = harm.score("Those people are a disease on this country and the cure is obvious.")
    assert scores.model_raw and max(scores.model_raw.values()) > 0.5


def test_the_stage_runs_without_model_frames_or_lists():
    bare = HarmFilter(ToxicityConfig(model=False, frames=False, wordlists=False))
    assert bare.model is None and bare.frames is None and bare.wordlists is None
    assert "profanity" in bare.score("You are a fucking idiot.").harmful(bare.thresholds)


def test_config_knows_the_new_categories():
    ToxicityConfig(thresholds={"self_harm": 0.4, "incitement": 0.6}).validate("toxicity")


def test_long_documents_get_cuts_closer_to_certainty():
    import math

    from cleanse.config import ToxicityConfig
    from cleanse.toxicity import HarmFilter

    harm = HarmFilter(ToxicityConfig(model_length_correction=0.25, frames=False))
    base = harm.model.cuts
    cuts = harm._length_corrected_cuts([0] * 20 + [1])
    assert (cuts[-1] == base).all()  # a one-sentence document keeps the calibrated cuts
    open_cuts = base < 1.0
    shift = 0.25 * math.log(20)
    assert abs(cuts[0][open_cuts] - (base + (1 - base) * shift)[open_cuts]).max() < 1e-9
    off = HarmFilter(ToxicityConfig(model_length_correction=0.0, frames=False))
    assert (off._length_corrected_cuts([0] * 20)[0] == base).all()
