// Tag schemes of NER label sets, detected from the label names (the
// converter stores the result in the model file, schema TagScheme).
#ifndef EDGEBERT_RUNTIME_HEAD_TAG_SCHEME_H_
#define EDGEBERT_RUNTIME_HEAD_TAG_SCHEME_H_

#include <string>
#include <vector>

namespace edgebert {

// Same values as schema fb::TagScheme (the converter casts between them;
// tf_heads_test checks the correspondence).
enum class TagScheme { kBio = 0, kBioes = 1, kBmes = 2 };

// BMES if any label has the M- prefix (middle); else BIOES if any has E-,
// S-, L- or U- (BILOU is read as BIOES: L- = E-, U- = S-); else BIO.
// Prefixes as ParseLabel (entities.h): '-' or '_', case-sensitive; names it
// reads as outside (O, X, [PAD], [CLS], [SEP], ...) do not count.
TagScheme DetectTagScheme(const std::vector<std::string>& labels);

// "BIO", "BIOES", "BMES".
const char* TagSchemeName(TagScheme s);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_HEAD_TAG_SCHEME_H_
