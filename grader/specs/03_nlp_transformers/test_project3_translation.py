"""Spec for 03_nlp_transformers/project3_translation.py: tokenisation, vocabularies and padding, masks, multi-head
attention against torch.nn.MultiheadAttention, the transformer's causality and padding invariance, greedy decoding,
then training on numbers-translation (English -> French) graded by sacrebleu corpus BLEU on the test split."""

from __future__ import annotations

import time

import pytest
import sacrebleu
import torch
import torch.nn as nn

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

PAD, BOS, EOS, UNK = 0, 1, 2, 3
BLEU_THRESHOLD = 85.0
N_TEST = 500


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_tokenize_round_trip(learner):
    """tokenize splits hyphens and commas off ('twenty-one thousand,' -> twenty - one thousand ,), and
    detokenize(tokenize(s)) == s for 300 English and French sentences of the pack."""
    got = learner.tokenize("twenty-one thousand, and five")
    assert_equal(list(got), ["twenty", "-", "one", "thousand", ",", "and", "five"], name="tokenize(...)",
                 hint="words, with '-' and ',' as tokens of their own (e.g. re.findall(r'\\w+|[^\\w\\s]', text))")
    for en, fr in data.load("numbers-translation", split="valid")[:300]:
        for s in (en, fr):
            back = learner.detokenize(learner.tokenize(s))
            check(back == s, f"detokenize(tokenize({s!r})) = {back!r}",
                  hint="join with spaces, then glue '-' to both neighbours and ',' to the word before")


def test_vocab_and_encode_batch(learner):
    """Vocab puts <pad>, <bos>, <eos>, <unk> at 0-3, maps unknown words to UNK; encode_batch right-pads with PAD and
    wraps rows in BOS ... EOS when asked."""
    vocab = learner.Vocab(["one two", "two three-four"])
    check(len(vocab) == 4 + 5, f"the vocabulary has {len(vocab)} entries; expected 4 specials + 5 tokens "
          "(one, two, three, -, four)", hint="special tokens first, then each distinct token once")
    ids = vocab.encode("two zebra")
    check(ids[1] == UNK and ids[0] >= 4, f"vocab.encode('two zebra') = {ids}",
          hint="known words map to ids >= 4, unknown words to UNK = 3")
    assert_equal(vocab.decode(vocab.encode("three-four one")), "three-four one", name="decode(encode(...))",
                 hint="decode drops special tokens and detokenizes")
    batch = learner.encode_batch(["one", "two three-four"], vocab, True)
    assert_shape(batch, (2, 6), name="encode_batch(..., add_bos_eos=True)",
                 hint="the longest row is BOS two three - four EOS = 6 ids")
    check(batch.dtype == torch.long, f"encode_batch returned {batch.dtype}", hint="token ids are torch.long")
    assert_equal(batch[0].tolist(), [BOS, vocab.encode("one")[0], EOS, PAD, PAD, PAD], name="row 0",
                 hint="BOS, the ids, EOS, then PAD on the RIGHT")
    plain = learner.encode_batch(["one", "two three-four"], vocab, False)
    assert_shape(plain, (2, 4), name="encode_batch(..., add_bos_eos=False)")


def test_masks(learner):
    """causal_mask(4) is the lower triangle (True = may attend); padding_mask is True at real tokens."""
    assert_equal(learner.causal_mask(4), torch.tril(torch.ones(4, 4, dtype=torch.bool)), name="causal_mask(4)",
                 hint="position i may attend to j <= i: torch.tril of ones (True on and below the diagonal)")
    assert_equal(learner.padding_mask(torch.tensor([[5, 6, 0], [7, 0, 0]])),
                 torch.tensor([[True, True, False], [True, False, False]]), name="padding_mask",
                 hint="True where ids != PAD")


