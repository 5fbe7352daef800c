"""Instruction pairs taken from the corpus itself: a Python function/class or a Swift declaration, and the first
sentence of its docstring / `///` doc comment. The doc text is removed from the code shown to the model."""
import ast
import re

INSTRUCTION = "Summarize the following code."
MAX_CODE_LINES = 14
MAX_CODE_CHARS = 600


def format_input(entry):
    """The book's format_input (ch. 7), unchanged."""
    instruction_text = (
        f"Below is an instruction that describes a task. "
        f"Write a response that appropriately completes the request."
        f"\n\n### Instruction:\n{entry['instruction']}"
    )
    input_text = f"\n\n### Input:\n{entry['input']}" if entry["input"] else ""
    return instruction_text + input_text


def prompt_of(entry):
    """The text the model sees before it answers: format_input + the book's response header."""
    return format_input(entry) + "\n\n### Response:\n"


def first_sentence(text):
    text = text.strip()
    para = re.split(r"\n\s*\n", text, maxsplit=1)[0]
    para = " ".join(line.strip() for line in para.splitlines())
    m = re.search(r"^(.+?[.!?])(\s|$)", para)
    s = m.group(1) if m else para
    s = s.strip()
    if len(s) < 12 or len(s) > 200 or s.startswith(("-", ":", "@", "#", ">", "|")):
        return None
    return s


def clip_code(code):
    lines = [l for l in code.splitlines() if l.strip()]
    if not lines:
        return None
    out = "\n".join(lines[:MAX_CODE_LINES])
    return out[:MAX_CODE_CHARS] if len(lines) > 1 else None


def python_pairs(text):
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    lines = text.splitlines()
    pairs = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        doc = ast.get_docstring(node)
        if not doc or not node.body:
            continue
        summary = first_sentence(doc)
        if summary is None:
            continue
        ds = node.body[0]
        start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        seg = lines[start:ds.lineno - 1] + lines[ds.end_lineno:node.end_lineno]
        indent = min((len(l) - len(l.lstrip()) for l in seg if l.strip()), default=0)
        code = clip_code("\n".join(l[indent:] for l in seg))
        if code:
            pairs.append({"instruction": INSTRUCTION, "input": code, "output": summary, "lang": "python"})
    return pairs


DECL = re.compile(r"^\s*(@\w+(\([^)]*\))?\s+)*((public|private|internal|fileprivate|open|package|static|final|class|"
                  r"override|mutating|nonmutating|convenience|required|nonisolated|indirect|lazy|weak|unowned|"
                  r"dynamic|optional|consuming|borrowing|distributed)(\(set\))?\s+)*"
                  r"(func|init|deinit|var|let|struct|class|enum|protocol|actor|typealias|subscript|case|extension)\b")


def swift_pairs(text):
    lines = text.splitlines()
    pairs = []
    i = 0
    while i < len(lines):
        if not lines[i].lstrip().startswith("///"):
            i += 1
            continue
        j = i
        doc = []
        while j < len(lines) and lines[j].lstrip().startswith("///"):
            doc.append(lines[j].lstrip()[3:].strip())
            j += 1
        while j < len(lines) and lines[j].lstrip().startswith("@") and not DECL.match(lines[j]):
            j += 1
        if j < len(lines) and DECL.match(lines[j]):
            summary = first_sentence("\n".join(doc))
            start = j
            depth = 0
            k = j
            seen_brace = False
            while k < len(lines) and k < j + 60:
                depth += lines[k].count("{") - lines[k].count("}")
                seen_brace = seen_brace or "{" in lines[k]
                k += 1
                if (seen_brace and depth <= 0) or (not seen_brace and k - j >= 1 and depth <= 0
                                                   and not lines[k - 1].rstrip().endswith((",", "(", "->"))):
                    break
            seg = [l for l in lines[start:k] if not l.lstrip().startswith("///")]
            indent = min((len(l) - len(l.lstrip()) for l in seg if l.strip()), default=0)
            code = clip_code("\n".join(l[indent:] for l in seg))
            if summary and code:
                pairs.append({"instruction": INSTRUCTION, "input": code, "output": summary, "lang": "swift"})
        i = j + 1
    return pairs


def pairs_of(doc):
    if doc["lang"] == "python":
        return python_pairs(doc["text"])
    if doc["lang"] == "swift":
        return swift_pairs(doc["text"])
    return []
