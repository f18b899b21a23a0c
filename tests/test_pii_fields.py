"""Field names, labels and frames that announce PII without a format of its own."""
import pytest

from cleanse.config import PiiConfig
from cleanse.pii import PiiScrubber
from cleanse.pii_tables import TableColumnRecognizer, fold_header, key_kind, HEADER_TYPES


@pytest.fixture(scope="module")
def scrubber():
    return PiiScrubber(PiiConfig())


def found(text):
    return [(c.entity, text[c.start:c.end]) for c in TableColumnRecognizer().candidates(text)]


def test_column_headers_name_the_cells_under_them():
    csv_text = "id,first,last,tfn,fund\nS01,Kylie,Brown,123 456 782,AustralianSuper\nS02,\"Walker, R\",x,876 543 219,REST\n"
    assert found(csv_text) == [("NATIONAL_ID", "123 456 782"), ("NATIONAL_ID", "876 543 219")]
    pipes = "| Name | Date of Birth | Passport |\n|---|---|---|\n| Ann | 03/02/1962 | A07739215 |\n| Bo | n/a | *** |\n"
    assert found(pipes) == [("DATE_OF_BIRTH", "03/02/1962"), ("NATIONAL_ID", "A07739215")]


def test_a_row_of_data_is_no_header_and_unnamed_columns_stay():
    assert found("101,1979-03-14,3:31:55\n102,1985-11-02,3:32:20\n") == []
    assert found("order,sku,price\n5540012,AB-12,9.99\n") == []


def test_record_keys_name_their_values():
    assert found('{"guest_phone":"+51 987 654 321","guest_dob":"1990-08-17"}') == [
        ("PHONE_NUMBER", "+51 987 654 321"), ("DATE_OF_BIRTH", "1990-08-17")]
    assert found("passport_no: AC 4417820") == [("NATIONAL_ID", "AC 4417820")]
    assert found("DOB: 04/12/1961   MRN: 760-2554609") == [("DATE_OF_BIRTH", "04/12/1961")]
    assert found("order_id: 5540012\npin: true\nstatus=ok") == []


def test_header_folding():
    assert fold_header("Date_of_Birth") == "date of birth" and fold_header("Nº documento:") == "n documento"
    assert key_kind("customer.nhs_number", HEADER_TYPES) == "NATIONAL_ID"
    assert key_kind("order_id", HEADER_TYPES) is None


@pytest.mark.parametrize("text, value", [
    ("PASSPORT NO. GB5510392 (expires 2031)", "GB5510392"),
    ("Applicant CURP: GOMA850101HDFRRL09", "GOMA850101HDFRRL09"),
    ("civil id 287041501234 attached", "287041501234"),
    ("Kennitala: 1203884419", "1203884419"),
    ("Our grandmother was born in Tampere, 2 March 1941, during the war.", "2 March 1941"),
    ("NAME SMITH/JOHN MR   DOB 02FEB1980", "02FEB1980"),
    ("the garage keypad code is now 9083*", "9083*"),
    ("Combination for the bike shed padlock: 512", "512"),
    ("Then log in with password 'qW3rty!z' and change it", "qW3rty!z"),
    ("your temporary password Blue7Harbour!x expires tonight", "Blue7Harbour!x"),
    ("driver licence no: PATEL906042RK8ZZ, checked at the desk", "PATEL906042RK8ZZ"),
    ("National ID card presented: 7712340987", "7712340987"),
    ("ok the code is 6612# see you later", "6612#"),
])
def test_labelled_values_go(scrubber, text, value):
    assert value not in scrubber.scrub(text)


@pytest.mark.parametrize("text", [
    "The door sensor reported error code 4041 twice.",
    "Our gate is at postal code 10115 in Berlin.",
    "Reset your password at the portal before Monday.",
    "She moved to Leeds in 1985 and married on 3 May 2020.",
    "Order ID 5540012 shipped on 14/03/2024.",
    "Passport issued 14/03/2024 in Lisbon, valid ten years.",
])
def test_look_alikes_stay(scrubber, text):
    assert scrubber.scrub(text) == text
