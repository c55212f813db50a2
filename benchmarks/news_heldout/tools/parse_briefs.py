"""Parse Wikipedia Portal:Current events daily briefs into items with topic paths.
Output: tools/items.json (beside this file) = [{"date","section","path":[labels],"text"}]
Leaf <li> (no nested <ul>) = item; <li> with nested <ul> = topic label (its own text)."""

import json
import os
from html.parser import HTMLParser

BRIEFS = str(__import__("pathlib").Path(__file__).resolve().parents[4] / "shared" / "news" / "briefs")


class Node:
    def __init__(self, parent=None):
        self.parent = parent
        self.text = []
        self.children = []
        self.has_ul = False


class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_content = 0
        self.depth_div = 0
        self.section = None
        self.in_p = False
        self.in_b = False
        self.btext = []
        self.stack = []  # stack of li Nodes
        self.ul_depth = 0
        self.tops = []  # (section, Node)
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "style":
            self.in_style = True
        if tag == "div":
            if self.in_content:
                self.depth_div += 1
            elif "current-events-content" in (a.get("class") or ""):
                self.in_content = 1
                self.depth_div = 1
            return
        if not self.in_content:
            return
        if tag == "p" and self.ul_depth == 0:
            self.in_p = True
            self.btext = []
        elif tag == "b" and self.in_p:
            self.in_b = True
        elif tag == "ul":
            self.ul_depth += 1
            if self.stack:
                self.stack[-1].has_ul = True
        elif tag == "li" and self.ul_depth > 0:
            parent = self.stack[-1] if self.stack else None
            n = Node(parent)
            if parent:
                parent.children.append(n)
            else:
                self.tops.append((self.section, n))
            self.stack.append(n)

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag == "div" and self.in_content:
            self.depth_div -= 1
            if self.depth_div == 0:
                self.in_content = 0
            return
        if not self.in_content:
            return
        if tag == "p" and self.in_p:
            self.in_p = False
            t = " ".join("".join(self.btext).split())
            if t:
                self.section = t
        elif tag == "b":
            self.in_b = False
        elif tag == "ul":
            self.ul_depth -= 1
        elif tag == "li" and self.stack:
            self.stack.pop()

    def handle_data(self, d):
        if not self.in_content or self.in_style:
            return
        if self.in_p and self.ul_depth == 0:
            self.btext.append(d)
        elif self.stack:
            n = self.stack[-1]
            # only text not inside a nested ul of this li
            n.text.append(d)


def clean(s):
    return " ".join(s.split())


def walk(node, section, path, date, out):
    label = clean("".join(node.text))
    if node.children:
        for c in node.children:
            walk(c, section, path + [label], date, out)
    else:
        out.append({"date": date, "section": section, "path": path, "text": label})


def parse_file(fn, date):
    p = P()
    p.feed(open(fn, encoding="utf-8").read())
    out = []
    for sec, n in p.tops:
        walk(n, sec, [], date, out)
    return out


def main():
    allitems = []
    for f in sorted(os.listdir(BRIEFS)):
        if f.endswith(".html"):
            allitems += parse_file(os.path.join(BRIEFS, f), f[:-5])
    json.dump(
        allitems,
        open(__import__("pathlib").Path(__file__).resolve().parent / "items.json", "w"),
        ensure_ascii=False,
        indent=0,
    )
    print(len(allitems), "items")


if __name__ == "__main__":
    main()