@pytest.mark.points(2)
def test_multihead_attention_matches_torch(learner):
    """MultiHeadAttention(32, 4) equals torch.nn.MultiheadAttention with the same weights (q/k/v/out projections), for
    cross-attention with a key padding mask and self-attention with a causal mask."""
    torch.manual_seed(0)
    mha = learner.MultiHeadAttention(32, 4)
    ref = nn.MultiheadAttention(32, 4, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([mha.q_proj.weight, mha.k_proj.weight, mha.v_proj.weight]))
        ref.in_proj_bias.copy_(torch.cat([mha.q_proj.bias, mha.k_proj.bias, mha.v_proj.bias]))
        ref.out_proj.weight.copy_(mha.out_proj.weight)
        ref.out_proj.bias.copy_(mha.out_proj.bias)
    xq = torch.randn(2, 5, 32, generator=_gen(1))
    xkv = torch.randn(2, 7, 32, generator=_gen(2))
    keep = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])  # (B, S): the second source is padded
    got = mha(xq, xkv, keep[:, None, None, :])
    want, _ = ref(xq, xkv, xkv, key_padding_mask=~keep, need_weights=False)
    hint = ("split d_model into H heads of d_head = d_model / H, scale the scores by 1 / sqrt(d_head) (not d_model), "
            "masked_fill(~mask, -inf) before the softmax, concatenate the heads and apply out_proj")
    assert_shape(got, (2, 5, 32), name="MHA output", hint="(B, T_q, d_model)")
    assert_close(got, want, atol=1e-5, rtol=1e-4, name="cross-attention with a padding mask", hint=hint)
    causal = torch.tril(torch.ones(5, 5, dtype=torch.bool))
    got = mha(xq, xq, causal[None, None])
    want, _ = ref(xq, xq, xq, attn_mask=~causal, need_weights=False)
    assert_close(got, want, atol=1e-5, rtol=1e-4, name="self-attention with a causal mask",
                 hint="True in the mask means 'may attend'; torch's boolean attn_mask means the opposite. " + hint)


def test_no_library_attention(learner):
    """The Transformer is built from your own attention (no nn.MultiheadAttention or nn.Transformer* modules inside)
    and its forward pass gives (B, T, tgt_vocab) logits."""
    model = learner.Transformer(20, 30, d_model=32, n_heads=4, n_layers=2, d_ff=64, max_len=32, dropout=0.0)
    banned = (nn.MultiheadAttention, nn.Transformer, nn.TransformerEncoder, nn.TransformerDecoder,
              nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)
    used = sorted({type(m).__name__ for m in model.modules() if isinstance(m, banned)})
    check(not used, f"the model contains {used}", hint="write the attention and the blocks yourself (the project's point)")
    with torch.no_grad():
        logits = model.eval()(torch.tensor([[5, 6, 7]]), torch.tensor([[BOS, 4]]))
    assert_shape(logits, (1, 2, 30), name="model(src (1, 3), tgt_in (1, 2))", hint="logits are (B, T, tgt_vocab)")


@pytest.mark.points(2)
def test_transformer_causal_and_padding(learner):
    """Logits at step t ignore decoder inputs after t (causal mask); appending PAD to the source or to the decoder input
    leaves the logits of the real positions unchanged (padding masks in encoder self-attention and cross-attention)."""
    torch.manual_seed(0)
    model = learner.Transformer(20, 30, d_model=32, n_heads=4, n_layers=2, d_ff=64, max_len=32, dropout=0.0).eval()
    src = torch.tensor([[5, 6, 7, 8, 9], [10, 11, 12, PAD, PAD]])
    tgt_in = torch.tensor([[BOS, 4, 5, 6, 7, 8], [BOS, 9, 10, 11, 12, 13]])
    with torch.no_grad():
        logits = model(src, tgt_in)
        assert_shape(logits, (2, 6, 30), name="logits", hint="(B, T, tgt_vocab)")
        changed = tgt_in.clone()
        changed[:, 3:] = 20
        assert_close(model(src, changed)[:, :3], logits[:, :3], atol=1e-5, name="logits[:, :3] after changing tgt_in[:, 3:]",
                     hint="the decoder self-attention needs the causal mask: position i may only see positions <= i")
        src_padded = torch.cat([src, torch.full((2, 3), PAD)], dim=1)
        assert_close(model(src_padded, tgt_in), logits, atol=1e-5, name="logits with 3 extra PAD source columns",
                     hint="mask source padding in the encoder's self-attention AND in the decoder's cross-attention")
        tgt_padded = torch.cat([tgt_in, torch.full((2, 2), PAD)], dim=1)
        assert_close(model(src, tgt_padded)[:, :6], logits, atol=1e-5, name="logits with 2 extra PAD decoder columns",
                     hint="padding at the END of the decoder input must not change the earlier positions")


