"""Generate /work/heldout/all.jsonl from items.json (see parse_briefs.py). Seeded, deterministic."""

import datetime
import json
import random
import sys
from collections import Counter, defaultdict

sys.path.insert(0, "/work/heldout/tools")
from factual_src import FACTUAL
from lib import DATES, ITEMS, day_items, topic_index

R = random.Random(20250914)
raw = topic_index()


def norm(t):
    return t.replace("–", "-").replace("—", "-").casefold()


TOP = defaultdict(lambda: defaultdict(list))
for t, dd in raw.items():
    for d, its in dd.items():
        for x in its:
            if x not in TOP[norm(t)][d]:
                TOP[norm(t)][d].append(x)

# canonical label -> (en user forms, id user forms)
AL = {
    "Gaza war": (["gaza war", "Gaza war", "the war in gaza", "gaza"], ["perang Gaza", "perang gaza", "Gaza war"]),
    "Russo-Ukrainian war": (
        ["ukraine war", "russia-ukraine war", "Russo-Ukrainian war", "russo ukrainian war"],
        ["perang Rusia-Ukraina", "perang rusia ukraina", "Russo-Ukrainian war"],
    ),
    "Insurgency in Khyber Pakhtunkhwa": (
        ["khyber pakhtunkhwa insurgency", "Insurgency in Khyber Pakhtunkhwa"],
        ["pemberontakan di Khyber Pakhtunkhwa", "insurgensi Khyber Pakhtunkhwa"],
    ),
    "War on drugs": (["war on drugs", "the war on drugs"], ["war on drugs", "perang melawan narkoba"]),
    "2025 Gaza City offensive": (
        ["gaza city offensive", "Gaza City offensive"],
        ["ofensif Gaza City", "serangan Israel ke Gaza City"],
    ),
    "Israel–Hezbollah conflict": (
        ["israel hezbollah conflict", "Israel-Hezbollah conflict", "israel-hezbolah conflict"],
        ["konflik Israel-Hizbullah", "konflik israel hezbollah"],
    ),
    "Sudanese civil war": (
        ["sudan war", "sudanese civil war", "the civil war in sudan", "sudan civil war"],
        ["perang saudara Sudan", "perang sudan"],
    ),
    "2025 Pacific typhoon season": (
        ["pacific typhoon season", "2025 pacific typhoon season"],
        ["musim topan Pasifik", "musim taifun pasifik 2025"],
    ),
    "2025 Afghanistan–Pakistan conflict": (
        ["afghanistan-pakistan conflict", "afghan pakistan conflict"],
        ["konflik Afghanistan-Pakistan", "konflik afghanistan pakistan"],
    ),
    "2025 United States military strikes on alleged drug traffickers": (
        ["us military strikes on alleged drug traffickers", "US strikes on alleged drug traffickers"],
        ["serangan militer AS terhadap terduga penyelundup narkoba"],
    ),
    "Syrian conflict": (["syrian conflict", "Syria conflict"], ["konflik Suriah", "konflik di suriah"]),
    "Israeli invasion of the Gaza Strip": (["israeli invasion of the gaza strip"], ["invasi Israel ke Jalur Gaza"]),
    "Afghanistan–Pakistan clashes": (
        ["afghanistan pakistan clashes", "Afghanistan-Pakistan clashes"],
        ["bentrokan Afghanistan-Pakistan"],
    ),
    "Mass shootings in the United States": (
        ["mass shootings in the US", "us mass shootings", "mass shootings in america"],
        ["penembakan massal di AS", "penembakan massal amerika"],
    ),
    "Gaza war hostage crisis": (
        ["gaza hostage crisis", "the hostage crisis in gaza"],
        ["krisis sandera Gaza", "sandera di gaza"],
    ),
    "Israeli–Palestinian conflict": (
        ["israeli-palestinian conflict", "israel palestine conflict"],
        ["konflik Israel-Palestina", "konflik israel palestina"],
    ),
    "Flood control projects scandal in the Philippines": (
        ["philippines flood control scandal", "flood control projects scandal"],
        ["skandal proyek pengendalian banjir Filipina", "skandal flood control filipina"],
    ),
    "2025 deployment of federal forces in the United States": (
        ["deployment of federal forces in the US", "federal troops deployment in US cities"],
        ["pengerahan pasukan federal di AS"],
    ),
    "Red Sea crisis": (["red sea crisis", "Red Sea crisis"], ["krisis Laut Merah", "krisis laut merah"]),
    "Middle Eastern crisis": (["middle eastern crisis", "middle east crisis"], ["krisis Timur Tengah"]),
    "2025 Malagasy protests": (
        ["madagascar protests", "malagasy protests"],
        ["demo Madagaskar", "protes di madagaskar"],
    ),
    "United States–Venezuela relations": (
        ["us-venezuela relations", "US Venezuela relations"],
        ["hubungan AS-Venezuela", "hubungan amerika venezuela"],
    ),
    "Boko Haram insurgency": (["boko haram insurgency", "boko haram"], ["Boko Haram", "pemberontakan boko haram"]),
    "Yemeni civil war": (["yemeni civil war", "yemen civil war"], ["perang saudara Yaman", "perang yaman"]),
    "Israeli bombing of the Gaza Strip": (
        ["israeli bombing of gaza", "Israeli bombing of the Gaza Strip"],
        ["pengeboman Israel di Jalur Gaza"],
    ),
    "Israeli incursions in the West Bank during the Gaza war": (
        ["israeli incursions in the west bank"],
        ["serbuan Israel di Tepi Barat"],
    ),
    "2025 Atlantic hurricane season": (
        ["atlantic hurricane season", "2025 atlantic hurricane season"],
        ["musim badai Atlantik", "musim hurikan atlantik"],
    ),
    "Gaza peace plan": (["gaza peace plan", "Gaza peace plan"], ["rencana perdamaian Gaza", "gaza peace plan"]),
    "Cyclone Senyar": (["cyclone senyar", "Cyclone Senyar", "cylone senyar"], ["siklon Senyar", "siklon senyar"]),
    "2025 Honduran general election": (
        ["honduran election", "honduras general election"],
        ["pemilu Honduras", "pilpres honduras"],
    ),
    "Operation Southern Spear": (
        ["operation southern spear", "Operation Southern Spear"],
        ["Operation Southern Spear", "operasi southern spear"],
    ),
    "Colombian conflict": (["colombian conflict"], ["konflik Kolombia"]),
    "Colombia–United States relations": (
        ["colombia-us relations", "colombia united states relations"],
        ["hubungan Kolombia-AS"],
    ),
    "2025 Cambodian–Thai border crisis": (
        ["cambodian-thai border crisis", "thai cambodia border crisis"],
        ["krisis perbatasan Kamboja-Thailand"],
    ),
    "2025 Cambodia–Thailand conflict": (
        ["cambodia-thailand conflict", "cambodia thailand conflict"],
        ["konflik Kamboja-Thailand", "konflik kamboja thailand"],
    ),
    "Russian strikes against Ukrainian infrastructure": (
        ["russian strikes on ukrainian infrastructure"],
        ["serangan Rusia ke infrastruktur Ukraina"],
    ),
    "Deportation in the second Trump administration": (
        ["trump administration deportations", "deportation under trump"],
        ["deportasi pemerintahan Trump", "deportasi era trump"],
    ),
    "Kyiv strikes": (["kyiv strikes", "strikes on kyiv", "kiev strikes"], ["serangan ke Kyiv", "serangan di kyiv"]),
    "2025 Guinea-Bissau coup d'état": (
        ["guinea-bissau coup", "guinea bissau coup"],
        ["kudeta Guinea-Bissau", "kudeta guinea bissau"],
    ),
    "Cyclone Ditwah": (["cyclone ditwah", "Cyclone Ditwah", "ditwah"], ["siklon Ditwah", "badai ditwah"]),
    "2025 North Indian Ocean cyclone season": (
        ["north indian ocean cyclone season"],
        ["musim siklon Samudra Hindia Utara"],
    ),
    "M23 campaign": (["m23 campaign", "M23 campaign"], ["kampanye M23"]),
    "Democratic Republic of the Congo–Rwanda conflict": (
        ["drc-rwanda conflict", "congo rwanda conflict"],
        ["konflik Kongo-Rwanda"],
    ),
    "Nord Stream pipelines sabotage": (
        ["nord stream sabotage", "Nord Stream pipeline sabotage"],
        ["sabotase Nord Stream", "sabotase pipa nord stream"],
    ),
    "Siege of El Fasher": (
        ["siege of el fasher", "el fasher siege"],
        ["pengepungan El Fasher", "pengepungan el fasher"],
    ),
    "2025 Czech parliamentary election": (
        ["czech parliamentary election", "czech election"],
        ["pemilu parlemen Ceko", "pemilu ceko"],
    ),
    "Mexican drug war": (["mexican drug war", "mexico drug war"], ["perang narkoba Meksiko"]),
    "2025 Nobel Prizes": (["nobel prizes 2025", "the nobel prizes"], ["hadiah Nobel 2025", "nobel 2025"]),
    "Kidnapping in Nigeria": (["kidnappings in nigeria", "kidnapping in nigeria"], ["penculikan di Nigeria"]),
    "Religious violence in Nigeria": (["religious violence in nigeria"], ["kekerasan agama di Nigeria"]),
    "Arrest of Jair Bolsonaro": (
        ["bolsonaro arrest", "arrest of bolsonaro"],
        ["penangkapan Bolsonaro", "bolsonaro ditangkap"],
    ),
    "Haitian conflict": (["haitian conflict", "haiti gang conflict"], ["konflik Haiti"]),
    "2025 Tanzanian general election": (["tanzanian general election", "tanzania election"], ["pemilu Tanzania"]),
    "2025 Tanzanian election protests": (["tanzania election protests"], ["demo pemilu Tanzania"]),
    "Ecuadorian security crisis": (
        ["ecuador security crisis", "ecuadorian security crisis"],
        ["krisis keamanan Ekuador"],
    ),
    "Capital punishment in Iran": (
        ["executions in iran", "capital punishment in iran"],
        ["hukuman mati di Iran", "eksekusi di iran"],
    ),
    "2025 United States federal government shutdown": (
        ["us government shutdown", "the federal government shutdown"],
        ["shutdown pemerintah AS", "shutdown pemerintahan amerika"],
    ),
    "2025 Louvre robbery": (
        ["louvre robbery", "louvre heist", "the Louvre robbery"],
        ["perampokan Louvre", "pencurian di louvre"],
    ),
    "2025 Guinean presidential election": (
        ["guinean presidential election", "guinea presidential election"],
        ["pilpres Guinea"],
    ),
    "2025 Cameroonian presidential election": (
        ["cameroon presidential election", "cameroonian election"],
        ["pilpres Kamerun", "pemilu kamerun"],
    ),
    "2025 Brown University shooting": (["brown university shooting"], ["penembakan Brown University"]),
    "2025 Bondi Beach shooting": (
        ["bondi beach shooting", "bondi shooting"],
        ["penembakan Bondi Beach", "penembakan di bondi"],
    ),
    "2025 Irish presidential election": (
        ["irish presidential election", "ireland presidential election"],
        ["pilpres Irlandia"],
    ),
    "Trial of Sheikh Hasina": (
        ["sheikh hasina trial", "trial of sheikh hasina"],
        ["sidang Sheikh Hasina", "pengadilan sheikh hasina"],
    ),
    "2025 Beninese coup attempt": (["benin coup attempt", "beninese coup attempt"], ["percobaan kudeta Benin"]),
    "Corruption in Ukraine": (["corruption in ukraine", "ukraine corruption"], ["korupsi di Ukraina"]),
    "2025 Iraqi parliamentary election": (
        ["iraqi parliamentary election", "iraq election"],
        ["pemilu Irak", "pemilu parlemen irak"],
    ),
    "2025 Indonesian protests": (
        ["indonesian protests", "2025 indonesia protests"],
        ["demo di Indonesia", "demo indonesia 2025"],
    ),
    "Typhoon Ragasa": (["typhoon ragasa", "Typhoon Ragasa"], ["topan Ragasa", "taifun ragasa"]),
    "2025 Moldovan parliamentary election": (
        ["moldova election", "moldovan parliamentary election"],
        ["pemilu Moldova"],
    ),
    "2025 Kasaï Province Ebola outbreak": (
        ["ebola outbreak in kasai", "kasai ebola outbreak"],
        ["wabah Ebola Kasai", "ebola di kongo"],
    ),
    "Trillion Peso March": (["trillion peso march"], ["Trillion Peso March", "aksi trillion peso march"]),
    "2025 Hadhramaut offensive": (["hadhramaut offensive", "hadramaut offensive"], ["ofensif Hadhramaut"]),
    "2025 Uvira offensive": (["uvira offensive"], ["ofensif Uvira"]),
    "2025 Tehreek-e-Labbaik Pakistan protests": (
        ["tlp protests", "tehreek-e-labbaik protests"],
        ["demo TLP Pakistan", "demo tehreek-e-labbaik"],
    ),
    "2025 Malagasy coup d'état": (["madagascar coup", "malagasy coup"], ["kudeta Madagaskar"]),
    "Chinese space program": (
        ["chinese space program", "china space program"],
        ["program antariksa China", "program luar angkasa tiongkok"],
    ),
    "2025 Danish drone incidents": (["danish drone incidents", "denmark drone incidents"], ["insiden drone Denmark"]),
    "2025 Guinea-Bissau general election": (["guinea-bissau general election"], ["pemilu Guinea-Bissau"]),
    "Belarus–Lithuania relations": (["belarus lithuania relations"], ["hubungan Belarus-Lithuania"]),
    "Turkey–Islamic State conflict": (
        ["turkey-isis conflict", "turkey islamic state conflict"],
        ["konflik Turki-ISIS", "konflik turki negara islam"],
    ),
    "Crime in Germany": (["crime in germany"], ["kriminalitas di Jerman"]),
    "2025 Sumy offensive": (["sumy offensive"], ["ofensif Sumy"]),
    "Insurgency in Balochistan": (
        ["balochistan insurgency", "insurgency in balochistan"],
        ["pemberontakan Balochistan"],
    ),
    "2025 Islamabad suicide bombing": (
        ["islamabad suicide bombing", "islamabad bombing"],
        ["bom bunuh diri Islamabad"],
    ),
    "Operation Midas": (["operation midas"], ["Operation Midas", "operasi midas"]),
    "2026 Ugandan general election": (["uganda election 2026", "ugandan general election"], ["pemilu Uganda 2026"]),
    "International recognition of Palestine": (
        ["recognition of palestine", "international recognition of palestine"],
        ["pengakuan negara Palestina"],
    ),
    "China–United States trade war": (
        ["us china trade war", "china-us trade war"],
        ["perang dagang AS-China", "perang dagang amerika china"],
    ),
    "2025 ATP Tour": (["atp tour", "2025 ATP tour"], ["ATP Tour 2025"]),
    "Nuclear program of Iran": (["iran nuclear program", "iran's nuclear programme"], ["program nuklir Iran"]),
}
for k in AL:
    assert norm(k) in TOP, k

