#include "runtime/model/head_config.h"

#include <cstddef>

namespace edgebert {
namespace {

Status CheckCrf(const fb::Head& h, size_t l, const std::string& where) {
  const auto* tr = h.crf_transitions();
  if (tr == nullptr || tr->size() != l * l) {
    return FailedPrecondition(
        where + "CRF head needs transitions [labels x labels] = " +
        std::to_string(l * l) + " floats, found " +
        std::to_string(tr == nullptr ? 0 : tr->size()));
  }
  const size_t cs = h.crf_start() ? h.crf_start()->size() : 0;
  const size_t ce = h.crf_end() ? h.crf_end()->size() : 0;
  if (!((cs == 0 && ce == 0) || (cs == l && ce == l))) {
    return FailedPrecondition(
        where +
        "CRF start/end scores must both be absent (TF layout) or both "
        "have num_labels = " +
        std::to_string(l) + " entries, found " + std::to_string(cs) + " and " +
        std::to_string(ce));
  }
  if (h.crf_span() != fb::CrfSpan::Tokens &&
      h.crf_span() != fb::CrfSpan::Window) {
    return FailedPrecondition(where + "head.crf_span code " +
                              std::to_string(static_cast<int>(h.crf_span())) +
                              " is not Tokens or Window");
  }
  return Status::Ok();
}

Status CheckRange(const char* field, int v, int lo, int hi,
                  const std::string& where) {
  if (v < lo || v > hi) {
    return FailedPrecondition(
        where + "head." + field + " = " + std::to_string(v) + " must be in [" +
        std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateHeadConfig(const fb::Model& m, const std::string& where) {
  const fb::Head& h = *m.head();
  const size_t l = static_cast<size_t>(h.num_labels());
  if (static_cast<int>(m.tag_scheme()) < 0 ||
      m.tag_scheme() > fb::TagScheme::MAX) {
    return FailedPrecondition(where + "tag_scheme code " +
                              std::to_string(static_cast<int>(m.tag_scheme())) +
                              " is not BIO, BIOES or BMES");
  }
  switch (h.kind()) {
    case fb::HeadKind::Linear:
      return Status::Ok();
    case fb::HeadKind::Crf:
      return CheckCrf(h, l, where);
    case fb::HeadKind::BiLstmCrf:
      break;
    default:
      return FailedPrecondition(where + "head.kind code " +
                                std::to_string(static_cast<int>(h.kind())) +
                                " is not Linear, Crf or BiLstmCrf");
  }
  EB_RETURN_IF_ERROR(CheckCrf(h, l, where));
  EB_RETURN_IF_ERROR(
      CheckRange("lstm_units", h.lstm_units(), 1, kMaxLstmUnits, where));
  EB_RETURN_IF_ERROR(
      CheckRange("lstm_layers", h.lstm_layers(), 1, kMaxLstmLayers, where));
  EB_RETURN_IF_ERROR(CheckRange("project_hidden", h.project_hidden(), 0,
                                kMaxLstmUnits, where));
  const int max_pos = m.encoder()->max_position_embeddings();
  if (h.padded_window() != 0) {
    EB_RETURN_IF_ERROR(
        CheckRange("padded_window", h.padded_window(), 3, max_pos, where));
  }
  return Status::Ok();
}

}  // namespace edgebert
