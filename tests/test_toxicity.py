"""Harmful-content stage: categories, evasions, benign contexts, decisions, languages, plug-ins."""
import json
import sys
import textwrap

import pytest

from cleanse.config import Config, ConfigError, ToxicityConfig
from cleanse.document import Document
from cleanse.errors import SetupError
from cleanse.toxicity import HarmFilter, ProfanityClassifier, harm_score
from cleanse.toxicity_lexicon import tokenize

FILLER = [
    "The community garden opened in 2009 on a vacant lot that the city had fenced off for years.",
    "Volunteers cleared the rubble, built twenty raised beds and installed a rainwater tank.",
    "Plots are assigned by lottery each spring, and the waiting list grows every year.",
    "Tomatoes, beans and squash are the most popular crops in the summer months.",
    "A shared compost system turns kitchen scraps from nearby apartments into soil.",
    "Once a month the garden holds a workshop on pruning, seed saving or pest control.",
    "The rainwater tank supplies most of the irrigation during the dry season.",
    "Children from the local school visit on Fridays to plant and water seedlings.",
    "The committee publishes its accounts every year at the annual general meeting.",
    "New members are welcome and can borrow tools from the shed by the gate.",
    "A small grant from the council paid for the new fence and the benches.",
    "In autumn the gardeners hold a harvest fair with soup made from their vegetables.",
]


class FakeModel:
    """A plug-in model as a user would write one: flags anything mentioning 'zorblax'."""

    categories = ("hate",)

    def score_batch(self, texts):
        return [{"hate": 0.99 if "zorblax" in t.lower() else 0.0} for t in texts]


def make_fake_model():
    return FakeModel()


@pytest.fixture(scope="module")
def harm():
    return HarmFilter()


def categories(harm, text):
    return harm.score(text).harmful(harm.thresholds)


@pytest.mark.parametrize("text, category", [
    ("You are a fucking idiot and everyone knows it.", "profanity"),
    ("Shut up, you worthless piece of garbage.", "profanity"),
    ("Muslims are vermin and should be exterminated.", "hate"),
    ("Go back to your own country.", "hate"),
    ("I'm going to find you and kill you.", "threat"),
    ("I know where you live.", "threat"),
    ("Kill yourself, nobody would miss you.", "self_harm"),
    ("Hot singles in your area want sex tonight, click here!", "sexual"),
    ("It would be a shame if something happened to your kids.", "threat"),
    ("Get lost, loser!", "profanity"),
    ("Next time you open your mouth I'll knock your teeth out.", "threat"),
    ("Sexy singles are waiting to chat with you right now", "sexual"),
    ("Hang all the politicians.", "incitement"),
    ("Say one more word and you're getting stabbed.", "threat"),
    ("The Holocaust is a hoax invented by the Jews.", "hate"),
    ("Gay people should be thrown off buildings.", "incitement"),
    ("Keep talking and I'll cut your tongue out.", "threat"),
    ("Watch free porn videos with horny milfs.", "sexual"),
])
def test_each_category_is_recognised(harm, text, category):
    assert category in categories(harm, text)


@pytest.mark.parametrize("text", [
    "what a f*cking idiot", "shut up b1tch", "s h i t for brains", "fuuuuuck off",
    "you a$$hole", "that n****r", "I will k1ll you", "ill st4b you", "what a c u n t",
])
def test_obfuscations_are_seen_through(harm, text):
    assert categories(harm, text)


@pytest.mark.parametrize("text", [
    "Scunthorpe United beat Grimsby Town on Saturday.",
    "We drove through Middlesex and Essex to the coast.",
    "Order a cocktail at the hotel bar.",
    "The assassin bug preys on garden pests.",
    "Penistone is a market town in South Yorkshire.",
    "Add the shitake mushrooms to the pan.",
    "Moby Dick is a novel by Herman Melville.",
    "Dick Van Dyke starred in Mary Poppins.",
    "You can tell Git to ignore that file.",
    "She graduated magna cum laude in 2004.",
])
def test_words_inside_other_words_and_names_are_not_matched(harm, text):
    assert categories(harm, text) == []