EN_MON = "January February March April May June July August September October November December".split()
ID_MON = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
EN_WD = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
ID_WD = "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split()


def fmt_date(iso, lang, plain=False, year_req=False):
    d = datetime.date.fromisoformat(iso)
    m, D, Y = d.month, d.day, d.year
    if lang == "en":
        opts = [
            f"{EN_MON[m - 1]} {D}, {Y}",
            f"{D} {EN_MON[m - 1]} {Y}",
            f"{EN_MON[m - 1][:3]} {D}, {Y}",
            f"{EN_MON[m - 1][:3].lower()} {D}",
            f"{D} {EN_MON[m - 1][:3]}",
            iso,
            f"{D}/{m}/{Y}",
            f"{EN_MON[m - 1]} {D}",
            f"{D} {EN_MON[m - 1].lower()}",
            f"{EN_MON[m - 1]} {D}th" if D not in (1, 2, 3, 21, 22, 23, 31) else f"{EN_MON[m - 1]} {D}",
            f"{D:02d}/{m:02d}/{Y}",
            f"{EN_MON[m - 1][:3].lower()} {D} {Y}",
        ]
        if not plain:
            opts += [
                f"{EN_WD[d.weekday()]}, {EN_MON[m - 1]} {D}, {Y}",
                f"{EN_WD[d.weekday()][:3]} {D} {EN_MON[m - 1][:3]}",
            ]
        yearless = {3, 4, 7, 8, 9, 13}
    else:
        opts = [
            f"{D} {ID_MON[m - 1]} {Y}",
            f"{D} {ID_MON[m - 1]}",
            f"{D} {ID_MON[m - 1][:3].lower()}",
            iso,
            f"{D}/{m}/{Y}",
            f"{D}-{m}-{Y}",
            f"{D} {ID_MON[m - 1].lower()} {Y}",
            f"{D:02d}/{m:02d}/{Y}",
            f"{D} {ID_MON[m - 1][:3]} {Y}",
        ]
        if not plain:
            opts += [
                f"{ID_WD[d.weekday()]}, {D} {ID_MON[m - 1]} {Y}",
                f"{ID_WD[d.weekday()].lower()} {D} {ID_MON[m - 1][:3].lower()}",
            ]
        yearless = {1, 2, 10}
    idx = list(range(len(opts)))
    if year_req:
        idx = [i for i in idx if i not in yearless]
    return opts[R.choice(idx)]


