"""Every word list of the project, in one place: which words carry no topic.

Three uses, three lists, built from shared parts so they can't drift apart:

- `STOP_WORDS`: what the lexical (FTS5 / BM25) index leaves out. Kept short on purpose: numbers
  ("dua", "lima"), time words ("tahun", "bulan") and verbs that can carry meaning stay searchable.
  Changing it changes the indexed terms: bump `index.text.terms.LEXICON_VERSION`.
- `INDONESIAN_FUNCTION_WORDS` / `ENGLISH_FUNCTION_WORDS`: frequent, short and almost disjoint
  between the two languages; language detection counts them.
- `TOPIC_STOP_WORDS`: what a question's *topic* is not: function words, question words and the
  fillers of requests ("Apa nama ...", "Tell me ...", "Jelaskan ..."), for answer matching and
  for reading follow-ups. `NEWS_WORDS` (asking for news without naming what about) and
  `SMALL_TALK` are no topic either; the question reader sets them aside.
"""

from __future__ import annotations

INDONESIAN_FUNCTION_WORDS = frozenset(
    """
    yang dan di ke ini itu dengan untuk dari adalah pada akan tidak juga sudah telah oleh atau
    tentang saja ada karena tetapi tapi dalam sebagai dia ia mereka kami kita saya aku bahwa bisa
    sebuah seorang para lebih antara setelah belum masih harus hanya jika kalau agar serta namun
    apa apakah siapa berapa kapan mengapa kenapa bagaimana gimana mana yg dgn utk gak nggak tdk
    siapakah berapakah kapankah mengapakah bagaimanakah manakah dimana dimanakah
    """.split()
)
ENGLISH_FUNCTION_WORDS = frozenset(
    """
    the a an and of is are was were be been being to in on for with about from by that this these
    those it its at as has have had will would can could there their they he she his her not or
    but than also into after over did does do what who whom whose how when why which where
    """.split()
)

# Words that ask: a message holding one is a question of its own, not an elliptic follow-up.
QUESTION_WORDS = frozenset(
    """
    apa apakah siapa siapakah berapa berapakah kapan kapankah mengapa mengapakah kenapa bagaimana
    bagaimanakah gimana mana manakah dimana dimanakah what who whom whose how when why which where
    """.split()
)

# The words of a request around its topic.
REQUEST_FILLERS = frozenset(
    """
    arti bagaimanapun bilakah ceritakan dapat darimana dimaksud disebut hal jelaskan kah kemana
    ketika lah lalu maksud menjadi merupakan nama pun saat sang sebutkan secara sekarang si
    terhadap tersebut terus tolong coba cek minta mohon kasih kasi tau ceritain jelasin kasitau
    tepatnya khususnya terutama misalnya banyak
    brief briefs called describe explain list many me mean meant much name named said say tell vs versus
    """.split()
)

# Chat Indonesian: shortened function words and particles ("ttg" for "tentang", "aja", "dong").
CHAT_FILLERS = frozenset(
    """
    aja ajah dong sih deh nih tuh kok loh lho ya yah kan ttg tntg sm sama udah udh sdh blm ga gk
    engga enggak nggak ngga gimanakah emang emangnya lagi lg jg dr krn knp gmn brp skrg bgt tgl
    tanggal gan min kak bang trus abis gitu gini kyk pas
    """.split()
)

# Words that ask for news without naming what about: no topic of a question (`understanding`).
NEWS_WORDS = frozenset(
    """
    berita news ringkasan ringkas ringkaslah rangkum rangkuman rangkumkan ikhtisar summary summarize
    rekap recap rundown
    summarise summarised brief briefs isi headline headlines highlight highlights kabar info informasi
    update updates perkembangan terjadi happened happening kata dikatakan pernyataan say said says happen
    going stories story top utama report reported reports reporting covered coverage mention mentioned
    mentions diberitakan dilaporkan
    penting important key main today's yesterday's hari tanggal date day days edition edisi
    terbaru terkini latest newest recent most terakhir last week minggu pekan lalu sejak since
    baru new what's whats s apa give show me tell please tolong dong ya kasih beri berikan
    sampaikan jelaskan ceritakan mengenai tentang soal seputar about on of for in at regarding
    re di pada dari yang ada how was were is are did do does the a an any anything there
    morning pagi siang sore malam ini this that daily cover covers miss missed anyone still yet pls
    plz now currently
    """.split()
)
# The words of small talk: a message of nothing else is not a question.
SMALL_TALK = frozenset(
    """
    ok oke okay okey k sip siap baik baiklah mantap mantul noted clear got it thanks thank thx ty
    you makasih terima kasih trims tq nice good great cool wow hmm hm oh ah hi hai halo hello hey
    pagi selamat sore siang malam bye dah yes no ya tidak nggak gak iya yup yep nope sure alright
    understood paham mengerti lol wkwk haha hehe
    """.split()
)
TOPIC_STOP_WORDS = INDONESIAN_FUNCTION_WORDS | ENGLISH_FUNCTION_WORDS | QUESTION_WORDS | REQUEST_FILLERS | CHAT_FILLERS

INDONESIAN_STOP_WORDS = frozenset(
    """
    ada adalah agar akan akankah aku antara apa apakah apabila atas atau ataukah bagaimana
    bagaimanakah bagi bahwa bahwasanya beberapa begitu belum berapa berapakah bisa dalam dan
    dapat dari daripada demikian dengan di dia diantara dimana dimanakah engkau hanya hingga ia
    ialah ini itu jika juga kah kalau kami kamu kapan kapankah karena ke kenapa kepada ketika kita
    lah maka manakah masih mengapa mereka meski namun nya oleh pada para saat sang saya se sebagai
    sebuah secara sedang sejak seorang serta siapa siapakah si sudah supaya tak telah tentang
    tersebut tetapi tidak untuk walaupun yaitu yakni yang
    """.split()
)
ENGLISH_STOP_WORDS = frozenset(
    """
    a about an and are as at be been being but by can could did do does for from had has have he
    her his how i if in into is it its me my of on or our she so than that the their them then
    there these they this those to us was we were what when where which while who whom whose why
    will with would you your
    """.split()
)
STOP_WORDS = INDONESIAN_STOP_WORDS | ENGLISH_STOP_WORDS


def is_topic_stop_word(word: str) -> bool:
    return word.lower() in TOPIC_STOP_WORDS
