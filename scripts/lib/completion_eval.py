"""The measures and the held-out sample of scripts/bench/eval-completion: which code, which cursor positions, what
is hidden, and how a suggestion is scored against it (exact match, edit similarity, characters a user accepting it
would not have typed, bootstrap confidence intervals). No server here: the command drives gptls.
"""
import os
import random
import sysconfig

# Standard-library packages that training/corpus.py leaves out of the bundled model's corpus (it skips lib2to3/,
# test/ and idlelib/idle_test/), so the model never saw them. Each directory is one project: its other files are
# the workspace an editor would have open.
HELD_OUT_PACKAGES = ["lib2to3", "lib2to3/fixes", "lib2to3/pgen2"]

# Lines shorter than this (after indentation) give too little to complete.
MIN_LINE_CHARACTERS = 8
# The multi-line variant hides at most this many lines after the cursor's.
MAX_BLOCK_LINES = 8


def stdlib_root():
    """The standard library of the Python running this script."""
    return sysconfig.get_paths()["stdlib"]


def project_files(directory):
    """The .py files of one package directory, in name order (not its subdirectories)."""
    names = sorted(n for n in os.listdir(directory) if n.endswith(".py"))
    return [os.path.join(directory, n) for n in names]


def indentation(line):
    return len(line) - len(line.lstrip(" \t"))


def hidden_block(lines, index, column):
    """The rest of line `index` from `column`, and the lines after it that stay in the block as the server's
    multi-line rule ends it: up to a blank line or a line indented less than the block (the cursor's line, or the
    first new line where that is deeper), at most MAX_BLOCK_LINES."""
    block = indentation(lines[index])
    text = lines[index][column:]
    first = True
    for line in lines[index + 1:index + 1 + MAX_BLOCK_LINES]:
        if not line.strip() or indentation(line) < block:
            break
        if first:
            block = max(block, indentation(line))
            first = False
        text += "\n" + line
    return text


def sample_positions(paths, count, seed, variant):
    """`count` cursor positions over `paths` (seeded): files drawn in turn from a seeded shuffle, a code line of at
    least MIN_LINE_CHARACTERS drawn in each, the cursor between its indentation and its last character. Each sample
    is a dict: path, offset (characters), hidden (the text removed), before, after (the document as opened)."""
    rng = random.Random(seed)
    texts = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            texts[path] = f.read()
    order = sorted(paths)
    rng.shuffle(order)
    samples, attempts = [], 0
    while len(samples) < count and attempts < count * 50:
        path = order[attempts % len(order)]
        attempts += 1
        lines = texts[path].split("\n")
        candidates = [i for i, line in enumerate(lines)
                      if len(line.strip()) >= MIN_LINE_CHARACTERS and not line.lstrip().startswith("#")]
        if not candidates:
            continue
        index = rng.choice(candidates)
        line = lines[index]
        column = rng.randrange(indentation(line), len(line.rstrip()))
        hidden = line[column:] if variant == "line" else hidden_block(lines, index, column)
        hidden = hidden.rstrip()
        if not hidden.strip():
            continue
        start = sum(len(l) + 1 for l in lines[:index]) + column
        text = texts[path]
        samples.append({"path": path, "line": index, "column": column, "hidden": hidden,
                        "before": text[:start], "after": text[start + len(hidden):]})
    return samples


def levenshtein(a, b):
    """Edits (insert, delete, substitute one character) that turn `a` into `b`."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def edit_similarity(suggestion, truth):
    """1 - Levenshtein distance / the longer length; 1 when both are empty."""
    longest = max(len(suggestion), len(truth))
    return 1.0 if longest == 0 else 1.0 - levenshtein(suggestion, truth) / longest


def common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def unwanted_characters(suggestion, truth):
    """Characters of the suggestion past the point where it leaves what the user meant to type: what they delete
    after accepting it."""
    return len(suggestion) - common_prefix(suggestion, truth)


def score(suggestion, truth):
    """The per-sample measures of one suggestion (None: nothing shown) against the hidden text."""
    shown = (suggestion or "").rstrip()
    return {"exact": float(shown == truth), "similarity": edit_similarity(shown, truth),
            "unwanted": float(unwanted_characters(shown, truth)), "saved": float(common_prefix(shown, truth))}


def percentile(values, fraction):
    """The value at `fraction` of the sorted values (nearest rank below); None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))]


def mean(values):
    return sum(values) / len(values) if values else None


def bootstrap(values, statistic, rounds, seed):
    """`statistic` of `values` and its 95% bootstrap interval (percentile method, `rounds` resamples, seeded)."""
    if not values:
        return {"value": None, "low": None, "high": None}
    rng = random.Random(seed)
    n = len(values)
    estimates = sorted(statistic([values[rng.randrange(n)] for _ in range(n)]) for _ in range(rounds))
    return {"value": statistic(values), "low": estimates[int(0.025 * (rounds - 1))],
            "high": estimates[int(0.975 * (rounds - 1))]}


def paired_difference(a, b, rounds, seed):
    """Mean of b - a over the same samples, with its 95% bootstrap interval (the samples resampled together)."""
    return bootstrap([y - x for x, y in zip(a, b)], mean, rounds, seed)


def self_check():
    """Checks the measures on cases worked out by hand; raises AssertionError on the first that fails."""
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3 and levenshtein("abc", "") == 3 and levenshtein("same", "same") == 0
    assert edit_similarity("", "") == 1.0
    assert abs(edit_similarity("kitten", "sitting") - (1 - 3 / 7)) < 1e-12
    assert edit_similarity("abc", "xyz") == 0.0
    assert unwanted_characters("return x + 1", "return y") == 5
    assert unwanted_characters("ret", "return y") == 0
    assert score(None, "x") == {"exact": 0.0, "similarity": 0.0, "unwanted": 0.0, "saved": 0.0}
    assert score("abc  ", "abc")["exact"] == 1.0
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3 and percentile([], 0.5) is None
    constant = bootstrap([2.0] * 20, mean, 200, 1)
    assert constant == {"value": 2.0, "low": 2.0, "high": 2.0}
    spread = bootstrap([float(i % 2) for i in range(200)], mean, 1000, 1)
    assert spread["low"] < 0.5 < spread["high"] and spread["high"] - spread["low"] < 0.2, spread
    assert bootstrap([1.0, 2.0], mean, 50, 7) == bootstrap([1.0, 2.0], mean, 50, 7), "seeded"
    difference = paired_difference([0.0] * 50, [1.0] * 50, 100, 3)
    assert difference["value"] == difference["low"] == difference["high"] == 1.0
    lines = ["def f(x):", "    if x:", "        a = 1", "        b = 2", "", "    return x"]
    assert hidden_block(lines, 1, 8) == ":\n        a = 1\n        b = 2"
    assert hidden_block(lines, 2, 12) == "1\n        b = 2"
    assert hidden_block(lines, 5, 11) == "x"
