"""The trigger and marker words of the rules, compiled once (shared by the rule modules)."""

from __future__ import annotations

import re

_I = re.IGNORECASE
MEET_RE = re.compile(
    r"\b(?:talks|negotiations?|negotiat(?:e|ed|es|ing)|summits?|meet|meets|met|meetings?|"
    r"visit|visits|visited|visiting|hosted|"
    r"(?:received|receives)(?!\s+(?:a\s+|an\s+|the\s+|its\s+|\w+['’]s\s+)?(?:\w+\s+)?"
    r"(?:memorandum|document|letter|proposal|offer|request|invitation|message|call|draft|care|"
    r"treatment|aid|funding|support|attention|sentence|award|prize|vaccines?|doses|votes|"
    r"weapons|shipments?|delivery|payments?|reports?|threats?|complaints?|applications?))|"
    r"warm welcome|mediation|get together|gather(?:s|ing)? with|"
    r"mediat(?:e|ed|es|ing)|face-to-face|sit down|sat down|wait for|round of talks|for talk|"
    r"(?:first|second|third|fourth|fifth|new|next|another) round(?!\s+of\s+(?!talks|negotiations))|"
    r"host(?:s|ed|ing)?\s+(?:a\s+|the\s+)?(?:meeting|talks|summit)|delegations?|delegates|"
    # "Zelensky heads to Washington": a trip to a place is a visit (the place decides)
    r"(?:heads?|heading|travels?|travell?ed|travell?ing|flies|flew|flying)\s+to(?=\s+(?-i:[A-Z]))|"
    r"next time in(?=\s+(?-i:[A-Z]))|"
    r"(?:peace|multilateral|international|regional|security|donors['’]?)\s+conference|"
    r"(?:jointly\s+)?signed\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?"
    r"(?:treaty|accord|declaration|pact))\b",
    _I,
)
# "signed a treaty" is a meeting only between two leaders who sign it together
SIGNED_RE = re.compile(r"\bsigned\s+(?:a|an|the)\b", _I)
CEASE_RE = re.compile(
    r"\b(?:cease-?fires?|truces?|cessation of hostilities|pause (?:in )?fire|armistice)\b"
    r"(?!\s+(?:talks|negotiations))",
    _I,
)
PRISON_RE = re.compile(
    r"\b(?:(?:prisoners?|pows?|captives?|detainees?|hostages?)\W+(?:\w+\W+){0,3}?"
    r"(?:swap|exchange)\w*|(?:swap|exchange)\w*\W+(?:\w+\W+){0,4}?(?:prisoners?|pows?|captives?|"
    r"detainees?|soldiers|servicemen|civilians)|\d[\d,]*-for-\d[\d,]*|"
    r"(?:free|freed|frees|release[sd]?|return(?:s|ed)?|handed over)\s+(?:\w+\s+){0,4}?each\b|"
    r"(?:\d[\d,]*|prisoners?)\s+(?:\w+\s+){0,2}?each\s+(?:side\s+)?(?:to be\s+)?"
    r"(?:freed|released|returned)|(?:each|both)\s+sides?\s+(?:will\s+)?"
    r"(?:free|release|hand(?:ed)? over|exchange)|"
    r"(?:swap|exchange)\s+(?:of\s+)?(?:\w+\s+){0,3}?(?:\d[\d,]*\s+)?"
    r"(?:prisoners|each|on each side)|"
    r"(?:prisoner|pow|captive)\s+(?:swap|exchange)|\bswap\s+(?:ends|completed|begins|agreed))",
    _I,
)
# A swap or exchange that the entry elsewhere ties to prisoners ("first day of biggest swap").
SWAP_WORD = re.compile(r"\b(?:swap|exchange)\b", _I)
PRISON_TOPIC = re.compile(
    r"\b(?:prisoners?|pows?|captives?|servicemen|soldiers|civilians|freed|each side)\b", _I
)
SPEECH_RE = re.compile(
    r"\b(?:says?|said|insist\w*|warn\w*|vow\w*|reject\w*|refus\w+|demand\w*|calls? for|"
    r"called for|urg\w+|accus\w+|oppos\w+|welcomed|reiterat\w+|stress\w*|threaten\w*|appeal\w*|"
    r"dismiss\w*|lays? out|laid out|reveal\w*|signal\w*|sees room|hopes?|agreed to|tells?|told|"
    r"calls?|calling|derid\w+|mock\w*|wants?|ask(?:s|ed)?)\b",
    _I,
)
TOPIC_RE = re.compile(
    r"\b(?:talks(?!\s+(?:to|about)\b)|negotiat\w*|diplomacy|"
    r"diplomatic (?:solution|efforts?|front|path|route)|"
    r"peace (?:talks|deal|plan|process|demands|conditions|terms|settlement|agreement|"
    r"negotiations|efforts?|initiative|proposal|treaty)|plan for peace|cease-?fire|truce|"
    r"mediat\w*|settlement|breakthrough|interim peace deals?|framework agreement|deal between|"
    r"conditions for ending|official contact|reach an agreement|land-for-security|"
    r"(?:agree|accept)\w*\s+(?:to\s+)?(?:the\s+|\w+['’]s\s+)?(?:\w+\s+)?(?:meeting|offer)|"
    r"take up (?:the\s+|\w+['’]s\s+)?offer|(?:russian|ukrainian|\w+['’]s)\s+(?:team|delegation|"
    r"line-?up)|memorandum|peace agreement|final (?:agreement|deal))\b",
    _I,
)
DECLINE_RE = re.compile(
    r"\b(?:(?:will|would|did|does|do|to)\s+not\s+(?:attend|go|travel|take part|participate|join)|"
    r"won'?t\s+(?:attend|go|travel|take part|join)|not\s+(?:be\s+)?(?:attending|going|travel\w*|"
    r"taking part|participat\w*)|refus\w+\s+to\s+(?:meet|attend|see|join)|"
    r"declin\w+\s+(?:to\s+(?:attend|meet|join)|(?:an?\s+|the\s+)?invitation)|"
    r"reject\w*\s+(?:an?\s+|the\s+)?invitation|stay(?:s|ed)? away|"
    # "skips the summit", "snubs Macron": not "encourage kids to skip college"
    r"(?:skip(?:s|ped|ping)?|snub\w*)\s+(?:(?:the|a|an|this|next|[A-Z][\w'’]+)\s+){0,3}?"
    r"(?:summit|meeting|talks|ceremony|event|conference|visit|inauguration|funeral|gathering|"
    r"session|dinner|(?-i:[A-Z])\w*)|"
    r"(?:is|was) not on the (?:list|delegation|line-?up|team)|name is missing from)\b",
    _I,
)
DENY_RE = re.compile(
    r"\b(?:no plans? (?:to|for)|not (?:planning|planned|scheduled|expected) to|"
    r"(?:will|would|does|did|do)\s*(?:not|n't) (?:meet|hold|negotiate|talk)|"
    r"rule[sd]? out (?:a |any )?(?:meeting|talks|summit|negotiations)|"
    r"den(?:y|ies|ied) (?:\w+ ){0,4}(?:meeting|summit|talks)|"
    r"no (?:meeting|summit|talks) (?:is |was |are )?(?:planned|scheduled|expected)|"
    r"not (?:negotiate|meet))\b",
    _I,
)
CANCEL_RE = re.compile(
    r"\b(?:cancel(?:l?ed|s|ling|lation)?|call(?:ed|s)? off|scrap(?:ped|s)?|shelved?|"
    r"suspend(?:ed|s)?|withdr(?:ew|aws?|awn|awal) from|pull(?:ed|s)? out of|"
    r"ended (?:\w+ )?(?:mediation|talks|negotiations|efforts)|break off|broke off|collapsed)\b",
    _I,
)
POSTPONE_RE = re.compile(
    r"\b(?:postpone[sd]?|postponement|delay(?:ed|s)?|pushed back|put off|reschedul\w+|"
    r"moved to|brought forward|now take place|"
    # "on Friday instead of Thursday", "in Riyadh rather than Istanbul"; not "proposing talks
    # rather than answering the ceasefire call" (a choice between actions, not a new date)
    r"(?:instead of|rather than)\s+(?:on\s+|in\s+|at\s+|the\s+)?"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tomorrow|tonight|next|this|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d|\d|(?-i:[A-Z])))",
    _I,
)
# "Talks offer a roadmap to a truce": the talks themselves are the subject of the verb, so it
# is no proposal (the talks took place).
TALKS_AS_SUBJECT = re.compile(r"\b(?:talks|negotiations|meeting|summit)\s+$", _I)
PROPOSE_RE = re.compile(
    r"\b(?:propos\w*|offer\w*|call(?:s|ed|ing)? for|urg\w+|appeal\w*|suggest\w*|seek\w*|"
    r"push\w* for|ask(?:s|ed)? for|request\w*|press(?:es|ed)? for|wants?)\b(?:\W+[\w'’-]+){0,7}?"
    r"\W+(?:talks|negotiations?|meeting|summit|to meet|to host|round|"
    r"to negotiate|to hold|mediation|dialogue)\b|\binterested in (?:hosting|holding|mediating)\b|"
    r"\b(?:ready for|open to|not against) (?:a |an |the )?(?:[\w-]+ )?(?:[\w-]+ )?"
    r"(?:round|talks|meetings?|negotiations)\b|"
    r"\b(?:ready|willing|prepared|eager|open) to "
    r"(?:meet|talk|negotiate|host|hold|mediate)\b|\bwould (?:meet|host|negotiate|hold)\b|"
    r"\bwants? to (?:meet|talk|negotiate)\b|\binvit\w+|\bchalleng\w+ \w+ to\b|\bwait for\b|"
    r"\blaunched a mediation|\bproposed by\b|"
    # "'Next time in Moscow', Putin tells Trump": the next meeting's venue, floated
    r"\bnext (?:time|meeting|round|summit) (?:could be |should be |will be )?in (?-i:[A-Z])",
    _I,
)
HEDGE_RE = re.compile(
    r"\b(?:could|might|possible|possibly|reportedly|reports? (?:that|of)|report of|"
    r"sources? (?:say|said)|considering|mull\w*|float\w*|in principle|only if|unless|"
    r"rumou?r\w*|speculat\w+|(?:not|refus\w+ to) confirm\w*|potential|next step|prospect|"
    r"until|if it|if he|if they)\b|\bmay\b(?!\s+\d)",
)
FUTURE_RE = re.compile(
    r"\b(?:will|shall|to (?:meet|visit|hold|host|travel|attend|lead|head|take place|begin|gather|"
    r"start|resume|sit|raise|discuss)|set to|set for|scheduled|planned|plans? to|planning|"
    r"upcoming|next (?:round|week|month)|tomorrow|ahead of|returns? to|due to|expected|"
    r"arrives?|arriving|"
    r"should (?:start|begin|take place|open)|(?:is|are) flying|head(?:s|ing)? for|"
    r"would (?:travel|be in|fly|arrive|attend|take part)|"
    r"(?:confirm|announc)\w* (?:the |a |an |its )?(?:\w+ )?(?:summit|meeting|talks)|"
    r"heads?(?= to)|heading|prepar\w+ for|is to|are to|later this|agreed to (?:meet|hold)|"
    # "Ukraine sends its defence minister to talks": a delegation on its way, talks to come
    r"sends?|sending)\b|'ll\b",
    _I,
)
NON_DIPLOMATIC = re.compile(
    r"\b(?:match|final|semi-finals?|quarter-finals?|cup|league|tournament|games?|olympics?|"
    r"championship|squad|tennis|cricket|rugby|soccer|wimbledon|grand slam|win over|"
    r"victory over|seeded|"
    r"coach|players?|club|fc|rematch|bout|grand prix|race|fans|voters|ceos?|shareholders|"
    r"nominees|committee|cabinet|lawmakers|congress|court|jury|students|refugees?|journalists|"
    r"talks? (?:to|about)|footage|reporter|correspondent|we meet|site of|medals?|curling|"
    r"last-four|run-?off|election\w*|voting|ballot|any (?:talks|negotiations|meeting)|"
    r"(?:CNN|BBC)['’]s\s+[A-Z]\w+\s+[A-Z]\w+\s+(?:visit\w*|meet\w*|goes|travel\w*)|"
    r"meets? allies|"
    r"reporters|police|security council|general assembly|phone|telephon\w*|call with|video|"
    # "a TV show", not "to show support"
    r"zoom|virtual|interview|podcast|(?:tv|talk|radio|game|chat|quiz|reality|a|the)\s+show|"
    r"concert|festival|wedding|idols?|dissidents|"
    r"summit of (?:the |mount|costa|a )|"
    # "meet the deadline", "meet their needs"; not "meet the U.N. mediator", "meet his
    # Ukrainian counterpart"
    r"meet (?:the|their|its|our|his|her|new)\b(?!\s+(?:[\w.'’-]+\s+){0,2}?(?:(?-i:[A-Z])|"
    r"mediators?|envoys?|president|leaders?|ministers?|counterparts?|delegations?|king|emir|"
    r"prime|foreign|rebels?|negotiators))|meet demands|"
    r"meets?\s+(?:a\s+|the\s+|all\s+|its\s+|their\s+|his\s+|her\s+)?(?:list\s+of\s+)?"
    r"(?:\w+\s+)?(?:conditions|demands|requirements|criteria|targets|deadline|standards|"
    r"expectations|obligations)|"
    # sessions of standing bodies (labelling guide): "NATO foreign ministers meet in Antalya",
    # "EU leaders' council", "G7 finance ministers"
    r"(?:NATO|Nato|EU|G7|G-7|G20|G-20|OSCE|ASEAN|alliance|allied)\s+(?:foreign\s+|defen[cs]e\s+|"
    r"finance\s+|interior\s+|energy\s+|trade\s+)?ministers|european council|"
    # idioms: "were met with protests", "met with criticism", "meets its end", "talks tough",
    # "hosted a show"
    r"(?:was|were|is|are|been|be|being)\s+met\s+(?:with|by)|"
    r"met\s+with\s+(?:\w+\s+)?(?:criticism|protests?|resistance|scepticism|skepticism|anger|"
    r"outrage|derision|silence|applause|backlash|condemnation|dismay|fury|defiance|cheers|"
    r"boos|jeers|disbelief|concern|alarm|suspicion|hostility|indifference)|"
    r"meets?\s+(?:the|its|their|his|her)\s+(?:end|fate|match|maker)|"
    r"talks?\s+(?:tough|up|down|big|shop|sense|nonsense)|"
    r"host(?:s|ed|ing)?\s+(?:a|the)\s+(?:\w+\s+)?(?:show|party|programme|program|podcast|"
    r"gala|concert|ceremony|festival)|"
    r"(?:demands|conditions|needs|requirements|targets|goals|criteria)\s+(?:are|were|is|was|be|"
    r"have been|has been|had been|being)\s+met)\b",
    _I,
)
PARTISAN = re.compile(r"^-(?:backed|led|allied|brokered|based|born|linked|controlled|held)\b")
MEET_VERB = re.compile(
    r"\b(?:meet|meets|met|meeting with|(?:is|are|was|were)\s+meeting|"
    # "undertook a mediation mission between Syria and Arafat": the mediator took part
    r"undert(?:ook|akes?|aking)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?mission|"
    r"(?:held|hold|holds|holding)\s+(?:[\w-]+\s+){0,3}?talks|"
    r"(?<!in )talks with|talks (?:end|ended|began|begin|open|opened|resume|resumed|held)|"
    r"visit\w*|received|hosted|arrived|gave a warm welcome)\b",
    _I,
)
PAST_RE = re.compile(
    r"(?<!will be )(?<!to be )(?<!would be )(?<!should be )(?<!could be )"
    r"\b(?:met|held|hosted|visited|arrived|landed|travell?ed|received|undertook|took place|ended|"
    r"began|"
    r"renewed|gave a warm welcome|signed)\b",
    _I,
)
PRESENT_MEET = re.compile(
    r"\b(?:meets|meets with|holds (?:\w+ )?talks|visits|receives|hosts|welcomes|"
    r"(?:is|are) (?:holding|meeting)|"
    # talks that end, wrap up or yield something took place
    r"(?:end|ends|wrap up|wraps up|conclude|concludes)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:talks|meeting|summit|negotiations)|"
    r"(?:talks|meeting|summit|negotiations|round)\s+(?:ends?|wraps? up|concludes?|yields?|"
    r"produces?))\b",
    _I,
)
FIRM_FUTURE = re.compile(
    r"\b(?:will|shall|set to|to (?:meet|visit|hold|host|travel)|scheduled|planned|plans? to|"
    r"expected|next (?:week|month)|tomorrow|later this)\b|'ll\b",
    _I,
)
TEAM_TRAVEL = re.compile(
    r"\b(?:delegations?|delegates|negotiators|team|teams|side)\b.{0,40}\b(?:will be in|be in|"
    r"travel\w*|fly\w*|head\w* (?:to|for)|arriv\w*|waiting)\b|\btravel\w* to \w+ for\b",
    _I,
)
BARE_TALKS = re.compile(
    r"\b(?:first|second|third|fourth|fifth|new|next) round\b(?!\s+of\s+(?:voting|the|sanctions))|"
    r"\bround of (?:talks|negotiations)\b|\bdelegations met\b|\btalks (?:in|at) \w+ (?:end|ended)",
    _I,
)
DELEGATION_ONLY = re.compile(r"\b(?:delegations?|delegates)\b", _I)
DIPLOMATIC_NOUN = re.compile(
    r"\b(?:talks|negotiat\w*|summits?|delegations?|mediat\w*|diplomat\w*|envoys?)\b", _I
)
