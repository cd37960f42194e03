"""The word tables the verifier reads words by: irregular inflections, spelling variants,
multi-word phrases that say one word, and groups of words a paraphrase may exchange.

The tables are data, kept apart from the code that uses them (service/wording.py). A synonym
group holds words a news writer swaps without changing what is claimed ("cut" / "reduce",
"war" / "conflict"); never two words of opposite sense or of a different degree of certainty
("show" / "suggest"), since a group that is too loose lets antonyms and hedges through.
"""

from __future__ import annotations

import re


def _pairs(text: str) -> dict[str, str]:
    """ "form:base form:base ..." as a dict."""
    return dict(pair.split(":") for pair in text.split())


# Inflections that do not end in -ed/-s/-ing: verbs' past tenses and participles, a few
# irregular plurals (form -> base).
IRREGULAR = _pairs(
    "sent:send met:meet said:say told:tell led:lead held:hold made:make took:take taken:take "
    "rose:rise risen:rise fell:fall fallen:fall won:win struck:strike paid:pay began:begin "
    "begun:begin grew:grow grown:grow spoke:speak spoken:speak gave:give given:give went:go "
    "gone:go saw:see seen:see found:find kept:keep brought:bring built:build stood:stand "
    "sold:sell bought:buy lost:lose left:leave meant:mean spent:spend wrote:write "
    "written:write chose:choose chosen:choose drove:drive flew:fly flown:fly knew:know "
    "known:know thought:think sought:seek fought:fight caught:catch hit:hit cut:cut set:set "
    "put:put shut:shut quit:quit bore:bear borne:bear swore:swear vowed:vow ran:run "
    "became:become came:come overtook:overtake undertook:undertake withdrew:withdraw "
    "withdrawn:withdraw froze:freeze frozen:freeze hid:hide slid:slide sank:sink sunk:sink "
    "shook:shake shaken:shake died:die dies:die dying:die deaths:death dead:death felt:feel "
    "heard:hear lent:lend fled:flee shot:shoot drew:draw drawn:draw threw:throw thrown:throw "
    "broke:break broken:break understood:understand forgave:forgive forgiven:forgive "
    "dealt:deal sped:speed rode:ride hung:hang "
    # beyond the first list: more of the common irregular verbs
    "shown:show rebuilt:rebuild laid:lay got:get gotten:get fed:feed upheld:uphold "
    "withheld:withhold oversaw:oversee overseen:oversee arose:arise arisen:arise beaten:beat "
    "stole:steal stolen:steal driven:drive hidden:hide forgot:forget forgotten:forget "
    "forbade:forbid forbidden:forbid foresaw:foresee foreseen:foresee shrank:shrink "
    "shrunk:shrink stuck:stick swept:sweep slept:sleep taught:teach wore:wear worn:wear "
    "tore:tear torn:tear woke:wake woken:wake spun:spin dug:dig sat:sit sang:sing sung:sing "
    "rang:ring drank:drink ate:eat eaten:eat bled:bleed bent:bend swam:swim "
    "overcame:overcome overran:overrun outgrew:outgrow rewrote:rewrite rewritten:rewrite "
    "mistook:mistake mistaken:mistake sworn:swear ridden:ride bitten:bite misled:mislead "
    "resold:resell retook:retake retaken:retake undertaken:undertake overtaken:overtake "
    "strove:strive striven:strive clung:cling swung:swing stung:sting stricken:strike "
    "wept:weep crept:creep leapt:leap burnt:burn learnt:learn "
    "children:child men:man women:woman feet:foot teeth:tooth"
)

# British spellings, as parts of a stem, and their American forms: "defences" and "defenses",
# "organisation" and "organization", "travelled" and "traveled" are one word.
SPELLING_PARTS = (
    ("neighbour", "neighbor"), ("labour", "labor"), ("favour", "favor"), ("honour", "honor"),
    ("colour", "color"), ("harbour", "harbor"), ("behaviour", "behavior"), ("rumour", "rumor"),
    ("endeavour", "endeavor"), ("flavour", "flavor"), ("vigour", "vigor"), ("defenc", "defens"),
    ("offenc", "offens"), ("licenc", "licens"), ("travell", "travel"), ("cancell", "cancel"),
    ("modell", "model"), ("labell", "label"), ("fuell", "fuel"), ("counsell", "counsel"),
    ("councillor", "councilor"), ("analys", "analyz"), ("organis", "organiz"),
    ("recognis", "recogniz"), ("criticis", "criticiz"), ("prioritis", "prioritiz"),
    ("mobilis", "mobiliz"), ("stabilis", "stabiliz"), ("authoris", "authoriz"),
    ("privatis", "privatiz"), ("modernis", "moderniz"), ("subsidis", "subsidiz"),
    ("apologis", "apologiz"), ("utilis", "utiliz"), ("maximis", "maximiz"),
    ("minimis", "minimiz"), ("emphasis", "emphasiz"), ("formalis", "formaliz"),
    ("aluminium", "aluminum"),
)  # fmt: skip
# Whole stems (or stem endings, "-metr") spelt two ways: "centre" / "center", "kilometre".
SPELLING_STEMS = _pairs(
    "centr:center theatr:theater fibr:fiber programm:program catalogu:catalog "
    "dialogu:dialog grey:gray"
)
SPELLING_ENDINGS = (("metr", "meter"), ("litr", "liter"))

