#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (Fuzz/Corpus/TARGET): small valid inputs of each format, from which
libFuzzer's mutations start. Run from the repository root; the output is committed, so this runs only when a format
or a target's input layout changes. Standard library only."""
import json
import os
import shutil
import struct

ROOT = "Fuzz/Corpus"


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def frame(body):
    if isinstance(body, dict):
        body = json.dumps(body)
    body = body.encode() if isinstance(body, str) else body
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


MESSAGES = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"processId": None, "capabilities": {"general": {"positionEncodings": ["utf-8"]}},
                "initializationOptions": {"maxTokens": 4}}},
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "method": "textDocument/didOpen",
     "params": {"textDocument": {"uri": "file:///a.py", "languageId": "python", "version": 1, "text": "def f(x):\n    "}}},
    {"jsonrpc": "2.0", "method": "textDocument/didChange",
     "params": {"textDocument": {"uri": "file:///a.py", "version": 2}, "contentChanges": [
         {"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 4}}, "text": "r"}]}},
    {"jsonrpc": "2.0", "id": 2, "method": "textDocument/inlineCompletion",
     "params": {"textDocument": {"uri": "file:///a.py"}, "position": {"line": 1, "character": 5},
                "context": {"triggerKind": 2}}},
    {"jsonrpc": "2.0", "id": "s", "method": "gptls/summarize", "params": {"text": "x = 1"}},
    {"jsonrpc": "2.0", "id": 3, "method": "gptls/classify",
     "params": {"textDocument": {"uri": "file:///b.swift"}, "labels": ["python", "swift"]}},
    {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 2}},
    {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {"settings": {"gptls": {"weights": "bf16"}}}},
    {"jsonrpc": "2.0", "id": 4, "method": "workspace/executeCommand",
     "params": {"command": "gptls.summarize", "arguments": [{"textDocument": {"uri": "file:///a.py"}}]}},
    {"jsonrpc": "2.0", "id": 5, "result": {"ok": [1, 2.5, None, True]}},
    {"jsonrpc": "2.0", "id": 6, "error": {"code": -32600, "message": "bad", "data": "x"}},
    {"jsonrpc": "2.0", "id": 7, "method": "shutdown"},
    {"jsonrpc": "2.0", "method": "exit"},
]

# framing: one frame, several in one stream, a frame with extra headers, garbage before a frame.
write("framing", "one", b"\x07" + frame(MESSAGES[0]))
write("framing", "many", b"\x00" + b"".join(frame(m) for m in MESSAGES[:5]))
write("framing", "headers", b"\x03" + b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
      + frame(MESSAGES[1]))
write("framing", "garbage", b"\x10" + b"xx\r\n\r\n" + frame(MESSAGES[7]) + b"Content-Length: 99999999\r\n\r\n")

# decode and json: message bodies.
for index, message in enumerate(MESSAGES):
    write("decode", "message-%02d" % index, json.dumps(message))
write("decode", "batch", json.dumps(MESSAGES[:2]))
write("decode", "no-version", '{"id": 1, "method": "initialize"}')
for index, message in enumerate(MESSAGES[:6]):
    write("json", "message-%02d" % index, json.dumps(message, ensure_ascii=False))
write("json", "numbers", "[0, -0, 1e308, -1.5e-300, 9223372036854775807, -9223372036854775808, 0.1, 1E2]")
write("json", "strings", '["\\u0000", "\\ud83d\\ude00", "caf\u00e9", "\\"\\\\\\/\\b\\f\\n\\r\\t", ""]')
write("json", "nested", "[[[[{\"a\": [{}]}]]]]")

# document: initial text (length byte + UTF-8), then edits; any bytes work.
write("document", "crlf", b"\x20def f():\r\n  x = '\xc3\xa9'\r\r\n\xf0\x9f\x98\x80\n" + bytes([1, 1, 1, 2, 5, 1, 0, 3, 3, 66, 67, 68]))
write("document", "replace", b"\x05hello" + bytes([0, 0, 9]) + "a\nb\u00e9\U0001F600c".encode() + bytes([2, 1, 0, 0, 9, 9, 1, 65]))

# handlers: bytes as SessionScript reads them: an opening byte (non-zero: initialize + initialized), then per
# message an op byte and its fields (2 didOpen, 3 didChange, 4 inline completion, 6 completion, 7 summarize,
# 8 classify, 9 cancel, 11 status, 14 shutdown/exit/..., 15 raw JSON params).
text = b"def f(x):\n    "
opened = bytes([1, 2, 0, 0, 1, len(text)]) + text
inline = bytes([4, 2, 0, 1, 4, 1, 1])
write("handlers", "complete", opened + inline + bytes([6, 0, 1, 4, 1, 1, 3, 0, 2, 0, 2, 1, 4, 1, 4, 1]) + b"r" + inline)
write("handlers", "tasks", opened + bytes([7, 1, 0, 1, 1, 8, 0, 5]) + b"x = 1" + bytes([1, 1, 1, 11, 1, 1])
      + bytes([12, 0, 2, 0, 0, 0, 0, 1, 1, 1, 13, 0, 0, 0, 1, 1, 1, 1]))
write("handlers", "cancel", opened + inline + bytes([9, 1]) + inline + bytes([10, 1, 1, 1, 1, 1, 1, 1]) + inline
      + bytes([14, 0, 0, 0, 0, 1, 1]) + inline)
write("handlers", "raw", bytes([1, 15, 2, 80]) + b'{"textDocument": {"uri": "file:///a.py"}, "position": {"line": 0}, "context": {}}'
      + bytes([15, 0, 40]) + b'{"processId": null, "capabilities": {}}' + bytes([0]))

# safetensors: a tiny Hugging Face GPT-2 (C 4, 2 heads, 1 layer, 8 positions, 16 tokens) and a book-named one.
def safetensors(tensors):
    header, offset, blobs = {}, 0, []
    for name, shape in tensors:
        count = 1
        for d in shape:
            count *= d
        blob = struct.pack("<%df" % count, *[((i * 7) % 13 - 6) / 10 for i in range(count)])
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


C, V, P, F = 4, 16, 8, 16
hf = [("wte.weight", [V, C]), ("wpe.weight", [P, C]),
      ("h.0.ln_1.weight", [C]), ("h.0.ln_1.bias", [C]), ("h.0.attn.c_attn.weight", [C, 3 * C]),
      ("h.0.attn.c_attn.bias", [3 * C]), ("h.0.attn.c_proj.weight", [C, C]), ("h.0.attn.c_proj.bias", [C]),
      ("h.0.ln_2.weight", [C]), ("h.0.ln_2.bias", [C]), ("h.0.mlp.c_fc.weight", [C, F]), ("h.0.mlp.c_fc.bias", [F]),
      ("h.0.mlp.c_proj.weight", [F, C]), ("h.0.mlp.c_proj.bias", [C]), ("ln_f.weight", [C]), ("ln_f.bias", [C])]
write("safetensors", "hf-lm", safetensors(hf))
write("safetensors", "hf-cls", safetensors(hf + [("score.weight", [2, C])]))
book = [("tok_emb.weight", [V, C]), ("pos_emb.weight", [P, C]),
        ("trf_blocks.0.att.W_query.weight", [C, C]), ("trf_blocks.0.att.W_key.weight", [C, C]),
        ("trf_blocks.0.att.W_value.weight", [C, C]), ("trf_blocks.0.att.out_proj.weight", [C, C]),
        ("trf_blocks.0.att.out_proj.bias", [C]), ("trf_blocks.0.ff.layers.0.weight", [F, C]),
        ("trf_blocks.0.ff.layers.0.bias", [F]), ("trf_blocks.0.ff.layers.2.weight", [C, F]),
        ("trf_blocks.0.ff.layers.2.bias", [C]), ("trf_blocks.0.norm1.scale", [C]), ("trf_blocks.0.norm1.shift", [C]),
        ("trf_blocks.0.norm2.scale", [C]), ("trf_blocks.0.norm2.shift", [C]), ("final_norm.scale", [C]),
        ("final_norm.shift", [C]), ("out_head.weight", [V, C])]
write("safetensors", "book", safetensors(book))
write("safetensors", "empty-header", struct.pack("<Q", 2) + b"{}")

# pth: the small fixtures of the loader's tests (torch.save files, hostile ones included).
for name in ["dtypes", "hostile_eval", "hostile_huge_entry", "hostile_inst_opcode", "hostile_missing_storage",
             "hostile_negative_shape", "hostile_not_a_zip", "hostile_overflow_shape", "hostile_short_storage_entry",
             "hostile_storage_offset", "hostile_unknown_global", "hostile_unknown_opcode", "hostile_zip_bomb"]:
    shutil.copyfile("Tests/ModelTestSupport/Fixtures/pth/%s.pth" % name, os.path.join(ROOT, "pth", name))


# vocabulary: form byte, two-byte length of the first file, then the files (see fuzz-vocabulary).
def byte_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


table = byte_unicode()
tokens = [table[b] for b in range(256)]
merges = [("Ġ", "t"), ("d", "e"), ("de", "f"), ("Ġ", "x")]
vocab = {t: i for i, t in enumerate(tokens)}
for a, b in merges:
    vocab[a + b] = len(vocab)
vocab["<|endoftext|>"] = len(vocab)
vocab_json = json.dumps(vocab, ensure_ascii=False).encode()
merges_txt = ("#version: 0.2\n" + "".join("%s %s\n" % m for m in merges)).encode()
pair = lambda form, first, second: bytes([form]) + struct.pack("<H", len(first)) + first + second
write("vocabulary", "merge-list", pair(1, vocab_json, merges_txt))
write("vocabulary", "openai", pair(2, vocab_json, merges_txt))
tokenizer_json = json.dumps({
    "version": "1.0", "added_tokens": [{"id": vocab["<|endoftext|>"], "content": "<|endoftext|>", "special": True}],
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
    "model": {"type": "BPE", "vocab": vocab, "merges": ["%s %s" % m for m in merges]}}, ensure_ascii=False).encode()
write("vocabulary", "tokenizer-json", bytes([0, 0, 0]) + tokenizer_json)
import base64
ranks = b"".join(base64.b64encode(bytes([b])) + b" %d\n" % b for b in range(256))
ranks += base64.b64encode(b" t") + b" 256\n" + base64.b64encode(b"de") + b" 257\n"
write("vocabulary", "tiktoken", bytes([3, 0, 0]) + ranks)

# manifest: the bundled model's, one with an endpoint, one with everything optional.
write("manifest", "bundled", open("models/default/manifest.json", "rb").read())
write("manifest", "endpoint", json.dumps({"format": "gptls-manifest-1", "tokenizer": {"vocab": "v", "merges": "m"},
      "tasks": {"completion": {"endpoint": "http://127.0.0.1:1/v1", "model": "m", "context_tokens": 64},
                "summarize": {"weights": "/s.safetensors", "heads": 2}}}))
write("manifest", "classifier", json.dumps({"format": "gptls-manifest-1", "heads": 4, "tasks": {
    "completion": {"weights": "c.pth"}, "classify": {"weights": "k", "labels": ["a", "b"], "max_tokens": 8,
                                                     "pad_to_max_tokens": True, "pad_token_id": 3}}}))

# remote: task byte (0 completion, 1 with a stop rule, 2 with a deadline, 3 supersedes, 4-5 summary, 6-7 classify),
# cancel byte, lines byte, label-set byte, then the engine's replies separated by #REPLY#, each led by its mode byte
# (0 raw HTTP, 1 event stream, 2 JSON with a status byte, 3 cut, 4 stall, 5 close); see fuzz-remote/ReplyScript.
def piece(text, finish=None):
    return "data: " + json.dumps({"choices": [{"index": 0, "text": text, "finish_reason": finish}]}) + "\n\n"


def replies(*parts):
    return b"#REPLY#".join(p if isinstance(p, bytes) else p.encode() for p in parts)


stream = "\x01" + piece("(x") + piece("):\n") + piece("", "length") + "data: [DONE]\n\n"
probe = {"choices": [{"text": "The quick brown fox jumps over the lazy dog. The cat",
                      "logprobs": {"text_offset": [0, 44], "token_logprobs": [None, -2.0],
                                   "top_logprobs": [None, {" The": -1.0}]}}]}
scored = {"choices": [{"text": "x", "logprobs": {"text_offset": [0, 5, 9], "token_logprobs": [None, -0.5, -1.0]}}]}
write("remote", "stream", bytes([0, 0, 0, 0]) + replies(stream))
write("remote", "stop-rule", bytes([1, 0, 0, 0]) + replies(stream))
write("remote", "supersede", bytes([3, 0, 0, 0]) + replies(stream, "\x05", "\x04" + piece("a")))
write("remote", "summary", bytes([4, 0, 3, 0]) + replies(stream))
write("remote", "status-500", bytes([0, 0, 0, 0]) + replies("\x02\x0c" + json.dumps({"error": {"message": "oom"}})))
write("remote", "classify", bytes([6, 0, 0, 1]) + replies("\x02\x00" + json.dumps(probe), "\x02\x00" + json.dumps(scored)))
write("remote", "chunked", bytes([0, 0, 0, 0]) + replies(
    b"\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + piece("abcd").encode()[:16] + b"\r\n0\r\n\r\n"))
# Inputs that found a bug (the URLSession cancel trap; see RemoteFaultTests), kept as regression seeds.
write("remote", "crash-cancel-as-connection-closes", bytes([0x0a, 0x5e]))
write("remote", "crash-stop-rule-as-connection-closes", bytes([0x01]))
