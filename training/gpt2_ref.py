"""GPT-2's own tokenizer (tiktoken) built from the repository's bundled encoder.json / vocab.bpe (no download)."""
import tiktoken
from tiktoken.load import data_gym_to_mergeable_bpe_ranks

from training.tokenizer import GPT2_PAT

GPT2_DIR = "Sources/Tokenizer/Resources/gpt2"


def gpt2_encoding():
    ranks = data_gym_to_mergeable_bpe_ranks(vocab_bpe_file=f"{GPT2_DIR}/vocab.bpe", encoder_json_file=f"{GPT2_DIR}/encoder.json")
    return tiktoken.Encoding(name="gpt2-local", pat_str=GPT2_PAT, mergeable_ranks=ranks,
                             special_tokens={"<|endoftext|>": 50256}, explicit_n_vocab=50257)