@pytest.mark.parametrize("text", [
    "The patient presented with a painful lesion on the penis and was referred to urology.",
    "Condoms greatly reduce the risk of HIV and other sexually transmitted infections.",
    'Police said the suspect shouted "I will kill you" before stabbing the victim.',
    "Nazi propaganda portrayed Jews as vermin to prepare the public for genocide.",
    'The word "nigger" is one of the most offensive slurs in English.',
    "Use kill -9 to terminate the process if it ignores SIGTERM.",
    "The master node distributes work to the slave nodes.",
    "The bitch gave birth to a litter of eight puppies.",
    "I'll shoot you an email with the details tomorrow.",
    "I would never hurt you.",
    "Shut up some compiler warnings on 32-bit builds.",
    "Use s.cum_sum() and s.cum_count() for running totals.",
    "PyGObject can now be compiled with a C++ compiler (Murray Cumming).",
    "The classifier detects adult content such as nudity, sexual activity and pornography.",
    ' 756439 Regression: Critical warning "g_app_launch_context_get_display: ass...',
    "4. src/slutty.c: Added additional baud rate values.",
    "Add a teaspoon of cumin to the curry.",
    "Sean Spicer held a press briefing.",
    "There is a chink in his armour.",
    "I rebuilt the tranny on my truck last weekend.",
    "Faggots and peas with onion gravy is a classic pub dish.",
    "This cake is pure food porn.",
    "Blue-footed boobies nest on the islands.",
    "It frees memory as soon as you garbage collect the objects.",
    "Deallocating space creates a hole at the end of the file.",
    "The file could\nget lost.",
    "The argument can be omitted if you are lazy.",
    "Drop dead code from the schema compiler.",
    'Spammers often use phrases like "hot singles in your area" to lure victims.',
    "Run the job as etc-files:nobody",
    'The kids played cops and robbers, shouting "you\'re dead!" as they ran.',
    'The prosecutor read the texts aloud, including "I\'ll end you".',
    "Pygments highlights a wide range of languages, even Brainfuck!",
])
def test_benign_contexts_are_protected(harm, text):
    assert categories(harm, text) == []


@pytest.mark.parametrize("text, category", [
    ("you are a st\u200bupid b\u200bitch", "profanity"),          # zero-width characters
    ("\u0443ou are a fucking \u0456diot", "profanity"),              # Cyrillic look-alikes
    ("\uff46\uff55\uff43\uff4b off", "profanity"),                  # full-width letters
    ("I'm sick of Chr1stians ruining every neighbourhood. Send them all back.", "hate"),
    ("Polish workers are leeches stealing our jobs.", "hate"),
    ("Females are too emotional to be trusted with anything important.", "hate"),
    ("Send them all back where they came from.", "hate"),
    ("The only good immigrant is a deported one.", "hate"),
    ("Nice house you've got there. Would be a pity if it caught fire.", "threat"),
    ("Watch yourself. We know what car you drive.", "threat"),
    ("Her address is in the pinned post. You all know what to do.", "threat"),
    ("Your family is going to pay for what you did.", "threat"),
    ("this mod is a power-tripping loser with no life", "profanity"),
    ("You're an ugl1, brainless waste of oxygen.", "profanity"),
    ("gg ez, uninstall the game you braindead bot", "profanity"),
    ("Want to see me naked? Link in my bio", "sexual"),
    ("Every Mexican I've met is a lazy thief.", "hate"),
    ("I've got a bullet with your name on it.", "threat"),
    ("report this feeder, he's a braindead animal", "profanity"),
    ("y o u   w i l l   d i e", "threat"),                        # letters spelled out, words far apart
    ("s t f u   y o u   l o s e r", "profanity"),
    ("Bring that attitude to my town and you'll leave in an ambulance.", "threat"),
])
def test_slur_free_and_disguised_abuse_is_recognised(harm, text, category):
    assert category in categories(harm, text)


