"""National identifiers, dates of birth, obfuscated values, operator names: one recognizer at a time,
then through the scrubber."""
import pytest

from cleanse.config import ConfigError, PiiConfig
from cleanse.pii import NormalizedText, PiiScrubber
from cleanse.pii_national import (DateOfBirthRecognizer, NationalIdRecognizer, aadhaar_ok, au_tfn_ok, ca_sin_ok,
                                  de_taxid_ok, es_dni_ok, fr_nir_ok, in_pan_ok, it_cf_ok, nhs_ok, nl_bsn_ok,
                                  uk_nino_ok)


@pytest.fixture(scope="module")
def scrubber():
    return PiiScrubber()


@pytest.mark.parametrize("check, good, bad", [
    (uk_nino_ok, "JG 10 37 59 A", "QQ 12 34 56 A"),
    (nhs_ok, "943 476 5919", "943 476 5910"),
    (ca_sin_ok, "478 940 513", "478 940 514"),
    (de_taxid_ok, "77018326269", "77018326260"),
    (fr_nir_ok, "1 94 01 44 322 369 51", "1 94 01 44 322 369 52"),
    (es_dni_ok, "12345678Z", "12345678A"),
    (es_dni_ok, "Y3649929G", "Y3649929A"),
    (it_cf_ok, "RSSMRA85T10A562S", "RSSMRA85T10A562T"),
    (nl_bsn_ok, "111222333", "111222334"),
    (aadhaar_ok, "2764 5297 4771", "2764 5297 4772"),
    (in_pan_ok, "ABCPE1234F", "ABCDE1234F"),
    (au_tfn_ok, "123 456 782", "123 456 783"),
])
def test_checksums(check, good, bad):
    assert check(good) and not check(bad)


def _spans(recognizer, text):
    return [(text[c.start:c.end], c.pattern, c.accepted) for c in recognizer.candidates(text)]


def test_national_id_recognizer_alone_checksum_or_label():
    rec = NationalIdRecognizer()
    found = _spans(rec, "NI JG 10 37 59 A; codice fiscale RSSMRA85T10A562S; order 48213957; Aadhaar 2764 5297 4771")
    accepted = {value for value, _, ok in found if ok}
    assert {"JG 10 37 59 A", "RSSMRA85T10A562S", "2764 5297 4771"} <= accepted
    assert "48213957" not in accepted


def test_a_label_wins_over_a_failing_checksum():
    rec = NationalIdRecognizer()
    found = _spans(rec, "Steuer-ID: 12345678901")
    assert ("12345678901", "DE_TAX_ID.labelled", True) in found


def test_generic_label_takes_any_identifier_shape():
    rec = NationalIdRecognizer()
    text = "my social security number is AB123456C, thanks"
    assert any(v == "AB123456C" and ok for v, _, ok in _spans(rec, text))


def test_checksum_failure_without_label_is_explained_as_rejected():
    rec = NationalIdRecognizer()
    found = _spans(rec, "ref RSSMRA85T10A562T")
    assert ("RSSMRA85T10A562T", "IT_CODICE_FISCALE.checksum", False) in found


def test_dates_of_birth_only_beside_their_label():
    rec = DateOfBirthRecognizer()
    text = "Geburtsdatum: 03.07.1991. Meeting on 03.07.1991. née le 17/02/1986; born on 3 May 1990"
    values = [v for v, _, ok in _spans(rec, text) if ok]
    assert values == ["03.07.1991", "17/02/1986", "3 May 1990"]


@pytest.mark.parametrize("text, value, entity", [
    ("My national insurance number is JG 10 37 59 A.", "JG 10 37 59 A", "NATIONAL_ID"),
    ("NHS No 943 476 5919", "943 476 5919", "NATIONAL_ID"),
    ("DNI: 79176427P", "79176427P", "NATIONAL_ID"),
    ("Passport no. K4821937 expires 2031", "K4821937", "NATIONAL_ID"),
    ("Fecha de nacimiento: 23/11/1994", "23/11/1994", "DATE_OF_BIRTH"),
])
def test_identifiers_through_the_scrubber(scrubber, text, value, entity):
    out = scrubber.scrub(text)
    assert value not in out and f"<{entity}>" in out


def test_other_dates_and_numbers_stay(scrubber):
    text = "Order 48213957 shipped on 03.07.2024; part no. 4471-220-18; born in 1970."
    assert scrubber.scrub(text) == text


# --------------------------------------------------------------------------- obfuscation


def test_normalized_text_maps_back_to_the_original():
    text = "ma\u200brta@ex\u00adample.org ＋４４"
    norm = NormalizedText(text)
    assert norm.text == "marta@example.org +44"
    start = norm.text.index("marta")
    assert norm.to_original(start, start + len("marta@example.org")) == (0, text.index(" "))


@pytest.mark.parametrize("text, gone", [
    ("write to ma\u200brta.k@example.org today", "k@example.org"),
    ("call ＋４４ ７７００ ９００ ４５６ now", "７７００"),
    ("mail marta dot kovac at proton dot me please", "kovac"),
    ("card 4539 1488\n0343 6467 exp 09/27", "0343"),
    ('<a href="tel:+442079460123">call us</a>', "2079460123"),
])
def test_obfuscated_values_are_found_and_the_original_span_replaced(scrubber, text, gone):
    out = scrubber.scrub(text)
    assert gone not in out
    assert "\u200b" not in out and "\u00ad" not in out


def test_spelled_out_at_in_prose_is_not_an_email(scrubber):
    text = "look at this dot com bubble chart"
    assert scrubber.scrub(text) == text


# --------------------------------------------------------------------------- config


def test_operator_for_an_unknown_entity_is_a_config_error():
    with pytest.raises(ConfigError) as err:
        PiiConfig(operators={"EMAIL": "mask"}).validate("pii")
    assert "EMAIL_ADDRESS" in str(err.value) and "pii.operators.EMAIL" in str(err.value)
    PiiConfig(operators={"EMAIL_ADDRESS": "mask", "NATIONAL_ID": "redact"}).validate("pii")
