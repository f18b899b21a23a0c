"""The person-detection NER weights cleanse ships (cleanse/data/pii_ner, bench/train/pii_ner.py)."""
import pytest

from cleanse.config import PiiConfig
from cleanse.pii import NerView, PiiScrubber, ner_text, person_model_fits


@pytest.fixture(scope="module")
def tuned():
    return PiiScrubber(PiiConfig())


def test_shipped_weights_load_for_the_pipeline_they_were_tuned_from(tuned):
    assert tuned.tuned_ner["en"] and person_model_fits(tuned.pipelines["en"])
    stock = PiiScrubber(PiiConfig(person_model=False))
    assert not stock.tuned_ner["en"] and not stock.known_names["en"]
    # The shipped weights, not the stock ones, are what NER runs with.
    assert tuned.pipelines["en"].get_pipe("ner").to_bytes() != stock.pipelines["en"].get_pipe("ner").to_bytes()


def test_lines_with_a_known_name_in_any_casing_reach_ner():
    text = "lol ok\nask priya about it\nBOOKED FOR NGUYEN THI LAN\nts=1 level=info"
    view = NerView(text, frozenset({"lol", "ok", "ask"}), frozenset({"priya", "nguyen", "lan"}))
    assert view.text == "ask priya about it\nBOOKED FOR NGUYEN THI LAN\n"
    assert NerView(text, frozenset(), frozenset()).text == ""


def test_glued_separators_read_as_spaces_for_ner_keeping_offsets():
    row = '5,"Ivanova, Daria","Haddad, Omar",1-0;x|y'
    assert ner_text(row) == '5 "Ivanova, Daria" "Haddad, Omar" 1-0 x y'
    assert len(ner_text(row)) == len(row)


@pytest.mark.parametrize("text, name", [
    ("hey did u ask tomasz about saturday? he said fine", "tomasz"),
    ("MARIA: the parcel came today\nJOSH: great, thanks", "MARIA"),
    ("Round 5 results\n1. Okonkwo, Chidi 1-0 Lindqvist, Sara", "Lindqvist"),
    ("Thanks to @nadia_okoro for organising the clean-up!", "@nadia_okoro"),
])
def test_the_tuned_model_finds_names_the_stock_filters_dropped(tuned, text, name):
    assert name not in tuned.scrub(text)


def test_things_stay(tuned):
    text = "We flew from Osaka to Leeds with JAL and had dinner at Nando's near Kings Cross."
    out = tuned.scrub(text)
    for kept in ("Osaka", "Leeds", "JAL", "Nando's"):
        assert kept in out