@pytest.mark.parametrize("text", [
    "The tweet read 'I will kill you' but the account was a parody, the platform concluded.",
    "To report hate speech, quote it (e.g. 'all immigrants are parasites') and add a screenshot.",
    "Spammers often post messages like 'hot singles in your area' with shortened links.",
    "The witness told the court that the defendant shouted 'fuck off' before leaving the bar.",
    "The Wank mountain near Garmisch offers an easy hike.",
    "Dildo, Newfoundland, is a small fishing town.",
    "Fucking, a village in Austria, renamed itself Fugging in 2021.",
    "Watch your back when lifting heavy boxes; bend your knees instead.",
    "That's a shame if something happened to your order, contact support.",
    "Politicians who say immigrants are ruining this country are scapegoating vulnerable people.",
    "Do not post someone's home address; doxxing results in a permanent ban.",
    "Send them all back to the manufacturer if the firmware bricks them.",
    "Send them all back? No, we kept the jackets and returned only the shoes.",
    "The councillor said immigrants are not ruining the country and called the claim nonsense.",
    "The Cock Inn at Clitheroe serves a decent Sunday roast.",
    "The idea that Jews are the enemy of every nation is an antisemitic conspiracy theory.",
    "The witch cackled: 'I'll get you, my pretty, and your little dog too!'",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430?",
])
def test_quotations_places_and_everyday_phrases_are_kept(harm, text):
    assert categories(harm, text) == []


# Families of wording rather than single phrasings: each case is worded unlike the lexicon's
# examples, so it only passes if the construction (an ultimatum, a group-only label, an
# insult ending any sentence, a solicitation structure) is recognised in general.
@pytest.mark.parametrize("text, category", [
    ('Pay up by Monday or we burn your house down.', 'threat'),
    ("They'll be torching that church with everyone inside.", 'threat'),
    ("If he talks to the cops he won't make it home.", 'threat'),
    ('Someone ought to put that senator six feet under.', 'threat'),
    ('Guys like you end up dealt with sooner or later.', 'threat'),
    ("Keep it up and you'll wake up in intensive care.", 'threat'),
    ("I'll punch you so hard your teeth rattle.", 'threat'),
    ('Somalis are all pickpockets and shoplifters.', 'hate'),
    ('Pakistanis bring nothing but knife crime.', 'hate'),
    ('Every neighbourhood they settle in turns into a slum, these people.', 'hate'),
    ('Muslims have lower intelligence, look it up.', 'hate'),
    ('The Rothschilds fund every revolution.', 'hate'),
    ('Nice try, clown. Come back when you can read.', 'profanity'),
    ('Imagine being so clueless you argue with the manual.', 'profanity'),
    ('Our landlord is a smug, lying weasel.', 'profanity'),
    ('nobody cares about your opinion gfy', 'profanity'),
    ("Wanna see what's under my skirt? Snap me.", 'sexual'),
    ('He slid his tongue inside her and she gasped.', 'sexual'),
    ('Sugar baby wanted, monthly allowance for the right girl.', 'sexual'),
    ('Looking for discreet NSA fun tonight.', 'sexual'),
])
def test_general_constructions_are_recognised(harm, text, category):
    assert category in categories(harm, text)


# Benign sentences shaped like those constructions: sport, ultimatums about services, medical
# advice, statistics about groups, animals, fiction, idioms and second-hand sales.
@pytest.mark.parametrize("text", [
    "Pay the invoice by Friday or we'll cut your service off.",
    "Hurry up or I'll shoot you a message later.",
    'You will need a good surgeon for a hip replacement of that kind.',
    'Mosquitoes spread disease in tropical regions.',
    'Never hire a contractor without checking references.',
    'Islam is the second largest religion in the world.',
    'Black neighbourhoods were starved of investment for decades.',
    "We're gonna kill them in the final, their keeper is hopeless.",
    'You better start praying the forecast is wrong, the picnic is tomorrow.',
    'The stoat, the ferret and the weasel are all mustelids.',
    'The villain is a spineless, lying coward, which makes the ending satisfying.',
    'Alcohol damages your brain cells over time.',
    'The puppy took the ball in her mouth and ran off.',
    'The kids eat me out of house and home every summer.',
    "See what's under the hood of the new electric Mustang.",
    'The crowd screamed his name as he crossed the finish line.',
    'Selling used baby clothes and toys, DM for prices.',
    'Sports massage and deep tissue massage available, nude-coloured towels provided.',
    "Is 'bastard' still bleeped on the radio?",
    'The soundtrack kicks ass, buy it.',
    'Bearded tits nest in the reed beds every spring.',
    'Imagine being this bad at parking, I did it twice today myself.',
])
def test_look_alikes_of_the_general_constructions_are_kept(harm, text):
    assert categories(harm, text) == []


