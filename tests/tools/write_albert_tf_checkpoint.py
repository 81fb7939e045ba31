#!/usr/bin/python3
"""Writes TF1 (TensorBundle V2) ALBERT NER checkpoints for tests, without
TensorFlow (numpy, python3-snappy, torch; bundle format in tf_bundle.py,
heads and label2id.pkl as tests/tools/write_tf_checkpoint.py writes them for
BERT).

  google     --hf DIR --out DIR [--head softmax|crf|bilstm-crf] [--adam]
             [--snappy] [--step N] [--seed S] [--lstm-units U]
             [--lstm-layers K]
      google-research/albert names for a Hugging Face
      AlbertForTokenClassification
      folder (tests/tools/albert_ref.py; hidden_act gelu_new, E != H):
        bert/embeddings/{word,position,token_type}_embeddings [*, E]
        bert/embeddings/LayerNorm/{gamma,beta}
        bert/encoder/embedding_hidden_mapping_in/{kernel [E, H],bias}
        bert/encoder/transformer/group_G/inner_group_K/
            attention_1/self/{query,key,value}/{kernel [H, H],bias}
            attention_1/output/dense/{kernel,bias}
            LayerNorm/{gamma,beta}            (after attention)
            ffn_1/intermediate/dense/{kernel [H, F],bias}
            ffn_1/intermediate/output/dense/{kernel [F, H],bias}
            LayerNorm_1/{gamma,beta}          (after the FFN)
        bert/pooler/dense (random), the head, global_step
      plus albert_config.json (hidden_act "gelu": Google's TF gelu is the
      tanh form), vocab.txt, label2id.pkl (ids 1.., 0 = padding), checkpoint.
      Hidden layer i uses group_{int(i / layers * groups)} (Google's
      formula); a config where HF's formula differs is refused.

  albert-zh  --out DIR [head options as above]
      A random brightmart/albert_zh model (tests/tools/albert_zh_ref.py:
      factorized word embeddings word_embeddings [V, E] @ word_embeddings_2
      [E, H], H-wide position/type tables and LayerNorm,
      bert/encoder/layer_shared/... BERT-named shared layer) of the
      albert_tiny_random shape (E 16, H 32, 4 layers, 4 heads, FFN 64, the
      tiny_random vocab and labels), with albert_config.json, vocab.txt,
      label2id.pkl, checkpoint and reference.json: float64 logits of the
      HF-label classifier (= rows 1..8 of the TF softmax head) for the token
      sequences of tests/fixtures/albert_tiny_random/one_group/reference.json.
"""
import argparse
import collections
import json
import os
import pickle
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import albert_ref  # noqa: E402
import albert_zh_ref  # noqa: E402
import make_albert_fixtures  # noqa: E402
import tf_bundle  # noqa: E402
import write_tf_checkpoint  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402

ALBERT_CONFIG_KEYS = (
    "attention_probs_dropout_prob", "embedding_size", "hidden_dropout_prob",
    "hidden_size", "initializer_range", "inner_group_num",
    "intermediate_size", "max_position_embeddings", "num_attention_heads",
    "num_hidden_groups", "num_hidden_layers", "type_vocab_size",
    "vocab_size")
TANH_GELU = ("gelu_new", "gelu_pytorch_tanh")


# (TF suffix, HF suffix, transpose) of a dense layer and of a LayerNorm.
DENSE = (("kernel", "weight", True), ("bias", "bias", False))
NORM = (("gamma", "weight", False), ("beta", "bias", False))
# Per AlbertLayer: (TF scope under inner_group_K, HF module, parts).
LAYER_PARTS = (
    ("attention_1/self/query", "attention.query", DENSE),
    ("attention_1/self/key", "attention.key", DENSE),
    ("attention_1/self/value", "attention.value", DENSE),
    ("attention_1/output/dense", "attention.dense", DENSE),
    ("LayerNorm", "attention.LayerNorm", NORM),
    ("ffn_1/intermediate/dense", "ffn", DENSE),
    ("ffn_1/intermediate/output/dense", "ffn_output", DENSE),
    ("LayerNorm_1", "full_layer_layer_norm", NORM),
)


