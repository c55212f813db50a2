# prints hits of key terms of each not_covered question in the briefs (manual check)
import sys

sys.path.insert(0, "/work/heldout/tools")
from lib import ITEMS

KEYS = [
    "Wimbledon",
    "Fuji",
    "iPhone",
    "Tour de France",
    "DOGE",
    "Yellowstone",
    "Premier League",
    "Panama",
    "Greenland",
    "GPT",
    "OpenAI",
    "Swift",
    "Grammy",
    "Australian Open",
    "Starship",
    "SpaceX",
    "Nintendo",
    "BTS",
    "Ronaldo",
    "Champions League",
    "Google",
    "Nvidia",
    "sample return",
    "Titan",
    "Canadian federal",
    "German federal",
    "Prince Harry",
    "Myanmar earthquake",
    "Coldplay",
    "Astronomer",
    "Zuckerberg",
    "Camp Mystic",
    "Kanjuruhan",
    "MotoGP",
    "Mandalika",
    "Club World Cup",
    "Merapi",
    "Kalimantan",
    "Borneo",
    "Widodo",
    "Jokowi",
    "Nusantara",
    "AFF Championship",
    "ASEAN Championship",
    "Lewotobi",
    "BLACKPINK",
    "Academy Award",
    "Oscars",
    "malaria",
    "Harvey Moeis",
    "Whoosh",
    "America Party",
    "German election",
    "Riau",
    "earthquake in Myanmar",
    "Musk",
]
for k in KEYS:
    h = [(x["date"], x["text"][:80]) for x in ITEMS if k.lower() in (x["text"] + " " + " ".join(x["path"])).lower()]
    if h:
        print(k, h)
print("done")