def test_unicode_folding_keeps_line_numbers(harm):
    text = "Fine line.\nyou are a st\u200bupid b\u200bitch\nAnother fine line."
    assert harm.score(text).flagged_lines == [1]


def test_stacked_classifier_equals_the_wheel_predict_proba():
    import numpy as np
    import profanity_check

    texts = ["you are a fucking idiot", "hello there", "the penis is an organ", "I hope you die"]
    ours = ProfanityClassifier().predict(texts)
    assert np.allclose(ours, profanity_check.predict_prob(texts), atol=1e-9)


def test_abuse_buried_in_a_long_document_is_located(harm):
    lines = FILLER[:6] + ["You are a pathetic loser and everyone laughs at you."] + FILLER[6:]
    scores = harm.score("\n".join(lines))
    assert scores.flagged_lines == [6]
    assert scores.scores["profanity"] >= harm.thresholds["profanity"]


def test_abuse_inside_a_long_paragraph_is_seen(harm):
    paragraph = " ".join(FILLER[:6] + ["Honestly the author is a complete fucking moron."] + FILLER[6:])
    assert "profanity" in categories(harm, paragraph)


def test_drop_reports_category_and_matches_but_no_text(harm):
    doc = Document("d1", "I will kill you, Jonathan Smithers of 12 Elm Street.")
    outcome = harm.process_batch([doc])[0]
    assert outcome.dropped == "harmful_threat"
    assert outcome.details["category"] == "threat"
    assert outcome.counts["harmful.threat"] == 1 and outcome.counts["action.drop"] == 1
    serialised = json.dumps(outcome.details)
    assert "Smithers" not in serialised and "Elm" not in serialised


def test_benign_documents_are_kept_unchanged(harm):
    docs = [Document(str(i), text) for i, text in enumerate(FILLER + ["", "   \n "])]
    outcomes = harm.process_batch(docs)
    assert all(o.kept and o.document.text == d.text for o, d in zip(outcomes, docs))


@pytest.fixture(scope="module")
def line_remover():
    return HarmFilter(ToxicityConfig(action="remove_lines", max_harmful_line_fraction=0.2))


def test_remove_lines_cuts_the_harmful_line_from_a_long_document(line_remover):
    lines = FILLER[:5] + ["Go fuck yourself, you ignorant asshole."] + FILLER[5:]
    outcome = line_remover.process_batch([Document("d", "\n".join(lines))])[0]
    assert outcome.kept
    assert outcome.document.text == "\n".join(FILLER)
    assert outcome.counts["lines_removed"] == 1 and outcome.counts["action.remove_lines"] == 1


def test_remove_lines_drops_short_or_mostly_harmful_documents(line_remover):
    short = Document("s", "Nice weather today.\nGo fuck yourself, you ignorant asshole.")
    mostly = Document("m", "\n".join(FILLER[:4] + ["I will kill you."] * 3))
    outcomes = line_remover.process_batch([short, mostly])
    assert [o.dropped for o in outcomes] == ["harmful_profanity", "harmful_threat"]


def test_annotate_keeps_the_document_and_records_scores():
    annotator = HarmFilter(ToxicityConfig(action="annotate", annotation_field="tox"))
    doc = Document("a", "You are a fucking idiot.", record={"text": "You are a fucking idiot.", "url": "x"})
    outcome = annotator.process_batch([doc])[0]
    assert outcome.kept and outcome.document.text == doc.text
    payload = outcome.document.record["tox"]
    assert payload["harmful"] == ["profanity"] and payload["scores"]["profanity"] >= 0.5
    assert outcome.document.record["url"] == "x" and "tox" not in doc.record
    json.dumps(payload)


