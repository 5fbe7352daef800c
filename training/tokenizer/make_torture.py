#!/usr/bin/env python3
"""Writes Tests/TokenizerTests/Fixtures/torture.txt: hand-written text meant to break tokenizers.

Invisible and odd characters are written as escapes here so the source stays readable; the committed torture.txt is
the output. Run from the repository root: python3 training/tokenizer/make_torture.py
"""
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

SECTIONS = [
    # Contractions, in every case, and near-misses of the contraction alternatives.
    "I'm sure you're right, it's what we've said; I'll go, he'd know, don't, can't, won't.\n",
    "I'M SURE YOU'RE RIGHT, IT'S WHAT WE'VE SAID; I'LL GO, HE'D KNOW, DON'T, CAN'T.\n",
    "Mixed: I'M, i'M, It'S, We'Ve, they'Re, she'LL, 'sup 'tis 'twas 'dunno 'll 'velvet 'remark 'mm 'x ' 's '\n",
    "Quotes: 'single' \"double\" ''s '''t ’curly’ ‘s’ rock’n’roll o'clock O'Neill ol'\n",
    # Letters of many scripts, with and without a leading space.
    "Latin: café naïve coöperate Ærøskøbing Straße ǅemal ǈ ǋ ﬁnal ﬂow İstanbul ıi\n",
    "Greek: Ελληνικά γλώσσα ΑΒΓ αβγ ς; Cyrillic: Привет, мир! Ёлка ЁЛКА ґ\n",
    "CJK: 日本語のテキスト、中文文本，한국어 텍스트。漢字かなカナ ｶﾀｶﾅ ＡＢＣ１２３\n",
    "RTL: עברית ושלום! العربية مرحبا بالعالم؟ فارسی ۱۲۳ اردو \u200fRLM\u200e LRM \u202eRLO override\u202c\n",
    "Indic: हिन्दी भाषा, বাংলা, தமிழ், ಕನ್ನಡ, ไทยภาษา ລາວ ᠮᠣᠩᠭᠣᠯ ትግርኛ ᏣᎳᎩ\n",
    # Combining marks: letters followed by Mn/Mc marks are not \p{L} marks; marks split pre-tokens.
    "Combining: e\u0301 a\u0300\u0323 n\u0303 Z\u0351\u0352\u0353a\u0354l\u0355g\u0356o\u0357 "
    "\u0301alone x\u20dd 1\u20e3 ק\u05b8 ि\u093f\n",
    # Emoji: modifiers, ZWJ sequences, flags, keycaps, variation selectors.
    "Emoji: 😀 😀😀😀 👍🏽 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 #️⃣ ❤️ ☺︎ 🧑🏿‍🤝‍🧑🏻 🫠 a😀b 1😀2\n",
    "Symbols: © ® ™ € £ ¥ ₹ ∑ ∫ √ ≠ ≤ → ⇒ ∀x∈ℝ ℕ ℤ ℚ ½ ¼ ⅓ ² ³ ¹ ⁴ ₀ ₁ Ⅻ ⅻ ⓐ ① ㊿\n",
    # Digits of many scripts: \p{N} includes Nd, Nl and No.
    "Digits: 0123456789 ٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹ ०१२३४५६७८९ ০১২৩৪৫৬৭৮৯ ๐๑๒๓๔๕๖๗๘๙ ０１２３ 𝟎𝟏𝟐 ⅠⅡⅢⅣ 〇〡〢\n",
    "Numbers: 3.14159 -42 1,000,000 1e-10 0x1F 0b1010 12:30 2024-01-01 v1.2.3 №5 #1 100% $9.99 5x 5th x5\n",
    "Long number: 12345678901234567890123456789012345678901234567890\n",
    # Whitespace: runs of spaces, tabs and newlines, odd Unicode spaces, and non-spaces that look blank.
    "Spaces:  two   three    four     five          ten                    twenty end\n",
    "Tabs:\tone\t\ttwo\t\t\tthree \t mixed\t \t \n",
    "\n\n\nthree newlines above, then CRLF\r\nand CR\rand form feed\x0cand vertical tab\x0bend\n",
    "Odd spaces: a\u00a0b a\u2000b a\u2001b a\u2002b a\u2003b a\u2009b a\u200ab a\u202fb a\u205fb a\u3000b a\u1680b "
    "a\u0085b a\u2028b a\u2029b\n",
    "Not spaces: a\u200bb a\u200cb a\u200db a\u2060b a\ufeffb a\u180eb a\u00adb\n",
    "Space runs before odd spaces: x \u00a0y x  \u3000y x\u00a0 y x \u2003 \u2003 y\n",
    "Trailing spaces at line ends:   \n    \n\t\t\n  \t  \nend\n",
    # Control characters (C0, DEL, C1) and information separators (not White_Space in Unicode).
    "Controls: a\x00b a\x01b a\x07b a\x08b a\x1bb a\x1cb a\x1db a\x1eb a\x1fb a\x7fb a\x80b a\x9fb\n",
    # Punctuation runs, brackets and the special token written as text.
    "Punct: !!! ??? ... --- *** ### @@@ ,,, ;;; ::: !?!? (a) [b] {c} <d> «e» „f“ 「g」 【h】 —dash– …\n",
    "Special text: <|endoftext|> <|endoftext|><|endoftext|> <|startoftext|> <|im_start|>\n",
    "Code: for (int i = 0; i < n; ++i) { a[i] += b[i] * 2; } // comment\n",
    "    def f(self, x: int = 1) -> str:\n        return f\"{x!r:>10}\"  # noqa\n",
    "URLs: https://example.com/path?q=1&r=two#frag mailto:user@example.org C:\\Windows\\System32\n",
    # Scripts outside the Basic Multilingual Plane, surrogate-free in UTF-8.
    "Astral: 𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀𓀁 𐌰𐌱𐌲 𠀀𠀁𠀂 🀄 𝄞\n",
    # Letters that are modifier letters (Lm) or other letters (Lo) and marks that are spacing (Mc).
    "Lm/Lo: ʰʲʷ ˈstress ー々〻 ꜀ ª º ƻ ǀǁǂǃ\n",
    "Private use and noncharacters: \ue000\uf8ff \U000f0000 \ufdd0 \ufffe \uffff end\n",
    "Replacement char: \ufffd \ufffd\ufffd\n",
]


def main():
    text = "".join(SECTIONS)
    # Repeat the whitespace torture with growing runs, which exercise \s+(?!\S) backtracking.
    for n in [1, 2, 3, 7, 16, 33, 64]:
        text += "run" + " " * n + "word" + "\t" * n + "tab" + "\n" * n + "nl" + " " * n + "\n"
        text += "mixed" + " \t" * n + "end" + "\u3000" * n + "ideo" + " " * n + "1" + " " * n + "!\n"
    text += "ends with spaces   "
    with open(os.path.join(ROOT, "Tests/TokenizerTests/Fixtures/torture.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(text)


if __name__ == "__main__":
    main()
