"""Build the vendored name lexicons in cleanse/data/pii/ from Faker's person providers (MIT).

    .venv/bin/python -m bench.pii_build_lexicon

Deterministic: the same Faker version gives byte-identical files. Only Latin-script names
(after removing accents for the check) are kept; each file holds one lower-case name a line,
sorted. Faker's version and licence are written into cleanse/data/pii/LEXICON.md.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from pathlib import Path

import faker
import faker.providers.person as person
import faker.providers.address as address
import faker.providers.lorem.en_US as lorem_en

OUT = Path(__file__).resolve().parent.parent / "cleanse" / "data" / "pii"
_LATIN = re.compile(r"[a-z][a-z'’-]*[a-z]$")


def _ascii(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


def _names(values) -> set:
    out = set()
    for value in values:
        for part in re.split(r"[\s]+", str(value)):
            word = part.strip().lower()
            if 2 <= len(word) <= 24 and _LATIN.match(_ascii(word)):
                out.add(word)
    return out


def _values(provider, attr):
    value = getattr(provider, attr, ())
    return value if isinstance(value, (tuple, list, dict, set, frozenset)) else ()


def main() -> None:
    given, surnames = set(), set()
    for module in sorted(m.name for m in pkgutil.iter_modules(person.__path__)):
        provider = importlib.import_module(f"faker.providers.person.{module}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
                     "first_romanized_names", "first_names_male_romanized", "first_names_female_romanized"):
            given |= _names(_values(provider, attr))
        for attr in ("last_names", "last_names_male", "last_names_female", "last_romanized_names",
                     "last_names_romanized"):
            surnames |= _names(_values(provider, attr))
    common = {w.lower() for w in lorem_en.Provider.word_list}
    # Multi-word place names (countries, cities, states, regions of every locale): a PERSON span
    # that is exactly one of them ("Costa Rica", "Buenos Aires") is a place.
    places = set()
    for module in sorted(m.name for m in pkgutil.iter_modules(address.__path__)):
        provider = importlib.import_module(f"faker.providers.address.{module}").Provider
        for attr in ("countries", "cities", "city_names", "real_city_names", "metropolitan_cities", "states",
                     "provinces", "regions", "region_names", "towns", "districts"):
            for value in _values(provider, attr):
                value = str(value).strip().lower()
                if " " in value and len(value) <= 40 and all(_LATIN.match(_ascii(w)) or len(w) == 1
                                                             for w in value.replace("-", " ").split()):
                    places.add(value)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "given_names.txt").write_text("\n".join(sorted(given)) + "\n", encoding="utf-8")
    (OUT / "surnames.txt").write_text("\n".join(sorted(surnames)) + "\n", encoding="utf-8")
    (OUT / "places.txt").write_text("\n".join(sorted(places)) + "\n", encoding="utf-8")
    (OUT / "common_words.txt").write_text("\n".join(sorted(common)) + "\n", encoding="utf-8")
    print(f"given names {len(given)}, surnames {len(surnames)}, common words {len(common)}, multi-word places "
          f"{len(places)} (Faker {faker.VERSION})")


if __name__ == "__main__":
    main()
