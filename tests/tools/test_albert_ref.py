"""Tests of the ALBERT reference, its fixtures and the NER data helpers.

    /usr/bin/python3 -m pytest -q tests/tools

Needs torch; reads only committed fixtures (never ../shared).
"""

import copy
import json
import math
import os

import pytest
import torch

import albert_ref
import bio_ner
from safetensors_io import read_safetensors, write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
VARIANTS = ["one_group", "two_groups", "inner_groups"]
# reference.json stores 9 significant digits; float64 recomputation agrees
# to rounding of values of magnitude < 10.
PRINT_TOL = 1e-7


def logits64(model, seq):
  with torch.no_grad():
    return model.double()(torch.tensor([seq["input_ids"]]),
                          torch.tensor([seq["attention_mask"]]),
                          torch.tensor([seq["token_type_ids"]]))[0]


def max_diff(model, ref):
  worst = 0.0
  for seq in ref["sequences"]:
    got = logits64(model, seq)
    want = torch.tensor(seq["logits"], dtype=torch.float64)
    worst = max(worst, (got - want).abs().max().item())
  return worst


def test_degenerate_albert_matches_the_bert_float64_reference():
  with open(os.path.join(FIXTURES, "tiny_random", "reference.json")) as f:
    ref = json.load(f)
  model = albert_ref.from_bert(os.path.join(FIXTURES, "tiny_random"))
  assert max_diff(model, ref) < PRINT_TOL


@pytest.mark.parametrize("variant", VARIANTS)
def test_fixture_reference_reproduces(variant):
  folder = os.path.join(FIXTURES, "albert_tiny_random", variant)
  model = albert_ref.load_pretrained(folder)
  with open(os.path.join(folder, "reference.json")) as f:
    ref = json.load(f)
  assert len(ref["sequences"]) == 8
  assert ref["labels"] == [model.config.id2label[i]
                           for i in range(model.config.num_labels)]
  assert max_diff(model, ref) < PRINT_TOL


def test_inner_groups_unroll_in_group_order():
  """groups 2 x inner 2 over 4 layers runs g0(l0 l1) g0(l0 l1) g1(..) g1(..):
  the same as 8 unshared layers holding those weights in that order."""
  folder = os.path.join(FIXTURES, "albert_tiny_random", "inner_groups")
  model = albert_ref.load_pretrained(folder).double()
  c = copy.copy(model.config)
  c.num_hidden_layers, c.num_hidden_groups, c.inner_group_num = 8, 8, 1
  flat = albert_ref.AlbertForTokenClassification(c).double()
  src = model.state_dict()
  dst = {}
  order = [(0, 0), (0, 1), (0, 0), (0, 1), (1, 0), (1, 1), (1, 0), (1, 1)]
  for k, v in src.items():
    if ".albert_layer_groups." not in k:
      dst[k] = v
      continue
    for flat_group, (g, l) in enumerate(order):
      prefix = "albert.encoder.albert_layer_groups.%d.albert_layers.%d." % (g,
                                                                            l)
      if k.startswith(prefix):
        dst["albert.encoder.albert_layer_groups.%d.albert_layers.0.%s" %
            (flat_group, k[len(prefix):])] = v
  flat.load_state_dict(dst)
  ids = torch.tensor([[2, 40, 41, 200, 3]])
  with torch.no_grad():
    assert torch.allclose(model.eval()(ids), flat.eval()(ids), rtol=0,
                          atol=1e-12)


def test_group_of_layer_follows_hf():
  def groups(layers, n):
    c = albert_ref.Config(num_hidden_layers=layers, num_hidden_groups=n,
                          id2label={"0": "O"})
    return [albert_ref.group_of_layer(c, i) for i in range(layers)]

  assert groups(4, 1) == [0, 0, 0, 0]
  assert groups(4, 2) == [0, 0, 1, 1]
  assert groups(12, 5) == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4]
  # HF's double-precision division: 9 / (18 / 14) = 6.99.. -> 6, where
  # floor(9 * 14 / 18) = 7.
  assert groups(18, 14)[9] == 6
  c = albert_ref.Config(num_hidden_layers=22, num_hidden_groups=22,
                        id2label={"0": "O"})
  assert albert_ref.google_group_of_layer(c, 15) == 14
  assert albert_ref.group_of_layer(c, 15) == 15


def test_activations():
  x = torch.linspace(-6, 6, 241, dtype=torch.float64)
  tanh_ref = torch.nn.functional.gelu(x, approximate="tanh")
  assert torch.allclose(albert_ref.activation("gelu_new")(x), tanh_ref,
                        atol=1e-15)
  assert torch.allclose(albert_ref.activation("gelu")(x),
                        torch.nn.functional.gelu(x), atol=1e-15)
  # The tanh and erf forms differ (by up to ~2e-4 near |x| = 2).
  assert (tanh_ref - torch.nn.functional.gelu(x)).abs().max() > 1e-4
  with pytest.raises(ValueError, match="swish"):
    albert_ref.activation("swish")