# Phrases that say one word: the phrase is read as that word ("free of charge" as "free",
# "came back" as "recover", "as well as" as "and"), so a paraphrase may use either.
PHRASES = {
    "free": "free of charge|free of cost|without charge|without cost|at no cost|at no charge|"
    "at no extra cost|at no extra charge|for free",
    "recover": "(?:come|comes|came|coming|bounce|bounces|bounced|bouncing) back",
    "allocate": "(?:set|sets|setting) aside",
    "resign": "(?:step|steps|stepped|stepping) down",
    "layoff": "(?:lay|lays|laid|laying) off",
    "cancel": "(?:call|calls|called|calling) off",
    "postpone": "(?:put|puts|putting) off",
    "conduct": "(?:carry|carries|carried|carrying) out",
    "participate": "(?:take|takes|took|taken|taking) part in",
    "close": "(?:shut|shuts|shutting) down",
    "investigate": "(?:look|looks|looked|looking) into",
    "and": "as well as|along with|together with",
    "before": "prior to|ahead of",
    "to": "in order to",
}

# Groups of words a paraphrase may exchange (base forms; compared by stem).
SYNONYM_GROUPS = [
    "vow pledge promise commit",
    "say tell state announce add note",
    "unveil announce present launch introduce reveal",
    "plan program programme package scheme",
    "troop soldier force servicemen personnel",
    "send deploy dispatch",
    "rise increase grow climb gain jump surge soar",
    "fall decrease decline drop slip dip slide slump tumble plunge sink",
    "cut reduce lower trim slash curb",
    "raise hike increase boost",
    "forecast project predict expect estimate",
    "quake earthquake tremor",
    "meet talk meeting discuss discussion",
    "shut close",
    "kill death die",
    "help aid assist",
    "build construct",
    "begin start commence",
    "end finish complete conclude",
    "buy purchase acquire",
    "job role position",
    "town city municipality",
    "firm company business corporation",
    "chief head leader",
    "fare price",
    "aim seek intend",
    "oppose against",
    "happen become occur",
    "keep leave hold maintain retain",
    "spend go allocate earmark devote commit",
    "take attend",
    "obtain secure get win raise",
    "crest peak",
    "admit acknowledge concede",
    "require obligate oblige force",
    "rebuild reconstruct reconstruction",
    "recover return rebound",
    "pay contribute provide commit fund finance",
    "reach hit",
    "say warn caution stress argue insist",
    "estimate put",
    "charge cost",
    "defeat reject",
    "support back favour favor",
    # common pairs of news writing beyond the first list
    "reveal disclose",
    "criticize condemn denounce",
    "approve endorse ratify",
    "ban prohibit outlaw",
    "cancel scrap axe abandon",
    "delay postpone defer",
    "investigate investigation probe inquiry",
    "arrest detain",
    "jail imprison",
    "injure wound hurt",
    "employee worker staff",
    "country nation",
    "agreement deal pact accord treaty",
    "expand enlarge widen",
    "repair fix",
    "protect safeguard shield",
    "target goal objective",
    "shortfall gap deficit",
    "child kid",
    "car vehicle",
    "doctor physician",
    "lawmaker legislator",
    "large big",
    "rapid quick fast swift",
    "sluggish slow weak",
    "strong robust solid",
    "sharp steep",
    "total overall",
    "annual yearly",
    "entire whole",
    "additional extra",
    "unemployment joblessness",
    "plant factory",
    "profit earnings",
    "revenue sales turnover",
    "war conflict",
    "visit trip",
    "tell inform notify",
    "ask request",
    "require need",
    "allow permit",
    "stop halt cease",
    "block prevent",
    "create generate",
    "generate produce",
    "output production",
    "power electricity",
    "receive get",
    "resume restart",
    "replace substitute",
    "remove eliminate",
    "concern worry fear",
    "area region",
    "resign quit",
    "conduct perform",
    "seize capture",
    "fight battle combat",
    "expensive costly",
    "cheap inexpensive",
]

PHRASE = re.compile(
    "|".join(rf"(?P<p{i}>\b(?:{alts})\b)" for i, alts in enumerate(PHRASES.values())),
    re.IGNORECASE,
)
PHRASE_WORDS = list(PHRASES)  # the word of group p<i>

# Words of which a thing is one at most: a "federal grant" is not the "state grant" the article
# names, the "north channel" is not the "south channel". A statement word of a group missing
# from its evidence, where the evidence has another of the group, is a substitution.
EXCLUSIVE_GROUPS = [
    # a word may be in several groups: "local" and "municipal" exclude "state", not each other
    "federal state provincial local",
    "federal state provincial municipal",
    "national provincial local",
    "national provincial municipal",
    "north south east west",
    "northern southern eastern western",
    "public private",
    "domestic foreign",
    "morning afternoon evening",
    "morning afternoon night",
    "daily weekly monthly annual",
    "daily weekly monthly yearly",
    "male female",
    "minimum maximum",
    "temporary permanent",
    "voluntary compulsory",
    "voluntary mandatory",
    "urban rural",
    "senior junior",
]