@pytest.mark.parametrize("text, code", [
    ("Dacă variabila este stabilită, acesta va avea același efect ca și cum ar fi fost "
     "specificat ca argument la opțiunea din pagina de manual.", "ro"),
    ("Jos olet valmis, voit aloittaa heti ja ne ovat myös täällä, mutta hän ei ole kotona kun se oli.",
     "fi"),
])
def test_uncovered_languages_are_passed_and_counted(text, code):
    harm = HarmFilter(ToxicityConfig(wordlists=False, model=False))
    outcome = harm.process_batch([Document("x", text)])[0]
    assert outcome.kept
    assert outcome.counts == {f"skipped_language.{code}": 1}


@pytest.mark.parametrize("text, code", [
    ("Der Hund ist nicht hier und wir sind auch nicht da, aber sie kommen mit dem Auto zu uns.", "de"),
    ("Le chat est sur la table et nous sommes dans la cuisine pour le dîner avec les enfants.", "fr"),
    ("Это очень хороший день, и мы идём гулять в парк с нашими друзьями.", "ru"),
])
def test_languages_with_a_word_list_are_judged(harm, text, code):
    scores = harm.score(text)
    assert scores.language == code and scores.judged and not scores.harmful(harm.thresholds)


def test_short_english_insults_are_not_mistaken_for_another_language(harm):
    assert harm.score("fuck you").language == "en"
    assert harm.score("fuck you").judged


def test_a_lexicon_for_another_language_can_be_added(tmp_path, harm):
    lexicon = tmp_path / "de.yaml"
    lexicon.write_text(textwrap.dedent("""\
        language: de
        stopwords: [der, die, das, und, ist, nicht, ich, sie, wir, ein, eine, mit, auf]
        terms:
          - category: profanity
            weight: 0.9
            terms: [arschloch]
        """), encoding="utf-8")
    config = ToxicityConfig(languages=["en", "de"], lexicons={"de": str(lexicon)})
    german = HarmFilter(config)
    rude = "Du bist ein Arschloch und ich will nicht mit dir auf der Straße sprechen, sie ist das."
    assert german.score(rude).language == "de"
    assert german.score(rude).harmful(german.thresholds) == ["profanity"]
    assert "profanity" in german.score("You are a fucking idiot.").harmful(german.thresholds)


def test_a_broken_lexicon_is_a_setup_error(tmp_path):
    lexicon = tmp_path / "en.yaml"
    lexicon.write_text("language: en\nterms:\n  - category: rudeness\n    terms: [x]\n", encoding="utf-8")
    with pytest.raises(SetupError, match="category"):
        HarmFilter(ToxicityConfig(lexicons={"en": str(lexicon)}))


def test_local_model_plugin_adds_its_categories():
    sys.modules.setdefault("test_toxicity", sys.modules[__name__])
    filt = HarmFilter(ToxicityConfig(local_model=f"{__name__}:make_fake_model"))
    assert filt.coverage()["local_model"] == ["hate"]
    scores = filt.score("The zorblax people are everywhere these days.")
    assert scores.harmful(filt.thresholds) == ["hate"]
    assert "local_model" in scores.signals["hate"]


@pytest.mark.parametrize("spec, message", [
    ("/nonexistent/checkpoint", "does not exist"),
    ("no_such_module_xyz:factory", "cannot import"),
])
def test_missing_local_model_is_a_setup_error(spec, message):
    with pytest.raises(SetupError, match=message):
        HarmFilter(ToxicityConfig(local_model=spec))


def test_a_checkpoint_directory_without_config_is_refused(tmp_path):
    with pytest.raises(SetupError, match="config.json"):
        HarmFilter(ToxicityConfig(local_model=str(tmp_path)))


