"""Builds the training corpus from permissively licensed text present on every machine of this kind.

Sources:
  * the Python 3.11 standard library sources (PSF licence), without test/, tests/, idlelib/idle_test, site-packages;
  * the Swift packages kept as bare git repositories OWNER/NAME.git in the folder $SWIFT_PACKAGES: their Swift sources,
    Markdown/DocC docs, C sources, shell scripts, JSON and YAML files, read from HEAD. A repository is used only when
    its top-level LICENSE file is a permissive licence (Apache-2.0, MIT, BSD, ISC); case-duplicate repositories and
    duplicate files are removed by git blob id.

Each document is one file: {"source", "repo", "path", "lang", "license", "text"}. Train and held-out are split by file
with a seeded hash of "repo/path" (5% held-out), so no file is in both.
"""
import hashlib
import json
import os
import re
import sysconfig
import subprocess
import sys

PY_ROOT = sysconfig.get_paths()["stdlib"]  # the standard library of the Python running this script
SWIFT_ROOT = os.environ.get("SWIFT_PACKAGES", "")
MAX_FILE_BYTES = 400_000
HELDOUT_PERCENT = 5
SPLIT_SEED = "gptls-split-1"

EXT_LANG = {
    ".py": "python", ".swift": "swift", ".c": "c", ".h": "c", ".sh": "shell", ".bash": "shell",
    ".md": "markdown", ".json": "json", ".yml": "yaml", ".yaml": "yaml", ".txt": "prose", ".rst": "prose",
}


def split_of(key):
    h = hashlib.sha256((SPLIT_SEED + ":" + key).encode()).digest()
    return "heldout" if int.from_bytes(h[:4], "big") % 100 < HELDOUT_PERCENT else "train"


def licence_of(text):
    t = text[:3000]
    if "Apache License" in t:
        return "Apache-2.0"
    if "MIT License" in t or "Permission is hereby granted, free of charge" in t:
        return "MIT"
    if "ISC License" in t or "Permission to use, copy, modify, and/or distribute" in t:
        return "ISC"
    if "Redistribution and use in source and binary forms" in t:
        return "BSD"
    return None


def python_docs():
    for dirpath, dirnames, filenames in os.walk(PY_ROOT):
        rel = os.path.relpath(dirpath, PY_ROOT)
        parts = rel.split(os.sep)
        dirnames[:] = sorted(d for d in dirnames if d not in (
            "test", "tests", "idle_test", "site-packages", "__pycache__", "config-3.11-x86_64-linux-gnu", "lib2to3"))
        if any(p in ("test", "tests") for p in parts):
            continue
        for name in sorted(filenames):
            ext = os.path.splitext(name)[1]
            if ext != ".py":
                continue
            path = os.path.join(dirpath, name)
            if os.path.getsize(path) > MAX_FILE_BYTES:
                continue
            with open(path, "rb") as f:
                raw = f.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            relpath = os.path.relpath(path, PY_ROOT)
            yield {"source": "python-stdlib", "repo": "cpython-3.11.7/Lib", "path": relpath, "lang": "python",
                   "license": "PSF-2.0", "text": text}


def git(repo, *args, input=None):
    return subprocess.run(["git", "-C", repo, *args], input=input, capture_output=True, check=True).stdout


def swift_repos():
    if not os.path.isdir(SWIFT_ROOT):
        sys.exit(f"corpus: SWIFT_PACKAGES must name the folder of bare git repositories OWNER/NAME.git "
                 f"(got {SWIFT_ROOT!r})")
    repos = []
    for owner in sorted(os.listdir(SWIFT_ROOT)):
        for name in sorted(os.listdir(os.path.join(SWIFT_ROOT, owner))):
            if name.endswith(".git"):
                repos.append(os.path.join(SWIFT_ROOT, owner, name))
    return repos


def swift_docs(report):
    seen_blobs = set()
    seen_names = set()
    for repo in swift_repos():
        key = os.path.relpath(repo, SWIFT_ROOT)[:-4]
        if key.lower() in seen_names:
            report.append({"repo": key, "used": False, "why": "case duplicate"})
            continue
        seen_names.add(key.lower())
        try:
            tree = git(repo, "ls-tree", "-r", "-l", "HEAD").decode("utf-8", "replace").splitlines()
        except subprocess.CalledProcessError:
            report.append({"repo": key, "used": False, "why": "no HEAD"})
            continue
        entries = []
        lic_blob = None
        for line in tree:
            meta, path = line.split("\t", 1)
            mode, kind, blob, size = meta.split()
            if kind != "blob":
                continue
            if re.fullmatch(r"(LICEN[SC]E|COPYING)(\.txt|\.md)?", path, re.I) and lic_blob is None:
                lic_blob = blob
            entries.append((path, blob, int(size) if size != "-" else 0))
        lic = None
        if lic_blob:
            lic = licence_of(git(repo, "cat-file", "blob", lic_blob).decode("utf-8", "replace"))
        if lic is None:
            report.append({"repo": key, "used": False, "why": "no permissive top-level licence"})
            continue
        wanted = []
        for path, blob, size in entries:
            ext = os.path.splitext(path)[1].lower()
            lang = EXT_LANG.get(ext)
            if lang is None or lang == "prose" or size > MAX_FILE_BYTES or size == 0 or blob in seen_blobs:
                continue
            if ext == ".json" and (os.path.basename(path) == "Package.resolved" or size > 60_000):
                continue
            seen_blobs.add(blob)
            wanted.append((path, blob, lang))
        # batch-read blobs
        data = git(repo, "cat-file", "--batch", input="".join(b + "\n" for _, b, _ in wanted).encode())
        pos = 0
        count = 0
        for path, blob, lang in wanted:
            nl = data.index(b"\n", pos)
            header = data[pos:nl].split()
            size = int(header[2])
            raw = data[nl + 1: nl + 1 + size]
            pos = nl + 1 + size + 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            count += 1
            yield {"source": "swift-packages", "repo": key, "path": path, "lang": lang, "license": lic, "text": text}
        report.append({"repo": key, "used": True, "license": lic, "files": count})


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    report = []
    files = {"train": open(os.path.join(out_dir, "train.jsonl"), "w"),
             "heldout": open(os.path.join(out_dir, "heldout.jsonl"), "w")}
    stats = {}
    listing = []
    for gen in (python_docs(), swift_docs(report)):
        for doc in gen:
            split = split_of(doc["repo"] + "/" + doc["path"])
            doc["split"] = split
            files[split].write(json.dumps(doc) + "\n")
            s = stats.setdefault(split, {}).setdefault(doc["lang"], [0, 0])
            s[0] += 1
            s[1] += len(doc["text"].encode())
            listing.append(f'{split}\t{doc["lang"]}\t{hashlib.sha256(doc["text"].encode()).hexdigest()[:16]}\t{doc["repo"]}/{doc["path"]}')
    for f in files.values():
        f.close()
    with open(os.path.join(out_dir, "repos.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(out_dir, "files.tsv"), "w") as f:
        f.write("\n".join(listing) + "\n")
    with open(os.path.join(out_dir, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "training/out/corpus")
