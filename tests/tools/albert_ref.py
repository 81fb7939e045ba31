"""Reference torch model of Hugging Face AlbertForTokenClassification.

Readable re-implementation of the semantics of transformers'
models/albert/modeling_albert.py (which cannot be installed here), with the
same module tree, so state_dict() keys are exactly the HF tensor names:

  albert.embeddings.{word,position,token_type}_embeddings.weight   [*, E]
  albert.embeddings.LayerNorm.{weight,bias}                        [E]
  albert.encoder.embedding_hidden_mapping_in.{weight,bias}         [H, E], [H]
  albert.encoder.albert_layer_groups.G.albert_layers.K.
      attention.{query,key,value,dense}.{weight,bias}              [H, H], [H]
      attention.LayerNorm.{weight,bias}                            [H]
      ffn.{weight,bias}                                            [F, H], [F]
      ffn_output.{weight,bias}                                     [H, F], [H]
      full_layer_layer_norm.{weight,bias}                          [H]
  classifier.{weight,bias}                                         [L, H], [L]

Forward (eval mode; dropout only in training):
  x = LayerNorm_E(word[ids] + token_type[types] + position[0..n))
  x = embedding_hidden_mapping_in(x)                               E -> H
  for i in 0..num_hidden_layers-1:
    for each of the inner_group_num layers of group group_of_layer(i):
      a = attention.LayerNorm(x + dense(MultiHead(query x, key x, value x)))
          with scores q k^T / sqrt(H / heads) + (1 - mask) * -10000
      x = full_layer_layer_norm(a + ffn_output(act(ffn(a))))
  logits = classifier(x)
act is config.hidden_act: "gelu_new" / "gelu_pytorch_tanh" (tanh GELU,
ALBERT's default), "gelu" (erf GELU) or "relu". LayerNorm eps is
config.layer_norm_eps (1e-12 by default).

Layer i runs group int(i / (num_hidden_layers / num_hidden_groups)), computed
in double precision exactly as HF does. That equals
floor(i * groups / layers) except for a few configurations whose group count
does not divide the layer count (e.g. 18 layers / 14 groups, layer 9: HF
gives group 6, the integer formula 7); see group_of_layer(). Google's TF
ALBERT computes int(i / layers * groups), which differs from both in yet
other cases (even 22 layers / 22 groups, layer 15 -> group 14): a converter
must take the layer -> group map from the formula of the checkpoint's source.
The attention mask is additive (1 - mask) * -10000 as in HF 4.x before the
switch to the dtype's lowest value; the two agree for all-ones masks.

Checkpoints are HF folders: config.json (model_type "albert") and
model.safetensors (F32, F16 or BF16 read; F32 written).
"""

import json
import math
import os

import torch
from torch import nn

from safetensors_io import read_safetensors, write_safetensors

# AlbertConfig defaults of transformers (used for keys config.json omits).
CONFIG_DEFAULTS = {
    "vocab_size": 30000,
    "embedding_size": 128,
    "hidden_size": 4096,
    "num_hidden_layers": 12,
    "num_hidden_groups": 1,
    "num_attention_heads": 64,
    "intermediate_size": 16384,
    "inner_group_num": 1,
    "hidden_act": "gelu_new",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "classifier_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "position_embedding_type": "absolute",
    "pad_token_id": 0,
}


class Config:
  """An HF AlbertConfig as a plain attribute bag (defaults filled in)."""

  def __init__(self, **kwargs):
    values = dict(CONFIG_DEFAULTS)
    values.update(kwargs)
    if values.get("model_type", "albert") != "albert":
      raise ValueError("config model_type is %r; expected \"albert\"" %
                       values["model_type"])
    if "id2label" not in values:
      raise ValueError("config has no id2label (needed for the classifier)")
    values["id2label"] = {int(k): v for k, v in values["id2label"].items()}
    values["label2id"] = {v: k for k, v in values["id2label"].items()}
    values["num_labels"] = len(values["id2label"])
    if values["hidden_size"] % values["num_attention_heads"]:
      raise ValueError("hidden_size %d is not a multiple of "
                       "num_attention_heads %d" %
                       (values["hidden_size"], values["num_attention_heads"]))
    if values["position_embedding_type"] != "absolute":
      raise ValueError("position_embedding_type %r is not supported" %
                       values["position_embedding_type"])
    self.__dict__.update(values)

  def to_dict(self):
    d = {"architectures": ["AlbertForTokenClassification"],
         "model_type": "albert"}
    for key in CONFIG_DEFAULTS:
      d[key] = getattr(self, key)
    d["id2label"] = {str(i): l for i, l in sorted(self.id2label.items())}
    d["label2id"] = {l: i for i, l in sorted(self.id2label.items())}
    return d