def test_config_validation_names_the_key():
    with pytest.raises(ConfigError, match="toxicity.thresholds.rudeness"):
        Config.from_dict({"toxicity": {"thresholds": {"rudeness": 0.5}}})
    with pytest.raises(ConfigError, match="toxicity.action"):
        Config.from_dict({"toxicity": {"action": "delete"}})
    config = Config.from_dict({"toxicity": {"thresholds": {"threat": 0.8}, "action": "remove_lines"}})
    assert HarmFilter(config.toxicity).thresholds["threat"] == 0.8


def test_harm_score_convenience():
    scores = harm_score("I will kill you.")
    assert set(scores) == {"profanity", "hate", "threat", "sexual", "self_harm", "incitement"}
    assert scores["threat"] >= 0.5 and scores["sexual"] < 0.1


# Chat spellings (u, ur, gonna, im, ppl, a dropped subject) reach the same rules as the words
# they stand for.
@pytest.mark.parametrize("text, category", [
    ("gonna smash ur face in if u show up again", "threat"),
    ("gunna cave ur skull in, watch", "threat"),
    ("imma knock ur teeth out when i see u", "threat"),
])
def test_chat_spellings_reach_the_rules(harm, text, category):
    assert category in categories(harm, text)


@pytest.mark.parametrize("text", [
    "see ya at the game, dont forget ur scarf",
    "my 2 yr old smashed ur vase, so sorry!!",
    "Take 5 u of insulin before meals.",
    "Gonna beat you at chess later lol",
    "Going to smash the presentation tomorrow.",
    "People like you should be proud.",
])
def test_chat_look_alikes_are_kept(harm, text):
    assert categories(harm, text) == []


def test_chat_spellings_keep_line_flagging(line_remover):
    lines = FILLER[:6] + ["gonna smash ur face in if u show up again"] + FILLER[6:]
    outcome = line_remover.process_batch([Document("d", "\n".join(lines))])[0]
    assert outcome.kept and outcome.document.text == "\n".join(FILLER)


# A school, a study or a century elsewhere in the text is no licence: clinical vocabulary marks
# a medical document, school words protect only their own line, and a past-tense frame does
# not distance a conspiracy claim about a group.
@pytest.mark.parametrize("text, category", [
    ("Every famine in the last century was engineered by Jewish bankers.", "hate"),
    ("For two centuries Jews have run the banks and the media.", "hate"),
    ("Research shows blacks are genetically inferior, everyone knows it.", "hate"),
    ("Homos should burn.", "hate"),
    ("My health app says I walked 10k steps.\nTake off your panties and sit on my face.", "sexual"),
])
def test_frames_that_do_not_protect(harm, text, category):
    assert category in categories(harm, text)


# Offenders are not a protected group, an object after "better hide" makes it a chore, a
# family business is not a takeover, a record on file is administration, an ad policy names
# what it rejects, and a mild expletive praising coffee is emphasis.
@pytest.mark.parametrize("text", [
    "Those thieves should be locked up for good.",
    "You'd better hide the cookies before the kids find them.",
    "Korean families run the laundromat on Fifth Street.",
    "We have your daughter's school address on file for the trip.",
    "Our ad policy rejects listings that mention escorts or adult dating.",
    "Hell yeah, the update is damn good.",
    "Damn good burger, and the fries are ridiculous. Go.",
    "Homo sapiens evolved in Africa.",
    "Sex education lesson plan: students learn the names of the penis and vagina.",
])
def test_everyday_and_administrative_look_alikes_are_kept(harm, text):
    assert categories(harm, text) == []


@pytest.mark.parametrize("text, category", [
    ("Muslims secretly run the government.", "hate"),
    ("You'd better hide, I'm coming.", "threat"),
    ("We have your daughter's school address. Think about that.", "threat"),
    ("Hot singles want hookups, adult dating here, register now", "sexual"),
])
def test_the_harmful_counterparts_stay_harmful(harm, text, category):
    assert category in categories(harm, text)


# The code context needs technical evidence (paths, calls, flags, prompts, file names, stack
# traces, "child process", "kill the job"): everyday words like job, task, error, thread or
# service no longer halve the classifier for the whole document.
@pytest.mark.parametrize("text", [
    "Honestly everyone on this task force is an idiot who can't spell.",
    "Half the people at my job are idiots who cannot read an email.",
    "Whoever runs this service is a brain-dead idiot.\nThe error page says try later.",
])
def test_everyday_technical_words_do_not_protect_insults(harm, text):
    assert "profanity" in categories(harm, text)


