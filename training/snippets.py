"""Language-of-snippet examples: editor-sized selections cut from corpus files, labelled by file type.

"prose" snippets are the plain-English text of Python docstrings, Swift `///` doc comments and Markdown paragraphs
without markup; "markdown" snippets are windows of .md files that contain Markdown syntax.
"""
import ast
import random
import re

LABELS = ["python", "swift", "c", "shell", "markdown", "json", "yaml", "prose"]
MD_SYNTAX = re.compile(r"(^#{1,6} )|(^\s*[-*+] )|(^\s*\d+\. )|(```)|(\[[^\]]+\]\([^)]+\))|(`[^`]+`)|(\*\*[^*]+\*\*)|(^\s*\|)|(^> )", re.M)


def selection_lines(rng):
    """Realistic selection sizes: mostly a few lines, sometimes a whole function or screen."""
    return rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 30, 40])


def window(text, rng, min_chars=24):
    lines = text.splitlines()
    if not lines:
        return None
    for _ in range(6):
        n = selection_lines(rng)
        s = rng.randrange(0, max(1, len(lines) - n + 1))
        snip = "\n".join(lines[s:s + n]).strip("\n")
        if len(snip.strip()) >= min_chars:
            return snip
    return None


def prose_paragraphs(doc):
    out = []
    if doc["lang"] == "python":
        try:
            tree = ast.parse(doc["text"])
        except (SyntaxError, ValueError):
            return out
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                d = ast.get_docstring(node)
                if d:
                    out.extend(re.split(r"\n\s*\n", d))
    elif doc["lang"] == "swift":
        block = []
        for line in doc["text"].splitlines() + [""]:
            s = line.strip()
            if s.startswith("///"):
                block.append(s[3:].strip())
            elif block:
                out.extend(re.split(r"\n\s*\n", "\n".join(block)))
                block = []
    elif doc["lang"] == "markdown":
        out.extend(re.split(r"\n\s*\n", doc["text"]))
    good = []
    for p in out:
        p = p.strip()
        words = re.findall(r"[A-Za-z]+", p)
        if len(p) < 40 or len(words) < 8 or MD_SYNTAX.search(p) or ">>>" in p or "::" in p:
            continue
        letters = sum(c.isalpha() or c.isspace() for c in p) / len(p)
        if letters < 0.85:
            continue
        good.append(p)
    return good


def build(docs, per_label, seed):
    """Returns [{"text", "label"}], per_label examples for each label, from these docs only."""
    rng = random.Random(seed)
    by_lang = {}
    for d in docs:
        by_lang.setdefault(d["lang"], []).append(d)
    prose_pool = []
    for lang in ("python", "swift", "markdown"):
        pool = by_lang.get(lang, [])
        for d in rng.sample(pool, min(len(pool), 400)):
            prose_pool.extend(prose_paragraphs(d))
    examples = []
    for label in LABELS:
        got = []
        tries = 0
        while len(got) < per_label and tries < per_label * 50:
            tries += 1
            if label == "prose":
                if not prose_pool:
                    break
                p = rng.choice(prose_pool)
                ls = p.splitlines()
                n = selection_lines(rng)
                s = rng.randrange(0, max(1, len(ls) - n + 1))
                snip = "\n".join(ls[s:s + n]) if len(ls) > n else p
                if len(snip) < 40:
                    continue
            else:
                d = rng.choice(by_lang[label])
                snip = window(d["text"], rng)
                if snip is None:
                    continue
                if label == "markdown" and not MD_SYNTAX.search(snip):
                    continue
            got.append({"text": snip, "label": label})
        examples.extend(got)
    rng.shuffle(examples)
    return examples
