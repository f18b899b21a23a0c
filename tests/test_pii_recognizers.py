"""One test per recognizer class of the registry, called directly (no scrubber, no spaCy)."""
import pytest

from cleanse import pii_recognizers as rec
from cleanse.pii import own_recognizer_classes
from cleanse.pii_national import DateOfBirthRecognizer, NationalIdRecognizer
from cleanse.pii_registry import TracedRecognizer


def spans(recognizer, text):
    if isinstance(recognizer, TracedRecognizer):
        return [text[c.start:c.end] for c in recognizer.candidates(text) if c.accepted]
    return [text[a:b] for a, b in recognizer.find(text)]


# recognizer class, text, values it must find, values it must leave
CASES = [
    (rec.EmailAddressRecognizer, "mail ana.ruiz@example.org or redis://:pw@cache:6379",
     ["ana.ruiz@example.org"], ["pw@cache"]),
    (rec.PhoneNumberRecognizer, "call +44 20 7946 0958; order no. 48213957; v1.2.3; 2019-2021",
     ["+44 20 7946 0958"], ["48213957", "2019-2021"]),
    (rec.CardNumberRecognizer, "card 4111 1111 1111 1111, id 1234 5678 9012 3456",
     ["4111 1111 1111 1111"], ["1234 5678 9012 3456"]),
    (rec.IbanChecksumRecognizer, "IBAN GB82 WEST 1234 5698 7654 32 vs GB82 WEST 1234 5698 7654 33",
     ["GB82 WEST 1234 5698 7654 32"], ["GB82 WEST 1234 5698 7654 33"]),
    (rec.IpAddressRecognizer, "from 203.0.113.74, localhost 127.0.0.1, version 10.0.0.1 v",
     ["203.0.113.74"], ["127.0.0.1"]),
    (rec.SsnRecognizer, "SSN 078-05-1120, not 000-12-3456", ["078-05-1120"], ["000-12-3456"]),
    (rec.CryptoWalletRecognizer, "btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2, bad 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
     ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"], ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"]),
    (rec.StreetAddressRecognizer, "at 1600 Pennsylvania Avenue NW; Via Garibaldi 27; 10 Key Points",
     ["1600 Pennsylvania Avenue NW", "Via Garibaldi 27"], ["10 Key Points"]),
    (rec.SecretRecognizer, "key AKIAIOSFODNN7EXAMPLE; password = ${DB_PASS}; the alarm PIN is 9032",
     ["AKIAIOSFODNN7EXAMPLE", "9032"], ["${DB_PASS}"]),
    (rec.WebUrlRecognizer, "see https://example.org/a.", ["https://example.org/a"], []),
    (NationalIdRecognizer, "NI JG 10 37 59 A; ref RSSMRA85T10A562T", ["JG 10 37 59 A"], ["RSSMRA85T10A562T"]),
    (DateOfBirthRecognizer, "DOB: 04.07.1983, visit 04.07.2024", ["04.07.1983"], ["04.07.2024"]),
]


@pytest.mark.parametrize("cls, text, found, left", CASES, ids=[c[0].__name__ for c in CASES])
def test_recognizer_alone(cls, text, found, left):
    values = spans(cls(), text)
    for value in found:
        assert value in values
    for value in left:
        assert value not in values


def test_every_registered_recognizer_has_a_unit_test():
    tested = {c[0] for c in CASES}
    assert set(own_recognizer_classes()) <= tested


def test_contextual_names_alone():
    text = "Dear Ms. Okonkwo,\nthanks.\n\nKind regards,\nTheodora Vance"
    values = spans(rec.ContextualNameRecognizer(), text)
    assert "Okonkwo" in values and "Theodora Vance" in values


def test_patterns_have_names_for_explain():
    assert rec.SecretRecognizer().pattern_name(0) == "secret.private_key"
    assert rec.EmailAddressRecognizer().pattern_name(2) == "email.spelled_out"
    assert len(rec.ContextualNameRecognizer.PATTERN_NAMES) == len(rec.ContextualNameRecognizer.PATTERNS)
    assert any(p.name == "UK_NINO.checksum" for p in NationalIdRecognizer().named_patterns)