@pytest.mark.parametrize("text", [
    "kill -9 the stupid zombie child, it hung again",
    "git push --force, then kill the stupid pipeline",
    "sudo systemctl stop nginx.service # die, stupid daemon, die",
    "The stupid child process ignores SIGTERM, so send SIGKILL.",
    # evidence in two other lines protects the whole snippet
    "$ ps aux | grep worker\n$ kill -9 4312\ndie, stupid zombie, die",
])
def test_code_evidence_still_protects(harm, text):
    assert categories(harm, text) == []


def test_code_evidence_is_line_scoped_in_prose(harm):
    lexicon = harm.lexicons["en"]
    assert lexicon.line_has_context("code", "Run os.kill(pid, signal.SIGTERM) first.")
    assert lexicon.line_has_context("code", "The build failed again on the master branch.")
    for line in ("My parents had a job to do.", "I'll kill your children.", "Error, wrong thread, sorry.",
                 "Read more at https://example.com/news/today and/or the forum."):
        assert not lexicon.line_has_context("code", line)


# Stereotypes without slurs need a group, a generalising frame and a derogatory predicate in
# one clause; refutations, surveys and complaints about the stereotype are kept.
@pytest.mark.parametrize("text, category", [
    ("Roma on my street are all thieves, keep your bikes locked.", "hate"),
    ("Immigrants are basically freeloaders, every one of them.", "hate"),
    ("Asians all look the same to me.", "hate"),
    ("Gypsies always steal whatever isn't nailed down.", "hate"),
    ("Honestly women cannot be trusted with money.", "hate"),
    ("trans people shouldn't be allowed near kids", "hate"),
    ("Immigrants don't deserve any rights here.", "hate"),
    ("We'll be waiting outside the school gates for your daughter. Think about it.", "threat"),
    ("That landlord deserves a brick through his window.", "threat"),
    ("Keep posting and someone will torch your car.", "threat"),
])
def test_stereotypes_and_veiled_threats_without_tell_tale_words(harm, text, category):
    assert category in categories(harm, text)


@pytest.mark.parametrize("text", [
    "Studies show women are underrepresented in engineering.",
    "Jews all over the world celebrate Hanukkah this week.",
    "Muslims can't eat pork during Ramadan or any other month.",
    "Women can't be ordained as priests in the Catholic Church.",
    "I'll be waiting at the school gates at 3, can you bring her coat?",
    "Someone threw a brick through our window last night, police said.",
    "Don't torch your car's clutch doing hill starts.",
    "Your home address is not visible to other users.",
])
def test_stereotype_and_threat_look_alikes_are_kept(harm, text):
    assert categories(harm, text) == []


# One distance guard for every hate pattern, within the match's own sentence: a negation right
# after the verb, a refutation or reporting frame before the claim, a label after it. Denying
# humanity or a welcome is still hate, and a frame does not cover a second clause or sentence.
@pytest.mark.parametrize("text", [
    "No, refugees are not all criminals, and saying so on a radio phone-in is reckless.",
    "Asylum seekers are never the parasites that leaflet describes.",
    "In the 2021 poll, 27 percent of respondents said Muslims are terrorists.",
    "Roughly a third of those surveyed agreed that immigrants are criminals.",
    "If the bastard child process ignores SIGTERM, send it SIGKILL.",
])
def test_denied_refuted_and_reported_claims_are_kept(harm, text):
    assert categories(harm, text) == []


@pytest.mark.parametrize("text, category", [
    ("Muslims are not human, they are animals.", "hate"),
    ("Migrants are not welcome here, they are all thieves.", "hate"),
    ("It is a lie that Somalis are peaceful, they are all criminals.", "hate"),
    ("I'm not racist, but Pakistanis are all liars.", "hate"),
    ("Trans women are not women, they are perverts.", "hate"),
    ("Many of us think Jews are vermin.", "hate"),
    ("Refugees are parasites. It's a myth that they are harmless.", "hate"),
    ("This fucking child process ignores SIGTERM again.", "profanity"),
])
def test_negations_and_frames_that_keep_a_claim_harmful(harm, text, category):
    assert category in categories(harm, text)


