// edgebert-convert --inspect (quantize/inspect.h).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "quantize/inspect.h"

namespace fs = std::filesystem;
using edgebert::ListCheckpoint;
using edgebert::StatusCode;
using edgebert::TensorListingJson;

namespace {
const std::string kFix = std::string(EDGEBERT_SOURCE_DIR) + "/tests/fixtures/";
}

TEST_CASE("--inspect keras_bert_tiny lists the 139 tensors of tensors.json") {
  const std::string dir =
      std::string(EDGEBERT_SHARED_DIR) + "/data/tf_bundle/keras_bert_tiny";
  if (!fs::exists(dir)) {
    MESSAGE("SKIPPED: " << dir << " not present");
    return;
  }
  std::ifstream in(dir + "/tensors.json");
  const nlohmann::json want = nlohmann::json::parse(in);
  auto list = ListCheckpoint(dir + "/bert_model.ckpt");
  REQUIRE_MESSAGE(list.ok(), list.status().ToString());
  REQUIRE(list->size() == want.size());
  for (const auto& t : list.value()) {
    const nlohmann::json line = nlohmann::json::parse(TensorListingJson(t));
    CAPTURE(t.name);
    REQUIRE(want.contains(line["name"].get<std::string>()));
    CHECK(line["dtype"] == want[t.name]["dtype"]);
    CHECK(line["shape"] == want[t.name]["shape"]);
    CHECK(line.size() == 3);
  }
}

TEST_CASE("--inspect: safetensors file and folder, TF folder, errors") {
  auto st = ListCheckpoint(kFix + "tiny_random");  // model.safetensors only
  REQUIRE(st.ok());
  CHECK(st->size() == 39);
  CHECK(TensorListingJson(st->back()) ==
        R"({"name":"classifier.weight","dtype":"float32","shape":[8,64]})");
  auto bf16 = ListCheckpoint(kFix + "tiny_random/model_bf16.safetensors");
  REQUIRE(bf16.ok());
  CHECK(bf16->front().dtype == "bfloat16");
  auto tf = ListCheckpoint(kFix + "tf/seed_softmax");
  REQUIRE(tf.ok());
  CHECK(tf->size() == 124);
  CHECK(TensorListingJson(tf->back()) ==
        R"({"name":"output_weights/adam_v","dtype":"float32","shape":[9,64]})");
  auto sliced = ListCheckpoint(kFix + "tf/sliced");
  REQUIRE(sliced.ok());
  CHECK(TensorListingJson(sliced->front()) ==
        R"({"name":"part","dtype":"float32","shape":[2,2],"sliced":true})");
  auto none = ListCheckpoint(kFix + "labels");
  CHECK(none.status().code() == StatusCode::kNotFound);
  CHECK(none.status().message().find("no *.safetensors file and no TF") !=
        std::string::npos);
}
