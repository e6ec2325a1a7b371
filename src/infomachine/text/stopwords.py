"""Every stop-word list, named by what it is for.

Each list is tuned to its use, so they differ on purpose; keep a new one here,
named by its purpose, rather than beside the code that reads it.
"""

from __future__ import annotations

# Words that never identify an event (cluster features): function words, reporting verbs,
# calendar-relative words and media labels ("live", "video").
CLUSTER_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just let me more most my myself no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours new says said say s t amp
    via us vs get gets got make makes one two first may might many much could still back year
    years week weeks day days today yesterday tomorrow time report reports news update live
    watch video photos""".split()
)

# Function words ignored when checking that a sentence says what its quote says (verify).
SUPPORT_STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have he her
    his how i if in into is it its may might more most no not of on or our she should so such than
    that the their them then there these they this those to was we were what when where which while
    who will with would you also after before over about said says say""".split()
)

# Function words ignored when comparing two claims for overlap or contrast (analyze/claims).
CLAIM_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those he she they them his her their we our you your i me my not no
    has have had do does did will would can could may might must should shall than then so such
    there here what which who whom whose when where why how also just more most much many very
    said says say about into over after before up out new one two all any some other only""".split()
)

# Words ignored when comparing an actor's stance across versions (versions: evolution).
STANCE_STOPWORDS = frozenset(
    "a an the and or of to in on for at by with from as is are was were be been that this it its "
    "their they than which who whom has have had not no but also into over more most".split()
)

# Words never used as terms of a derived search query (reactive search feeds).
QUERY_STOPWORDS = frozenset(
    """a an and are as at be but by for from has have he her his how in into is it its
    new not of on or over says said she than that the their them they this to up was we
    were what when where which who why will with after about amid more most why you your
    could would should may can just first year years week day report reports news update""".split()
)

# The language of a sentence (synth/analyze/sentences.in_english): frequent English function words,
# and frequent function words of other European languages (Portuguese, Spanish, French, German,
# Italian, Dutch) that are not English words ("die", "do", "as", "a" left out).
ENGLISH_MARKERS = frozenset(
    """the and of to was is that for with by from has have had were this which it its his her their
    they he she at be been are said will would not who on an or but after we you""".split()
)
OTHER_LANGUAGE_MARKERS = frozenset(
    """de la le que los las del por para uma dos das nas não nao são também pelo pela mais muito foi
    sido têm seus suas sua seu está el con una es en les des est et une pour qui dans sur pas avec
    sont leur ces cette du au aux ont und der das ist nicht mit von zu dem ein eine auch sich auf für
    wird sind wurde che di della sono nel gli anche delle het een van niet zijn ook wordt""".split()
)