def test_distance_is_judged_per_sentence(harm):
    lexicon = harm.lexicons["en"]
    refuted = "It is a lie that Roma are criminals."
    for text in (refuted, "Roma are criminals. " + refuted, refuted + " Roma are criminals."):
        lower, tokens = tokenize(text)
        hits = lexicon.match_line(text, lexicon.scan_document(lower, set(tokens)))
        weights = [hit.weight for hit in hits if hit.name == "hate.dehumanising"]
        assert weights == ([0.0] if text == refuted else [0.9])


# Sentences that only rules written for them caught. Those rules were deleted: none of them
# caught any of the 1,049 harmful texts the training authors wrote, so they encoded these
# sentences, not the constructions. Kept here as known misses (the model does not reach its
# calibrated cut on them), so the list is visible and a later signal that catches them shows.
@pytest.mark.xfail(reason="known miss since the one-example rules were deleted", strict=False)
@pytest.mark.parametrize("text", [
    'Those savages should be wiped out.',
    'We need to cleanse this country of Muslims.',
    "We know your son's school, by the way.",
    'Your wife jogs home alone every evening, right?',
    'Never rent to a Nigerian, trust me.',
    'Hinduism is a cancer on India.',
    "Immigrants shouldn't even be allowed to have kids here.",
    'Stop importing these savages into our cities.',
    'Selling used thongs, pics included, message me.',
    'Asian massage, nuru and body to body, open late.',
    'Paying good money for topless snaps.',
    'ppl like u need to get curb stomped',
    'These Mexican thieves should all be deported.',
    "your address isn't as private as you think, enjoy your evening",
    # Caught before the model was retrained on seven authors' texts; missed since.
    'Bless you and your one brain cell.',
])
def test_known_misses_after_one_example_rules_were_deleted(harm, text):
    assert categories(harm, text)


# Look-alikes the lexicon keeps but the trained model flags (spam-like wording, a sexual word
# inside another, counter-speech quoting a stereotype): known false positives of the model.
MODEL_FALSE_POSITIVES = [
    'LED strip lights in warm white, free shipping, click here.',
    'Nude lipstick shades are back in stock, order now for free delivery.',
    'She pricked her finger on the needle.',
    'Lorem ipsum dolor sit amet, cum sociis natoque penatibus et magnis dis parturient montes.',
    "People who say gays shouldn't be allowed near kids are bigots.",
    # Counter-speech and plain statements about groups, and idioms, flagged since the model was
    # retrained on seven authors' texts (more implicit hate and threats to learn from).
    "If he testifies, he won't see his family for years, because of witness protection.",
    'Does your daughter walk to school alone? Here are some road safety tips.',
    'Immigrants bring new skills and energy to every town they settle in.',
    "Women shouldn't have to choose between a career and a family.",
    'Let these animals into the country only after quarantine.',
    "I'll put this tree in the ground tomorrow.",
    "Not all immigrants are criminals, obviously.",
    "It's a myth that Muslims are inherently violent.",
    "The idea that women can't think logically is sexist nonsense.",
    "Disabled people shouldn't be forced to prove their disability every year.",
    "Gay men are not predators, whatever the tabloid headline implied.",
    "Jews are no more greedy than anyone else.",
    "It is a lie that Roma shouldn't be allowed near children.",
]


@pytest.mark.xfail(reason="known false positive of the trained model", strict=False)
@pytest.mark.parametrize("text", MODEL_FALSE_POSITIVES)
def test_known_model_false_positives(harm, text):
    assert categories(harm, text) == []


@pytest.mark.parametrize("text", MODEL_FALSE_POSITIVES)
def test_the_lexicon_alone_keeps_the_model_false_positives(text):
    bare = HarmFilter(ToxicityConfig(model=False))
    assert bare.score(text).harmful(bare.thresholds) == []