def google_encoder(w, config):
  """HF ALBERT weights (numpy) -> google-research/albert names/layouts."""
  scopes = [("bert/embeddings/LayerNorm", "albert.embeddings.LayerNorm",
             NORM),
            ("bert/encoder/embedding_hidden_mapping_in",
             "albert.encoder.embedding_hidden_mapping_in", DENSE)]
  for g in range(config["num_hidden_groups"]):
    for k in range(config["inner_group_num"]):
      tf = "bert/encoder/transformer/group_%d/inner_group_%d/" % (g, k)
      hf = "albert.encoder.albert_layer_groups.%d.albert_layers.%d." % (g, k)
      scopes += [(tf + t, hf + h, parts) for t, h, parts in LAYER_PARTS]
  out = {"bert/embeddings/%s_embeddings" % kind:
         w["albert.embeddings.%s_embeddings.weight" % kind]
         for kind in ("word", "position", "token_type")}
  for tf, hf, parts in scopes:
    for tf_suffix, hf_suffix, transpose in parts:
      t = w[hf + "." + hf_suffix]
      out[tf + "/" + tf_suffix] = t.T.copy() if transpose else t
  return out


def albert_config(config):
  if config.get("hidden_act", "gelu_new") not in TANH_GELU + ("relu",):
    raise SystemExit("hidden_act %r has no TF ALBERT equivalent (TF "
                     "\"gelu\" is the tanh form)" % config["hidden_act"])
  if config["embedding_size"] == config["hidden_size"]:
    raise SystemExit("embedding_size == hidden_size: Google's ALBERT has no "
                     "embedding_hidden_mapping_in then")
  out = {k: config[k] for k in ALBERT_CONFIG_KEYS}
  out["hidden_act"] = "relu" if config["hidden_act"] == "relu" else "gelu"
  return dict(sorted(out.items()))


def finish(args, tensors, hidden, classifier, id2label, config_json):
  """Adds pooler, head, Adam slots and global_step; writes the folder."""
  rng = np.random.default_rng(args.seed)
  labels, num_extra = write_tf_checkpoint.seed_labels({"id2label": id2label})
  tensors["bert/pooler/dense/kernel"] = (
      rng.standard_normal((hidden, hidden)) * 0.02).astype(np.float32)
  tensors["bert/pooler/dense/bias"] = np.zeros(hidden, np.float32)
  tensors.update(write_tf_checkpoint.head_tensors(
      args, classifier, hidden, len(labels) - num_extra, num_extra, rng))
  if args.adam:
    for name in list(tensors):
      tensors[name + "/adam_m"] = np.full(tensors[name].shape, 1e-4,
                                          np.float32)
      tensors[name + "/adam_v"] = np.full(tensors[name].shape, 1e-8,
                                          np.float32)
  tensors["global_step"] = np.array(args.step, np.int64)
  os.makedirs(args.out, exist_ok=True)
  name = "model.ckpt-%d" % args.step
  tf_bundle.write_bundle(os.path.join(args.out, name), tensors,
                         snappy_index=args.snappy)
  with open(os.path.join(args.out, "checkpoint"), "w") as f:
    f.write('model_checkpoint_path: "%s"\n' % name)
    f.write('all_model_checkpoint_paths: "%s"\n' % name)
  with open(os.path.join(args.out, "albert_config.json"), "w") as f:
    json.dump(config_json, f, indent=2)
    f.write("\n")
  with open(os.path.join(args.out, "label2id.pkl"), "wb") as f:
    pickle.dump({l: i + 1 for i, l in enumerate(labels)}, f, protocol=2)


