// Hugging Face BERT tokenizer files: vocab.txt, tokenizer_config.json,
// special_tokens_map.json.
#ifndef EDGEBERT_QUANTIZE_READERS_HF_TOKENIZER_H_
#define EDGEBERT_QUANTIZE_READERS_HF_TOKENIZER_H_

#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"

namespace edgebert {

// pad_id of a vocabulary without its pad token: 0, the id
// google-research/bert pads input_ids with (run_classifier.py / the NER
// forks: `input_ids.append(0)`).
inline constexpr int kFallbackPadId = 0;

// Reads vocab.txt exactly like HF load_vocab: one token per line, the line
// terminator ("\n", "\r\n") removed, nothing else stripped.
Status ReadHfVocab(const std::string& path, std::vector<std::string>* vocab);

// With c->vocab already read: the tokenizer flags (do_lower_case,
// strip_accents, tokenize_chinese_chars) and special token ids of *c from
// dir/tokenizer_config.json and dir/special_tokens_map.json (both optional).
// pad_id is kFallbackPadId when the pad token is not in the vocabulary.
// FailedPrecondition if [UNK], [CLS] or [SEP] (or their configured
// replacements) is not in the vocabulary; Unimplemented for a tokenizer
// class other than BertTokenizer(Fast).
Status ParseHfTokenizer(const std::string& dir, Checkpoint* c);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_HF_TOKENIZER_H_