class _Scripted:
    """A fake model for greedy_decode: row b emits SCRIPT[b] token by token, then junk (9) forever."""

    SCRIPT = [[5, 6, EOS], [7, EOS], [8, 8, 8, 8, 8, 8, 8]]

    def __init__(self):
        self.calls = 0

    def encode(self, src, src_mask):
        return torch.zeros(src.shape[0], src.shape[1], 4)

    def decode(self, tgt_in, memory, src_mask):
        self.calls += 1
        check(bool((tgt_in[:, 0] == BOS).all()), f"greedy_decode called decode with first column {tgt_in[:, 0].tolist()}",
              hint="generation starts from a column of BOS")
        B, T = tgt_in.shape
        logits = torch.zeros(B, T, 10)
        for b in range(B):
            for t in range(T):
                script = self.SCRIPT[b]
                logits[b, t, script[t] if t < len(script) else 9] = 5.0
        return logits


def test_greedy_decode_scripted(learner):
    """With a scripted model, greedy_decode returns each row's tokens up to (not including) EOS, without BOS, ignores what
    a finished row would say next, and stops after max_len tokens for a row that never ends."""
    fake = _Scripted()
    src = torch.tensor([[4, 5], [6, PAD], [7, 8]])
    got = learner.greedy_decode(fake, src, 4)
    got = [[int(t) for t in r] for r in got]
    check(got == [[5, 6], [7], [8, 8, 8, 8]], f"greedy_decode(scripted, max_len=4) returned {got}; expected "
          "[[5, 6], [7], [8, 8, 8, 8]]",
          hint="append the argmax of the LAST position's logits each step; cut each row at its first EOS and drop "
               "the EOS; a row without EOS keeps max_len tokens")
    check(fake.calls <= 4, f"decode was called {fake.calls} times for max_len=4", hint="at most max_len decoding steps")


@pytest.mark.points(5)
def test_translation_bleu(learner, seed):
    """Trained by train_translation(train split, seed) and decoded greedily by translate, the model's corpus BLEU
    (sacrebleu) on 500 held-out test numbers is above 85."""
    train = data.load("numbers-translation", split="train")
    test = data.load("numbers-translation", split="test")[:N_TEST]
    start = time.perf_counter()
    translator = learner.train_translation(train, seed=seed)
    trained = time.perf_counter() - start
    hyps = learner.translate(translator, [en for en, _ in test])
    check(len(hyps) == len(test), f"translate returned {len(hyps)} strings for {len(test)} sentences",
          hint="one translation per input sentence, in order")
    bleu = sacrebleu.corpus_bleu(list(hyps), [[fr for _, fr in test]]).score
    exact = sum(h == fr for h, (_, fr) in zip(hyps, test)) / len(test)
    examples = "; ".join(f"{en!r} -> {h!r} (want {fr!r})" for h, (en, fr) in list(zip(hyps, test))[:3])
    check(bleu > BLEU_THRESHOLD, f"corpus BLEU {bleu:.1f} (exact matches {exact:.1%}, training took {trained:.0f} s); "
          f"expected > {BLEU_THRESHOLD}. Examples: {examples}",
          hint="check the masks (causal in the decoder, padding everywhere), teacher forcing (inputs tgt[:, :-1], labels "
               "tgt[:, 1:], ignore_index=PAD), the learning rate (about 1e-3 to 3e-3 with AdamW) and that decoding "
               "stops at EOS")