def google(args):
  with open(os.path.join(args.hf, "config.json")) as f:
    config = json.load(f)
  c = albert_ref.Config(**{k: v for k, v in config.items()
                           if k not in ("architectures", "label2id")})
  for i in range(c.num_hidden_layers):
    if albert_ref.group_of_layer(c, i) != albert_ref.google_group_of_layer(
        c, i):
      raise SystemExit("layer %d: HF runs group %d, Google's TF ALBERT group "
                       "%d; no TF checkpoint computes this model" %
                       (i, albert_ref.group_of_layer(c, i),
                        albert_ref.google_group_of_layer(c, i)))
  w = {k: v.numpy() for k, v in
       read_safetensors(os.path.join(args.hf, "model.safetensors")).items()}
  tensors = google_encoder(w, config)
  finish(args, tensors, config["hidden_size"], w, config["id2label"],
         albert_config(config))
  shutil.copy(os.path.join(args.hf, "vocab.txt"), args.out)


def albert_zh(args):
  src = os.path.join(make_albert_fixtures.HERE, "..", "fixtures",
                     "albert_tiny_random", "one_group")
  with open(os.path.join(src, "config.json")) as f:
    hf = json.load(f)
  config = albert_ref.Config(**{k: v for k, v in hf.items()
                                if k not in ("architectures", "label2id")})
  model = albert_zh_ref.AlbertZhEncoder(config)
  gen = torch.Generator().manual_seed(20240612)
  model.load_state_dict(make_albert_fixtures.random_weights(model, gen))
  with torch.no_grad():
    model.word_embeddings_2.mul_(0.5 / 0.2)  # keep E -> H outputs ~ N(0, 1)
  classifier = make_albert_fixtures.random_weights(
      torch.nn.Linear(config.hidden_size, config.num_labels), gen)
  tensors = {k: v.numpy().copy() for k, v in
             albert_zh_ref.tf_names(model).items()}
  cfg = {k: getattr(config, k) for k in ALBERT_CONFIG_KEYS}
  cfg["hidden_act"] = "gelu"
  finish(args, tensors, config.hidden_size,
         {"classifier." + k: v.numpy() for k, v in classifier.items()},
         hf["id2label"], dict(sorted(cfg.items())))
  shutil.copy(os.path.join(src, "vocab.txt"), args.out)
  with open(os.path.join(src, "reference.json")) as f:
    seqs = json.load(f)["sequences"]
  model64 = model.double().eval()
  with torch.no_grad():
    for s in seqs:
      h = model64(torch.tensor([s["input_ids"]]),
                  torch.tensor([s["attention_mask"]]),
                  torch.tensor([s["token_type_ids"]]))[0]
      logits = (h @ classifier["weight"].double().T +
                classifier["bias"].double())
      s["logits"] = [[float("%.9g" % v) for v in row]
                     for row in logits.tolist()]
  ref = collections.OrderedDict([
      ("description", "float64 logits of the albert_zh model "
                      "(tests/tools/albert_zh_ref.py) over the HF labels; "
                      "TF softmax head row = 1 + label index"),
      ("labels", [hf["id2label"][str(i)] for i in range(config.num_labels)]),
      ("sequences", seqs)])
  with open(os.path.join(args.out, "reference.json"), "w") as f:
    json.dump(ref, f, separators=(",", ":"))
    f.write("\n")


# Options of both subcommands: the head and bundle options of
# write_tf_checkpoint.py from-hf.
COMMON_OPTIONS = {
    "--out": {"required": True},
    "--head": {"choices": ("softmax", "crf", "bilstm-crf"),
               "default": "softmax"},
    "--adam": {"action": "store_true"},
    "--snappy": {"action": "store_true"},
    "--step": {"type": int, "default": 1000},
    "--seed": {"type": int, "default": 0},
    "--lstm-units": {"type": int, "default": 16},
    "--lstm-layers": {"type": int, "default": 1},
}


def main():
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  sub = p.add_subparsers(dest="cmd", required=True)
  commands = {"google": google, "albert-zh": albert_zh}
  for name in commands:
    a = sub.add_parser(name)
    if name == "google":
      a.add_argument("--hf", required=True)
    for flag, kwargs in COMMON_OPTIONS.items():
      a.add_argument(flag, **kwargs)
  args = p.parse_args()
  commands[args.cmd](args)


if __name__ == "__main__":
  main()
