"""Reference torch model of brightmart/albert_zh's ALBERT (TF1 modeling.py).

albert_zh differs from Google's / Hugging Face's ALBERT in the embeddings:
the E -> H projection comes first and has no bias, and the position and
token-type tables and the embedding LayerNorm are H wide:

  x = LayerNorm_H(word[ids] @ word_embeddings_2 + token_type[types]
                  + position[0..n))
  then num_hidden_layers applications of ONE shared BERT layer
  ("bert/encoder/layer_shared"), the same maths as albert_ref.Layer:
    a = LN(x + dense(MultiHead(x)));  x = LN(a + out(gelu_tanh(inter(a))))

TF names (kernels [in, out]; "gelu" in albert_zh's config is the tanh GELU):
  bert/embeddings/word_embeddings          [V, E]
  bert/embeddings/word_embeddings_2        [E, H]   (no bias)
  bert/embeddings/{token_type,position}_embeddings [*, H]
  bert/embeddings/LayerNorm/{gamma,beta}   [H]
  bert/encoder/layer_shared/attention/self/{query,key,value}/{kernel,bias}
  bert/encoder/layer_shared/attention/output/dense/{kernel,bias}
  bert/encoder/layer_shared/attention/output/LayerNorm/{gamma,beta}
  bert/encoder/layer_shared/intermediate/dense/{kernel,bias}
  bert/encoder/layer_shared/output/dense/{kernel,bias}
  bert/encoder/layer_shared/output/LayerNorm/{gamma,beta}
"""

import torch
from torch import nn

import albert_ref


class AlbertZhEncoder(nn.Module):
  """albert_zh embeddings + shared layer; returns the last hidden state."""

  def __init__(self, c):
    super().__init__()
    self.config = c
    self.word_embeddings = nn.Embedding(c.vocab_size, c.embedding_size)
    self.word_embeddings_2 = nn.Parameter(
        torch.zeros(c.embedding_size, c.hidden_size))
    self.token_type_embeddings = nn.Embedding(c.type_vocab_size,
                                              c.hidden_size)
    self.position_embeddings = nn.Embedding(c.max_position_embeddings,
                                            c.hidden_size)
    self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
    self.layer = albert_ref.Layer(c)

  def forward(self, ids, attention_mask=None, types=None):
    if attention_mask is None:
      attention_mask = torch.ones_like(ids)
    if types is None:
      types = torch.zeros_like(ids)
    dtype = self.word_embeddings_2.dtype
    additive = (1.0 - attention_mask.to(dtype))[:, None, None, :] * -10000.0
    positions = torch.arange(ids.shape[1])[None, :]
    x = self.LayerNorm(self.word_embeddings(ids) @ self.word_embeddings_2 +
                       self.token_type_embeddings(types) +
                       self.position_embeddings(positions))
    for _ in range(self.config.num_hidden_layers):
      x = self.layer(x, additive)
    return x


def tf_names(model):
  """TF variable name -> tensor (kernels transposed to [in, out])."""
  s = {k: v.detach() for k, v in model.state_dict().items()}
  out = {"bert/embeddings/word_embeddings": s["word_embeddings.weight"],
         "bert/embeddings/word_embeddings_2": s["word_embeddings_2"]}
  for kind in ("token_type", "position"):
    out["bert/embeddings/%s_embeddings" % kind] = s[
        "%s_embeddings.weight" % kind]
  out["bert/embeddings/LayerNorm/gamma"] = s["LayerNorm.weight"]
  out["bert/embeddings/LayerNorm/beta"] = s["LayerNorm.bias"]
  p = "bert/encoder/layer_shared/"
  dense = {"attention/self/query": "attention.query",
           "attention/self/key": "attention.key",
           "attention/self/value": "attention.value",
           "attention/output/dense": "attention.dense",
           "intermediate/dense": "ffn", "output/dense": "ffn_output"}
  for tf, torch_name in dense.items():
    out[p + tf + "/kernel"] = s["layer.%s.weight" % torch_name].T
    out[p + tf + "/bias"] = s["layer.%s.bias" % torch_name]
  norms = {"attention/output/LayerNorm": "attention.LayerNorm",
           "output/LayerNorm": "full_layer_layer_norm"}
  for tf, torch_name in norms.items():
    out[p + tf + "/gamma"] = s["layer.%s.weight" % torch_name]
    out[p + tf + "/beta"] = s["layer.%s.bias" % torch_name]
  return out
