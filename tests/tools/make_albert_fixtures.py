#!/usr/bin/python3
"""Builds tests/fixtures/albert_tiny_random: small random ALBERT taggers.

Regenerate (deterministic: fixed seeds; reads only committed files):

    /usr/bin/python3 tests/tools/make_albert_fixtures.py \
        --out tests/fixtures/albert_tiny_random

Needs torch (1.13). Every variant is an HF AlbertForTokenClassification
folder (tests/tools/albert_ref.py) of the ALBERT-tiny shape scaled down:
embedding 16, hidden 32, 4 hidden layers, 4 heads, FFN 64, gelu_new,
LayerNorm eps 1e-12, max positions 64, type vocab 2, the 360-token vocab and
8 labels of tests/fixtures/tiny_random:

  one_group/     num_hidden_groups 1, inner_group_num 1: layers 0-3 all run
                 group 0 (ALBERT's usual sharing).
  two_groups/    num_hidden_groups 2, inner_group_num 1: layers 0,1 run group
                 0 and layers 2,3 group 1.
  inner_groups/  num_hidden_groups 2, inner_group_num 2: each hidden layer
                 runs both AlbertLayers of its group (8 layer applications).

Each folder holds config.json, vocab.txt, model.safetensors (F32) and
reference.json: for 8 token-id sequences, input_ids, token_type_ids,
attention_mask (all ones) and logits [len][8] of the F32 weights computed in
float64 by albert_ref (eval mode), in the format of
tests/fixtures/tiny_random/reference.json.
"""

import argparse
import collections
import json
import os
import shutil

import torch

import albert_ref
import make_random_model

HERE = os.path.dirname(os.path.abspath(__file__))
BERT_FIXTURE = os.path.join(HERE, "..", "fixtures", "tiny_random")
SHAPE = {
    "embedding_size": 16,
    "hidden_size": 32,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "hidden_act": "gelu_new",
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "classifier_dropout_prob": 0.0,
}
VARIANTS = collections.OrderedDict([
    ("one_group", {"num_hidden_groups": 1, "inner_group_num": 1}),
    ("two_groups", {"num_hidden_groups": 2, "inner_group_num": 1}),
    ("inner_groups", {"num_hidden_groups": 2, "inner_group_num": 2}),
])


def random_weights(model, gen):
  """Replaces every tensor with N(0, std) noise: 0.5 for embeddings, 0.2
  for weight matrices, 0.1 for biases, 1 + N(0, 0.2) for LayerNorm gains."""
  out = collections.OrderedDict()
  for name, t in model.state_dict().items():
    noise = torch.randn(t.shape, generator=gen, dtype=torch.float32)
    if "embeddings." in name and name.endswith("_embeddings.weight"):
      out[name] = noise * 0.5
    elif "LayerNorm.weight" in name or "layer_norm.weight" in name:
      out[name] = noise * 0.2 + 1.0
    elif name.endswith(".bias"):
      out[name] = noise * 0.1
    else:
      out[name] = noise * 0.2
  return out


def reference(model, vocab, gen):
  """float64 logits of `model` for make_random_model's reference inputs."""
  model64 = model.double().eval()
  sequences = make_random_model.reference_inputs(vocab, gen)
  with torch.no_grad():
    for seq in sequences:
      logits = model64(torch.tensor([seq["input_ids"]]),
                       torch.tensor([seq["attention_mask"]]),
                       torch.tensor([seq["token_type_ids"]]))[0]
      seq["logits"] = make_random_model.logits_json(logits)
  model.float()
  return sequences


def make_variant(out, name, extra, vocab, labels, seed):
  config = albert_ref.Config(vocab_size=len(vocab), **SHAPE, **extra,
                             id2label={str(i): l
                                       for i, l in enumerate(labels)})
  model = albert_ref.AlbertForTokenClassification(config)
  gen = torch.Generator().manual_seed(seed)
  model.load_state_dict(random_weights(model, gen))
  folder = os.path.join(out, name)
  albert_ref.save_pretrained(model, folder, vocab)
  ref = {
      "description": "float64 logits of HF AlbertForTokenClassification "
                     "semantics (tests/tools/albert_ref.py) for "
                     "model.safetensors (F32 weights)",
      "labels": labels,
      "sequences": reference(model, vocab, gen),
  }
  with open(os.path.join(folder, "reference.json"), "w") as f:
    json.dump(ref, f, separators=(",", ":"))
    f.write("\n")


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--out", required=True)
  args = ap.parse_args()
  with open(os.path.join(BERT_FIXTURE, "vocab.txt"), encoding="utf-8") as f:
    vocab = [line.rstrip("\n") for line in f]
  with open(os.path.join(BERT_FIXTURE, "config.json")) as f:
    id2label = json.load(f)["id2label"]
  labels = [id2label[str(i)] for i in range(len(id2label))]
  if os.path.isdir(args.out):
    for name in VARIANTS:
      shutil.rmtree(os.path.join(args.out, name), ignore_errors=True)
  for k, (name, extra) in enumerate(VARIANTS.items()):
    make_variant(args.out, name, extra, vocab, labels, 20240611 + k)


if __name__ == "__main__":
  main()