def test_load_errors_name_the_problem(tmp_path):
  folder = os.path.join(FIXTURES, "albert_tiny_random", "one_group")
  w = read_safetensors(os.path.join(folder, "model.safetensors"))
  del w["classifier.bias"]
  for name in ("config.json", "vocab.txt"):
    with open(os.path.join(folder, name), "rb") as src:
      (tmp_path / name).write_bytes(src.read())
  write_safetensors(str(tmp_path / "model.safetensors"), w)
  with pytest.raises(ValueError, match="classifier.bias"):
    albert_ref.load_pretrained(str(tmp_path))
  with pytest.raises(ValueError, match="model_type"):
    albert_ref.Config(model_type="bert", id2label={"0": "O"})


@pytest.mark.parametrize("dtype,tol", [("F32", 0), ("F16", 1e-3),
                                       ("BF16", 8e-3)])
def test_safetensors_round_trip(tmp_path, dtype, tol):
  t = {"a": torch.linspace(-2, 2, 12).reshape(3, 4), "b": torch.ones(5)}
  path = str(tmp_path / "m.safetensors")
  write_safetensors(path, t, dtype)
  back = read_safetensors(path)
  for k in t:
    assert back[k].shape == t[k].shape
    assert (back[k] - t[k]).abs().max().item() <= tol * 2


def test_tokenizer_offsets_and_char_tags():
  vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "19", "##66", "年", "mb",
           "##a", "，", "cafe"]
  tok = bio_ner.Tokenizer(vocab)
  text = "1966年，MBA Café xyz"
  got = [(vocab[i], a, b, first) for i, a, b, first in tok.tokenize(text)]
  assert got == [("19", 0, 2, True), ("##66", 2, 4, False),
                 ("年", 4, 5, True), ("，", 5, 6, True), ("mb", 6, 8, True),
                 ("##a", 8, 9, False), ("cafe", 10, 14, True),
                 ("[UNK]", 15, 18, True)]
  tokens = tok.tokenize(text)
  labels = ["B-T", "O", "I-T", "O", "B-E", "I-E", "O", "B-X"]
  tags = bio_ner.char_tags_from_word_labels(list(text), tokens, labels)
  assert tags[:10] == ["B-T", "I-T", "I-T", "I-T", "I-T", "O", "B-E", "I-E",
                       "I-E", "O"]
  assert tags[15:] == ["B-X", "I-X", "I-X"]


def test_spans_and_scores():
  tags = ["B-A", "I-A", "I-B", "O", "I-A", "B-A", "B-A", "I-A"]
  assert bio_ner.spans_from_tags(tags) == [(0, 2, "A"), (2, 3, "B"),
                                           (4, 5, "A"), (5, 6, "A"),
                                           (6, 8, "A")]
  prf = bio_ner.Prf()
  prf.add([(0, 2, "A"), (3, 4, "B")], [(0, 2, "A"), (3, 4, "A"),
                                       (5, 6, "B")])
  p, r, f = prf.scores()
  assert (p, r) == (1 / 3, 1 / 2)
  assert math.isclose(f, 0.4)


def test_windows_cover_every_token():
  tokens = list(range(300))
  w = bio_ner.windows(tokens)
  assert [len(x) for x in w] == [126, 126, 48]
  assert sum(w, []) == tokens
  assert bio_ner.windows([]) == [[]]


def test_padding_is_masked_out():
  folder = os.path.join(FIXTURES, "albert_tiny_random", "two_groups")
  model = albert_ref.load_pretrained(folder).double()
  ids = [2, 40, 41, 200, 3]
  padded = torch.tensor([ids + [0, 0, 0], ids[:3] + [0] * 5])
  mask = torch.tensor([[1] * 5 + [0] * 3, [1] * 3 + [0] * 5])
  with torch.no_grad():
    batch = model(padded, mask)
    alone = model(torch.tensor([ids]))[0]
    short = model(torch.tensor([ids[:3]]))[0]
  assert (batch[0, :5] - alone).abs().max().item() < 1e-12
  assert (batch[1, :3] - short).abs().max().item() < 1e-12


def test_python_eval_reproduces_resume_tiny_reference_f1():
  """bio_ner + train_albert_ner.evaluate follow the reference rules: the
  BERT resume-tiny tagger (as an equivalent ALBERT) scores the F1 its
  README states on Resume dev."""
  shared = os.environ.get("EDGEBERT_SHARED_DIR",
                          os.path.join(HERE, "..", "..", "..", "shared"))
  model_dir = os.path.join(shared, "models", "resume-tiny")
  if not os.path.isdir(model_dir):
    pytest.skip("SKIPPED: %s absent" % model_dir)
  import train_albert_ner
  torch.set_num_threads(1)
  model = albert_ref.from_bert(model_dir)
  tok = bio_ner.Tokenizer(bio_ner.read_vocab(os.path.join(model_dir,
                                                          "vocab.txt")))
  dev = bio_ner.read_bio(os.path.join(shared, "data", "resume_ner",
                                      "dev.char.bio"))
  p, r, f = train_albert_ner.evaluate(model, tok, dev)
  assert (round(f, 4), round(p, 4), round(r, 4)) == (0.7656, 0.7127, 0.8270)
