#!/usr/bin/python3
"""Trains an ALBERT-tiny Chinese NER tagger from scratch on Resume NER.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial \
    nice -n 10 /usr/bin/python3 tests/tools/train_albert_ner.py \
        --shared /work/shared --out /work/albert-tiny-resume \
        --epochs 12 --max-minutes 42 --threads 1 --warmup 100

Debian's torch calls the system libblas.so.3, by default the reference
BLAS: one step then costs ~14x the CPU time. With libopenblas0-serial
installed, the LD_LIBRARY_PATH above gives this process OpenBLAS without
changing the system's BLAS alternative. One thread: on a loaded machine a
second OpenMP thread only waits.

Model (tests/tools/albert_ref.py, HF AlbertForTokenClassification layout):
embedding 128, hidden 312, 4 layers sharing 1 group (inner_group_num 1),
12 heads, FFN 1248, gelu_new, max positions 512, vocab 21,128
(<shared>/data/vocab/bert-base-chinese-vocab.txt), 17 BIO labels as
<shared>/models/resume-tiny/config.json.

Data and evaluation follow the reference rules of
<shared>/models/resume-tiny/README.md (tests/tools/bio_ner.py): BERT
tokenization of each sentence's characters, windows of at most 126 tokens as
[CLS] window [SEP]; training labels sit on each word's first piece (the tag of
its first character; other pieces and [CLS]/[SEP] are ignored); on dev a
word's argmax label spreads over its characters as B-x then I-x and entities
(exact type + character span) give micro precision / recall / F1.

Optimisation: AdamW (weight decay 0.01 off biases and LayerNorms), linear
warm-up, then linear decay to 0 over the run's progress, which is the larger
of steps done / planned steps and minutes spent / --max-minutes, so a
time-limited run still anneals; length-bucketed batches, dropout 0.1.
Writes <out>/config.json, model.safetensors (F32), vocab.txt and
train_log.json (settings, per-epoch loss and dev scores, wall time). The
final weights are written (no selection on dev).
"""

import argparse
import json
import os
import random
import sys
import time

import torch

import albert_ref
import bio_ner

SHAPE = {
    "embedding_size": 128,
    "hidden_size": 312,
    "num_hidden_layers": 4,
    "num_hidden_groups": 1,
    "inner_group_num": 1,
    "num_attention_heads": 12,
    "intermediate_size": 1248,
    "hidden_act": "gelu_new",
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "classifier_dropout_prob": 0.1,
}
IGNORE = -100


def encode(sentences, tok, label2id):
  """[(ids, labels)] per window; labels on first pieces only."""
  examples = []
  for chars, tags in sentences:
    cp2char = bio_ner.char_index(chars)
    tokens = tok.tokenize("".join(chars))
    for window in bio_ner.windows(tokens):
      ids = [tok.cls] + [t[0] for t in window] + [tok.sep]
      labels = ([IGNORE] +
                [label2id[tags[cp2char[t[1]]]] if t[3] else IGNORE
                 for t in window] + [IGNORE])
      examples.append((ids, labels))
  return examples


def batches(examples, batch_size, rng):
  """Length-bucketed batches (padded id/label/mask tensors), shuffled."""
  order = sorted(range(len(examples)),
                 key=lambda i: (len(examples[i][0]), rng.random()))
  groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
  rng.shuffle(groups)
  for g in groups:
    n = max(len(examples[i][0]) for i in g)
    ids = torch.zeros(len(g), n, dtype=torch.long)
    labels = torch.full((len(g), n), IGNORE, dtype=torch.long)
    mask = torch.zeros(len(g), n, dtype=torch.long)
    for row, i in enumerate(g):
      k = len(examples[i][0])
      ids[row, :k] = torch.tensor(examples[i][0])
      labels[row, :k] = torch.tensor(examples[i][1])
      mask[row, :k] = 1
    yield ids, labels, mask


def evaluate(model, tok, sentences):
  """Entity (precision, recall, F1) of `model` on [(chars, tags)]."""
  model.eval()
  id2label = model.config.id2label
  prf = bio_ner.Prf()
  with torch.no_grad():
    for chars, tags in sentences:
      tokens = tok.tokenize("".join(chars))
      labels = []
      for window in bio_ner.windows(tokens):
        ids = torch.tensor([[tok.cls] + [t[0] for t in window] + [tok.sep]])
        best = model(ids)[0, 1:-1].argmax(-1).tolist()
        labels += [id2label[j] for j in best]
      pred = bio_ner.char_tags_from_word_labels(chars, tokens, labels)
      prf.add(bio_ner.spans_from_tags(tags), bio_ner.spans_from_tags(pred))
  model.train()
  return prf.scores()