class Pool:
    """Cycle through templates in shuffled order so no template is used much more than others."""

    def __init__(self, ts):
        self.ts = list(ts)
        self.q = []

    def next(self):
        if not self.q:
            self.q = self.ts[:]
            R.shuffle(self.q)
        return self.q.pop()


# templates: "{t}" topic, "{d}" date; a leading "P|" marks "plain date only" (e.g. after 'tgl')
TL = {
    "en": Pool(
        [
            "what's the latest on {t}?",
            "latest {t} news",
            "{t} latest",
            "any updates on {t}",
            "whats new with {t}",
            "give me the most recent news about {t}",
            "most recent on {t} pls",
            "{t} - what's the newest?",
            "Can you tell me the latest developments in the {t}?",
            "update on {t}?",
            "what happened most recently with {t}",
            "newest info about {t}",
            "/latest {t}",
            "latest about {t} please",
            "{t}: most recent update?",
            "hey anything new on {t}",
            "last news you have on {t}",
            "What is the most recent thing reported about {t}?",
            "recent {t} news?",
            "where do things stand on {t}? latest pls",
        ]
    ),
    "id": Pool(
        [
            "kabar terbaru soal {t}?",
            "{t} gimana kabarnya",
            "berita terbaru {t}",
            "update terbaru {t} dong",
            "ada kabar baru soal {t}?",
            "perkembangan terakhir {t} apa?",
            "info terkini tentang {t}",
            "terbaru {t} apa aja",
            "gimana perkembangan terbaru {t}?",
            "Apa berita terbaru mengenai {t}?",
            "{t} terakhir ada berita apa",
            "mau tau update {t} yg paling baru",
            "kabar paling baru {t} apa ya",
            "tolong kasih berita terbaru tentang {t}",
            "/latest {t}",
            "{t} update terbaru?",
            "berita paling anyar soal {t}",
            "perkembangan {t} terkini gmn",
            "Bagaimana situasi terbaru {t}?",
            "berita terakhir ttg {t} apa",
        ]
    ),
}
TD = {
    "en": Pool(
        [
            "what did the brief of {d} say about {t}",
            "{t} on {d}?",
            "{d} {t} news",
            "what happened with {t} on {d}",
            "news about {t} from {d}",
            "{t} {d}",
            "Anything on {t} on {d}?",
            "on {d}, what was reported about {t}?",
            "tell me about {t} on {d} pls",
            "{t} updates for {d}",
            "what was the {t} news on {d}",
            "{d}: {t}?",
            "any {t} headlines on {d}",
            "what did the {d} brief have on {t}",
            "{t} news, {d}",
            "Can you summarize the {t} coverage on {d}?",
        ]
    ),
    "id": Pool(
        [
            "apa kata brief {d} soal {t}?",
            "P|{t} tgl {d} ada apa",
            "P|berita {t} tanggal {d}",
            "gimana {t} pada {d}?",
            "{d} ada berita apa soal {t}",
            "kabar {t} di {d}",
            "P|soal {t} tanggal {d} apa aja beritanya",
            "Apa yang terjadi terkait {t} pada {d}?",
            "{t} {d}",
            "info {t} {d} dong",
            "P|tgl {d} {t} gmn",
            "berita tentang {t} hari {d}",
            "P|ringkasan {t} tanggal {d}",
            "P|ada update {t} tanggal {d}?",
            "pada {d}, {t} ada kabar apa",
            "P|coba cek {t} di tanggal {d}",
        ]
    ),
}
DS = {
    "en": Pool(
        [
            "recap {d}",
            "headlines for {d} pls",
            "what went on in the world on {d}",
            "news of {d}",
            "summarize the news from {d}",
            "{d} news",
            "what happened on {d}?",
            "give me the brief for {d}",
            "top stories {d}",
            "/day {d}",
            "what was in the news on {d}",
            "Could you give me a summary of {d}?",
            "daily brief {d}",
            "{d} - what happened",
            "main events on {d}",
            "anything big happen on {d}?",
            "rundown of {d} please",
            "what's the news for {d}",
            "show me the brief from {d}",
            "world news {d}",
        ]
    ),
    "id": Pool(
        [
            "P|ada apa aja tgl {d}",
            "rangkuman berita {d}",
            "P|berita tanggal {d}",
            "apa saja berita pada {d}?",
            "{d} ada kejadian apa aja",
            "ringkasan {d} dong",
            "berita hari {d}",
            "tolong rangkum berita {d}",
            "kejadian penting {d} apa aja?",
            "Apa yang terjadi di dunia pada {d}?",
            "headline {d}",
            "{d} beritanya apa",
            "brief {d}",
            "P|kabar dunia tanggal {d}",
            "gimana berita {d}",
            "P|minta ringkasan berita tgl {d}",
            "berita {d} apa aja ya",
            "ada berita apa di {d}",
            "rekap {d}",
            "/day {d}",
        ]
    ),
}
NB = {
    "en": Pool(
        [
            "news for {d}?",
            "what happened on {d}",
            "brief of {d} please",
            "{d} headlines",
            "recap of {d}",
            "summarize {d} for me",
            "what's in the {d} brief",
            "was there anything in the news on {d}?",
        ]
    ),
    "id": Pool(
        [
            "berita {d} apa aja?",
            "P|ada apa tgl {d}",
            "rangkum berita {d} dong",
            "P|kejadian tanggal {d}",
            "ringkasan berita hari {d}",
            "{d} ada berita apa",
            "apa isi brief {d}?",
            "P|info berita tgl {d}",
        ]
    ),
}
NBT = {
    "en": Pool(["{t} news on {d}", "what did the brief say about {t} on {d}?", "{d} {t}?", "any {t} updates on {d}"]),
    "id": Pool(["P|berita {t} tanggal {d}", "{t} pada {d} gimana?", "{d} ada kabar soal {t}?", "P|update {t} tgl {d}"]),
}