def activation(name):
  """HF ACT2FN subset used by ALBERT checkpoints."""
  if name in ("gelu_new", "gelu_pytorch_tanh"):
    c = math.sqrt(2.0 / math.pi)
    return lambda x: 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 *
                                                       torch.pow(x, 3.0))))
  if name == "gelu":
    return lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
  if name == "relu":
    return torch.relu
  raise ValueError("hidden_act %r is not supported (gelu_new, "
                   "gelu_pytorch_tanh, gelu, relu)" % name)


def group_of_layer(config, i):
  """The layer group that hidden layer i runs (HF AlbertTransformer)."""
  return int(i / (config.num_hidden_layers / config.num_hidden_groups))


def google_group_of_layer(config, i):
  """The group google-research/albert's transformer_model gives layer i."""
  return int(i / config.num_hidden_layers * config.num_hidden_groups)


class Embeddings(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.word_embeddings = nn.Embedding(c.vocab_size, c.embedding_size)
    self.position_embeddings = nn.Embedding(c.max_position_embeddings,
                                            c.embedding_size)
    self.token_type_embeddings = nn.Embedding(c.type_vocab_size,
                                              c.embedding_size)
    self.LayerNorm = nn.LayerNorm(c.embedding_size, eps=c.layer_norm_eps)
    self.dropout = nn.Dropout(c.hidden_dropout_prob)

  def forward(self, ids, types):
    positions = torch.arange(ids.shape[1], device=ids.device)[None, :]
    x = (self.word_embeddings(ids) + self.token_type_embeddings(types) +
         self.position_embeddings(positions))
    return self.dropout(self.LayerNorm(x))


class Attention(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.heads = c.num_attention_heads
    self.head_size = c.hidden_size // c.num_attention_heads
    self.query = nn.Linear(c.hidden_size, c.hidden_size)
    self.key = nn.Linear(c.hidden_size, c.hidden_size)
    self.value = nn.Linear(c.hidden_size, c.hidden_size)
    self.attention_dropout = nn.Dropout(c.attention_probs_dropout_prob)
    self.output_dropout = nn.Dropout(c.hidden_dropout_prob)
    self.dense = nn.Linear(c.hidden_size, c.hidden_size)
    self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

  def forward(self, x, additive_mask):
    b, n, h = x.shape

    def split(t):  # [b, n, H] -> [b, heads, n, d]
      return t.view(b, n, self.heads, self.head_size).permute(0, 2, 1, 3)

    q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
    scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size)
    probs = torch.softmax(scores + additive_mask, dim=-1)
    ctx = (self.attention_dropout(probs) @ v).transpose(1, 2).reshape(b, n, h)
    return self.LayerNorm(x + self.output_dropout(self.dense(ctx)))


class Layer(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.full_layer_layer_norm = nn.LayerNorm(c.hidden_size,
                                              eps=c.layer_norm_eps)
    self.attention = Attention(c)
    self.ffn = nn.Linear(c.hidden_size, c.intermediate_size)
    self.ffn_output = nn.Linear(c.intermediate_size, c.hidden_size)
    self.activation = activation(c.hidden_act)

  def forward(self, x, additive_mask):
    a = self.attention(x, additive_mask)
    return self.full_layer_layer_norm(
        a + self.ffn_output(self.activation(self.ffn(a))))


class LayerGroup(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.albert_layers = nn.ModuleList(
        [Layer(c) for _ in range(c.inner_group_num)])

  def forward(self, x, additive_mask):
    for layer in self.albert_layers:
      x = layer(x, additive_mask)
    return x


class Encoder(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.config = c
    self.embedding_hidden_mapping_in = nn.Linear(c.embedding_size,
                                                 c.hidden_size)
    self.albert_layer_groups = nn.ModuleList(
        [LayerGroup(c) for _ in range(c.num_hidden_groups)])

  def forward(self, x, additive_mask):
    x = self.embedding_hidden_mapping_in(x)
    for i in range(self.config.num_hidden_layers):
      x = self.albert_layer_groups[group_of_layer(self.config, i)](
          x, additive_mask)
    return x


class AlbertBody(nn.Module):
  """HF AlbertModel without the pooler (as in AlbertForTokenClassification)."""

  def __init__(self, c):
    super().__init__()
    self.embeddings = Embeddings(c)
    self.encoder = Encoder(c)


class AlbertForTokenClassification(nn.Module):

  def __init__(self, config):
    super().__init__()
    self.config = config
    self.albert = AlbertBody(config)
    self.dropout = nn.Dropout(config.classifier_dropout_prob)
    self.classifier = nn.Linear(config.hidden_size, config.num_labels)

  def forward(self, input_ids, attention_mask=None, token_type_ids=None):
    """input_ids [b, n] -> logits [b, n, num_labels] (in the weights' dtype)."""
    if attention_mask is None:
      attention_mask = torch.ones_like(input_ids)
    if token_type_ids is None:
      token_type_ids = torch.zeros_like(input_ids)
    dtype = self.classifier.weight.dtype
    additive = (1.0 - attention_mask.to(dtype))[:, None, None, :] * -10000.0
    x = self.albert.embeddings(input_ids, token_type_ids)
    x = self.albert.encoder(x, additive)
    return self.classifier(self.dropout(x))

  def init_weights(self, generator=None):
    """HF _init_weights: N(0, initializer_range) for Linear/Embedding weights,
    zero biases, LayerNorm (1, 0)."""
    std = self.config.initializer_range
    with torch.no_grad():
      for m in self.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
          m.weight.copy_(torch.randn(m.weight.shape, generator=generator) *
                         std)
          if isinstance(m, nn.Linear):
            m.bias.zero_()
        elif isinstance(m, nn.LayerNorm):
          m.weight.fill_(1.0)
          m.bias.zero_()


def load_pretrained(folder):
  """Loads an HF AlbertForTokenClassification folder; unknown or missing
  tensors raise ValueError naming them."""
  with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
    config = Config(**json.load(f))
  model = AlbertForTokenClassification(config)
  tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
  expected = model.state_dict()
  missing = sorted(set(expected) - set(tensors))
  unexpected = sorted(set(tensors) - set(expected))
  if missing or unexpected:
    raise ValueError("%s: missing tensors %s, unexpected tensors %s" %
                     (folder, missing, unexpected))
  for name, t in tensors.items():
    if tuple(t.shape) != tuple(expected[name].shape):
      raise ValueError("%s: tensor %s has shape %s, expected %s" %
                       (folder, name, list(t.shape),
                        list(expected[name].shape)))
  model.load_state_dict(tensors)
  model.eval()
  return model


BERT_LAYER_NAMES = {
    "attention.self.query": "attention.query",
    "attention.self.key": "attention.key",
    "attention.self.value": "attention.value",
    "attention.output.dense": "attention.dense",
    "attention.output.LayerNorm": "attention.LayerNorm",
    "intermediate.dense": "ffn",
    "output.dense": "ffn_output",
    "output.LayerNorm": "full_layer_layer_norm",
}


def from_bert(folder):
  """An HF BertForTokenClassification folder as the ALBERT computing the
  same function: E = H, identity E -> H mapping, one group per layer."""
  with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
    bert = json.load(f)
  w = read_safetensors(os.path.join(folder, "model.safetensors"))
  h, layers = bert["hidden_size"], bert["num_hidden_layers"]
  keys = ("vocab_size", "num_attention_heads", "intermediate_size",
          "hidden_act", "max_position_embeddings", "type_vocab_size",
          "layer_norm_eps", "id2label")
  config = Config(embedding_size=h, hidden_size=h, num_hidden_layers=layers,
                  num_hidden_groups=layers, inner_group_num=1,
                  **{k: bert[k] for k in keys if k in bert})
  s = {"albert.encoder.embedding_hidden_mapping_in.weight": torch.eye(h),
       "albert.encoder.embedding_hidden_mapping_in.bias": torch.zeros(h),
       "classifier.weight": w["classifier.weight"],
       "classifier.bias": w["classifier.bias"]}
  for k, v in w.items():
    if k.startswith("bert.embeddings."):
      s["albert." + k[len("bert."):]] = v
  for i in range(layers):
    for bert_name, albert_name in BERT_LAYER_NAMES.items():
      for p in ("weight", "bias"):
        s["albert.encoder.albert_layer_groups.%d.albert_layers.0.%s.%s" %
          (i, albert_name, p)] = w["bert.encoder.layer.%d.%s.%s" %
                                   (i, bert_name, p)]
  model = AlbertForTokenClassification(config)
  model.load_state_dict(s)
  return model.eval()


def save_pretrained(model, folder, vocab_lines=None):
  """Writes config.json, model.safetensors (F32) and optionally vocab.txt."""
  os.makedirs(folder, exist_ok=True)
  with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump(model.config.to_dict(), f, indent=2, ensure_ascii=False)
    f.write("\n")
  tensors = {k: v.detach().to(torch.float32).cpu()
             for k, v in model.state_dict().items()}
  write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
  if vocab_lines is not None:
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
      f.write("".join(v + "\n" for v in vocab_lines))