def make_optimizer(model, lr):
  decay, no_decay = [], []
  for name, p in model.named_parameters():
    (no_decay if name.endswith("bias") or "LayerNorm" in name or
     "layer_norm" in name else decay).append(p)
  return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                            {"params": no_decay, "weight_decay": 0.0}],
                           lr=lr)


def parse_args():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--shared", default="/work/shared")
  ap.add_argument("--out", required=True)
  ap.add_argument("--epochs", type=int, default=12)
  ap.add_argument("--max-minutes", type=float, default=35.0,
                  help="stop after this many minutes of training")
  ap.add_argument("--threads", type=int, default=2)
  ap.add_argument("--batch", type=int, default=32)
  ap.add_argument("--lr", type=float, default=1e-3)
  ap.add_argument("--warmup", type=int, default=150, help="warm-up steps")
  ap.add_argument("--seed", type=int, default=20240611)
  ap.add_argument("--eval-every-epoch", action="store_true",
                  help="also score dev after each epoch (log only)")
  return ap.parse_args()


def train(args, model, train_ex, tok, dev, log):
  opt = make_optimizer(model, args.lr)
  rng = random.Random(args.seed)
  steps_per_epoch = (len(train_ex) + args.batch - 1) // args.batch
  planned = steps_per_epoch * args.epochs
  budget = args.max_minutes * 60.0
  loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
  start, step = time.time(), 0
  model.train()
  for epoch in range(args.epochs):
    total, count = 0.0, 0
    for ids, labels, mask in batches(train_ex, args.batch, rng):
      elapsed = time.time() - start
      progress = max(step / planned, elapsed / budget)
      if progress >= 1.0:
        break
      scale = min(1.0, (step + 1) / args.warmup) * (1.0 - progress)
      for g in opt.param_groups:
        g["lr"] = args.lr * scale
      logits = model(ids, attention_mask=mask)
      loss = loss_fn(logits.view(-1, logits.shape[-1]), labels.view(-1))
      opt.zero_grad()
      loss.backward()
      torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
      opt.step()
      total += loss.item()
      count += 1
      step += 1
    entry = {"epoch": epoch + 1, "steps": step, "batches": count,
             "mean_loss": total / max(count, 1),
             "minutes": (time.time() - start) / 60.0}
    if args.eval_every_epoch and count:
      entry["dev_precision"], entry["dev_recall"], entry["dev_f1"] = (
          evaluate(model, tok, dev))
    log["epochs"].append(entry)
    print(json.dumps(entry), flush=True)
    if count < steps_per_epoch:
      break
  log["train_minutes"] = (time.time() - start) / 60.0


def main():
  args = parse_args()
  torch.set_num_threads(args.threads)
  torch.manual_seed(args.seed)
  vocab = bio_ner.read_vocab(
      os.path.join(args.shared, "data/vocab/bert-base-chinese-vocab.txt"))
  with open(os.path.join(args.shared, "models/resume-tiny/config.json")) as f:
    id2label = json.load(f)["id2label"]
  config = albert_ref.Config(vocab_size=len(vocab), id2label=id2label,
                             **SHAPE)
  tok = bio_ner.Tokenizer(vocab)
  data = os.path.join(args.shared, "data/resume_ner")
  train_ex = encode(bio_ner.read_bio(os.path.join(data, "train.char.bio")),
                    tok, config.label2id)
  dev = bio_ner.read_bio(os.path.join(data, "dev.char.bio"))
  model = albert_ref.AlbertForTokenClassification(config)
  model.init_weights(torch.Generator().manual_seed(args.seed))
  log = {"command": " ".join(sys.argv), "args": vars(args), "epochs": [],
         "parameters": sum(p.numel() for p in model.parameters()),
         "train_windows": len(train_ex)}
  print(json.dumps({k: log[k] for k in ("parameters", "train_windows")}),
        flush=True)
  train(args, model, train_ex, tok, dev, log)
  p, r, f = evaluate(model, tok, dev)
  log.update({"dev_precision": p, "dev_recall": r, "dev_f1": f,
              "dev_sentences": len(dev)})
  albert_ref.save_pretrained(model, args.out, vocab)
  with open(os.path.join(args.out, "train_log.json"), "w") as f_log:
    json.dump(log, f_log, indent=2)
  print(json.dumps({"dev_precision": p, "dev_recall": r, "dev_f1": f,
                    "train_minutes": log["train_minutes"]}), flush=True)


if __name__ == "__main__":
  main()
