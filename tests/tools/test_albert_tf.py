"""Tests of the TF1 ALBERT checkpoint fixtures (write_albert_tf_checkpoint.py).

    /usr/bin/python3 -m pytest -q tests/tools

Skipped (visibly) without numpy / python3-snappy.
"""

import filecmp
import json
import os
import pickle
import re
import subprocess
import sys

import pytest
import torch

np = pytest.importorskip("numpy")
pytest.importorskip("snappy")

import albert_ref  # noqa: E402
import albert_zh_ref  # noqa: E402
import tf_bundle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "albert_tiny_random")
PRINT_TOL = 1e-7


def read_tf(folder):
  out = {}
  for name, (dtype, shape, data) in tf_bundle.read_bundle(
      os.path.join(folder, "model.ckpt-1000")).items():
    arr = np.frombuffer(data, tf_bundle.DTYPES[dtype]).reshape(shape)
    out[name] = torch.from_numpy(arr.copy())
  return out


def hf_name(tf_name):
  """TF ALBERT name -> HF name by the renaming rules of transformers'
  load_tf_weights_in_albert (None for variables HF does not load)."""
  name = tf_name
  for a, b in (("ffn_1", "ffn"), ("bert/", "albert/"),
               ("attention_1", "attention"), ("transform/", ""),
               ("LayerNorm_1", "full_layer_layer_norm"),
               ("LayerNorm", "attention/LayerNorm"), ("transformer/", ""),
               ("intermediate/dense/", ""),
               ("ffn/intermediate/output/dense/", "ffn_output/"),
               ("/output/", "/"), ("/self/", "/"),
               ("embeddings/attention", "embeddings"),
               ("inner_group_", "albert_layers/"),
               ("group_", "albert_layer_groups/")):
    name = name.replace(a, b)
  if "pooler" in name or name in ("global_step", "output_weights",
                                  "output_bias"):
    return None
  name = re.sub(r"/(kernel|gamma)$", "/weight", name)
  name = re.sub(r"/beta$", "/bias", name)
  if name.endswith("_embeddings"):
    name += "/weight"
  return name.replace("/", ".")


def logits_from_head(hidden, tf, num_labels):
  """HF-label logits from the TF softmax head (row 0 = padding)."""
  w = tf["output_weights"][1:1 + num_labels].double()
  b = tf["output_bias"][1:1 + num_labels].double()
  return hidden @ w.T + b


def check_reference(encode, tf, ref):
  worst = 0.0
  for s in ref["sequences"]:
    with torch.no_grad():
      hidden = encode(s)
    got = logits_from_head(hidden, tf, len(ref["labels"]))
    want = torch.tensor(s["logits"], dtype=torch.float64)
    worst = max(worst, (got - want).abs().max().item())
  assert worst < PRINT_TOL


def test_google_names_load_by_hf_rules_and_reproduce_the_reference():
  folder = os.path.join(FIXTURES, "tf_google_inner_groups")
  tf = read_tf(folder)
  hf = albert_ref.load_pretrained(os.path.join(FIXTURES, "inner_groups"))
  state = {}
  for name, t in tf.items():
    target = hf_name(name)
    if target is not None:
      state[target] = t.T if name.endswith("/kernel") else t
  expected = {k for k in hf.state_dict() if not k.startswith("classifier.")}
  assert set(state) == expected
  model = albert_ref.AlbertForTokenClassification(hf.config)
  state["classifier.weight"] = hf.classifier.weight.detach()
  state["classifier.bias"] = hf.classifier.bias.detach()
  model.load_state_dict(state)
  model = model.double().eval()

  def encode(s):
    x = model.albert.embeddings(torch.tensor([s["input_ids"]]),
                                torch.tensor([s["token_type_ids"]]))
    return model.albert.encoder(x, 0.0)[0]

  with open(os.path.join(FIXTURES, "inner_groups", "reference.json")) as f:
    check_reference(encode, tf, json.load(f))
  with open(os.path.join(folder, "albert_config.json")) as f:
    config = json.load(f)
  assert (config["num_hidden_groups"], config["inner_group_num"],
          config["embedding_size"], config["hidden_act"]) == (2, 2, 16,
                                                              "gelu")
  with open(os.path.join(folder, "label2id.pkl"), "rb") as f:
    label2id = pickle.load(f)
  assert sorted(label2id.values()) == list(range(1, 9))


def test_albert_zh_names_reproduce_the_reference():
  folder = os.path.join(FIXTURES, "tf_albert_zh")
  tf = read_tf(folder)
  assert "bert/encoder/embedding_hidden_mapping_in/kernel" not in tf
  assert list(tf["bert/embeddings/word_embeddings_2"].shape) == [16, 32]
  assert list(tf["bert/embeddings/position_embeddings"].shape) == [64, 32]
  assert not [n for n in tf if "/layer_" in n and "layer_shared" not in n]
  with open(os.path.join(FIXTURES, "one_group", "config.json")) as f:
    hf = json.load(f)
  del hf["architectures"], hf["label2id"]
  model = albert_zh_ref.AlbertZhEncoder(albert_ref.Config(**hf))
  names = albert_zh_ref.tf_names(model)
  assert set(names) <= set(tf)
  # Invert tf_names by identity of the tensors it returns.
  params = dict(model.state_dict(keep_vars=True))
  state = {}
  for tf_name, t in names.items():
    for torch_name, p in params.items():
      if t.data_ptr() == p.data_ptr():
        state[torch_name] = (tf[tf_name].T if tf_name.endswith("/kernel")
                             else tf[tf_name])
  assert set(state) == set(params)
  model.load_state_dict(state)
  model = model.double().eval()

  def encode(s):
    return model(torch.tensor([s["input_ids"]]),
                 torch.tensor([s["attention_mask"]]),
                 torch.tensor([s["token_type_ids"]]))[0]

  with open(os.path.join(folder, "reference.json")) as f:
    check_reference(encode, tf, json.load(f))


def test_writer_reproduces_the_committed_fixtures(tmp_path):
  tool = os.path.join(HERE, "write_albert_tf_checkpoint.py")
  runs = {"tf_google_inner_groups": ["google", "--hf",
                                     os.path.join(FIXTURES, "inner_groups"),
                                     "--snappy"],
          "tf_albert_zh": ["albert-zh"]}
  for name, args in runs.items():
    out = str(tmp_path / name)
    subprocess.run([sys.executable, tool] + args + ["--out", out],
                   check=True)
    committed = os.path.join(FIXTURES, name)
    for f in sorted(os.listdir(committed)):
      assert filecmp.cmp(os.path.join(out, f), os.path.join(committed, f),
                         shallow=False), f