def fill(tpl, lang, t=None, iso=None, year_req=False):
    plain = tpl.startswith("P|")
    tpl = tpl[2:] if plain else tpl
    s = tpl
    if "{d}" in s:
        s = s.replace("{d}", fmt_date(iso, lang, plain=plain, year_req=year_req))
    if t is not None:
        s = s.replace("{t}", t)
    if R.random() < 0.25:
        s = s.lower()
    if R.random() < 0.15:
        s = s.rstrip("?")
    return s


out = []


def add(kind, lang, q, gd, gold):
    out.append(
        {
            "qid": f"{kind}-{len([o for o in out if o['kind'] == kind]) + 1:03d}",
            "kind": kind,
            "lang": lang,
            "question": q,
            "gold_date": gd,
            "gold": gold,
        }
    )


# ---- topic_latest: 80 (40 en / 40 id), distinct topics first
topics = list(AL)
R.shuffle(topics)
sel = topics[:80] if len(topics) >= 80 else topics + R.sample(topics, 80 - len(topics))
for i, t in enumerate(sel):
    lang = "en" if i % 2 == 0 else "id"
    tt = TOP[norm(t)]
    gd = max(tt)
    add("topic_latest", lang, fill(TL[lang].next(), lang, t=R.choice(AL[t][0 if lang == "en" else 1])), gd, tt[gd])

