#include "quantize/int8/tag_all.h"

#include <memory>

#include "runtime/base/thread_pool.h"

namespace edgebert {

Status TagAll(const std::vector<uint8_t>& image, const std::string& name,
              const std::vector<std::string>& sentences,
              const GemmObserver& observer, Progress* progress,
              std::vector<SentenceTags>* out) {
  StatusOr<std::unique_ptr<Model>> model =
      internal::Access::LoadFromBytes(image.data(), image.size(), name);
  if (!model.ok()) return model.status();
  // Threads only pay off for GEMMs of a real model; on tiny ones the pool's
  // wake-ups cost more than the work.
  const bool threaded = model.value()->config().hidden_size >= 256;
  std::unique_ptr<ThreadPool> pool;
  if (threaded) {
    StatusOr<std::unique_ptr<ThreadPool>> p = ThreadPool::Create(0);
    if (!p.ok()) return p.status();
    pool = std::move(p.value());
  }
  StatusOr<std::unique_ptr<Tagger>> tagger =
      Tagger::Create(*model.value(), TaggerOptions{}, pool.get());
  if (!tagger.ok()) return tagger.status();
  if (observer)
    internal::Access::SetGemmObserver(tagger.value().get(), observer);
  out->assign(sentences.size(), SentenceTags{});
  TagResult r;
  for (size_t i = 0; i < sentences.size(); ++i) {
    Status s = tagger.value()->Tag(sentences[i], &r, /*want_tokens=*/true);
    if (!s.ok()) {
      return InvalidArgument("calibration sentence " + std::to_string(i + 1) +
                             ": " + s.message());
    }
    SentenceTags& t = (*out)[i];
    for (const TokenResult& tok : r.tokens) t.labels.push_back(tok.label);
    for (const Entity& e : r.entities) {
      t.spans.push_back(SpanLabel{e.start, e.end, e.entity_group});
    }
    if (progress) progress->Update(i + 1);
  }
  internal::Access::SetGemmObserver(tagger.value().get(), nullptr);
  return Status::Ok();
}

}  // namespace edgebert