# ---- topic_on_day: 80 pairs, prefer topics with several days, not the topic's latest day only
pairs = set()
cands = [(t, d) for t in AL for d in TOP[norm(t)]]
weights = [1.0 / len(TOP[norm(t)]) ** 0.5 for t, d in cands]
while len(pairs) < 80:
    p = R.choices(cands, weights)[0]
    if sum(1 for q in pairs if q[0] == p[0]) >= 3:
        continue
    pairs.add(p)
pl = sorted(pairs)
R.shuffle(pl)
for i, (t, d) in enumerate(pl):
    lang = "en" if i % 2 == 0 else "id"
    add(
        "topic_on_day",
        lang,
        fill(TD[lang].next(), lang, t=R.choice(AL[t][0 if lang == "en" else 1]), iso=d),
        d,
        TOP[norm(t)][d],
    )

# ---- day_summary: 80 distinct days with >= 5 items
days = [d for d in DATES if len(day_items(d)) >= 5]
R.shuffle(days)
for i, d in enumerate(days[:80]):
    lang = "en" if i % 2 == 0 else "id"
    add("day_summary", lang, fill(DS[lang].next(), lang, iso=d), d, day_items(d))

# ---- no_brief_day: 60 dates outside 2025-09-14..2025-12-31
nb = set()
fixed = [
    "2025-09-13",
    "2025-09-12",
    "2026-01-01",
    "2026-01-02",
    "2024-11-09",
    "2024-12-25",
    "2025-08-17",
    "2026-03-09",
    "2025-01-20",
    "2024-10-07",
    "2026-02-14",
    "2025-09-01",
    "2025-06-30",
    "2026-01-15",
]
nb.update(fixed)
while len(nb) < 60:
    base = R.choice([datetime.date(2024, 1, 1), datetime.date(2025, 1, 1), datetime.date(2026, 1, 1)])
    d = base + datetime.timedelta(R.randrange(0, 365))
    iso = d.isoformat()
    if "2025-09-14" <= iso <= "2025-12-31":
        continue
    nb.add(iso)
nbl = sorted(nb)
R.shuffle(nbl)
for i, d in enumerate(nbl):
    lang = "en" if i % 2 == 0 else "id"
    if i % 3 == 2:
        t = R.choice(
            [
                "Gaza war",
                "Russo-Ukrainian war",
                "Sudanese civil war",
                "Syrian conflict",
                "War on drugs",
                "Israel–Hezbollah conflict",
                "Yemeni civil war",
                "Red Sea crisis",
                "Kyiv strikes",
            ]
        )
        q = fill(NBT[lang].next(), lang, t=R.choice(AL[t][0 if lang == "en" else 1]), iso=d, year_req=True)
    else:
        q = fill(NB[lang].next(), lang, iso=d, year_req=True)
    add("no_brief_day", lang, q, d, [])

# ---- factual
for idx, lang, q in FACTUAL:
    it = ITEMS[idx]
    add("factual", lang, q, it["date"], [it["text"]])

# ---- not_covered
from notcov_src import NOTCOV

for lang, q in NOTCOV:
    add("not_covered", lang, q, None, [])

with open("/work/heldout/all.jsonl", "w") as f:
    for o in out:
        f.write(json.dumps(o, ensure_ascii=False) + "\n")
print(Counter((o["kind"], o["lang"]) for o in out), len(out))
