#include "quantize/tf/bundle_proto.h"

#include "quantize/tf/proto_wire.h"

namespace edgebert::tf {

namespace {

struct DTypeInfo {
  int32_t value;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {kTfFloat, "float32", 4}, {kTfDouble, "float64", 8},
    {kTfInt32, "int32", 4},   {kTfUint8, "uint8", 1},
    {kTfInt16, "int16", 2},   {kTfInt8, "int8", 1},
    {kTfString, "string", 0}, {8, "complex64", 8},
    {kTfInt64, "int64", 8},   {kTfBool, "bool", 1},
    {11, "qint8", 1},         {12, "quint8", 1},
    {13, "qint32", 4},        {kTfBfloat16, "bfloat16", 2},
    {15, "qint16", 2},        {16, "quint16", 2},
    {kTfUint16, "uint16", 2}, {18, "complex128", 16},
    {kTfHalf, "float16", 2},  {20, "resource", 0},
    {21, "variant", 0},       {kTfUint32, "uint32", 4},
    {kTfUint64, "uint64", 8},
};

const DTypeInfo* Find(int32_t dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.value == dtype) return &d;
  }
  return nullptr;
}

Status WrongType(const std::string& what, const WireField& f) {
  return DataLoss(what + ": field " + std::to_string(f.number) +
                  " has wire type " + std::to_string(static_cast<int>(f.type)) +
                  ", which its schema does not allow");
}

// TensorShapeProto: dim = 2 (Dim: size = 1), unknown_rank = 3.
Status DecodeShape(std::string_view bytes, const std::string& what,
                   BundleEntry* out) {
  WireReader r(bytes, what + " shape");
  WireField f;
  while (!r.done()) {
    EB_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == 2) {
      if (f.type != WireType::kBytes) return WrongType(what + " shape", f);
      int64_t size = 0;
      WireReader dim(f.bytes, what + " shape dim");
      WireField d;
      while (!dim.done()) {
        EB_RETURN_IF_ERROR(dim.Next(&d));
        if (d.number == 1 && d.type == WireType::kVarint) {
          size = static_cast<int64_t>(d.varint);
        }
      }
      out->shape.push_back(size);
    } else if (f.number == 3 && f.type == WireType::kVarint) {
      out->unknown_rank = f.varint != 0;
    }
  }
  return Status::Ok();
}

}  // namespace

std::string TfDTypeName(int32_t dtype) {
  if (dtype > 100 && Find(dtype - 100) != nullptr) {
    return std::string(Find(dtype - 100)->name) + "_ref";
  }
  const DTypeInfo* d = Find(dtype);
  return d != nullptr ? d->name : "dtype_" + std::to_string(dtype);
}

size_t TfDTypeSize(int32_t dtype) {
  const DTypeInfo* d = Find(dtype);
  return d != nullptr ? d->size : 0;
}

Status DecodeBundleHeader(std::string_view bytes, BundleHeader* out) {
  const std::string what = "BundleHeaderProto";
  WireReader r(bytes, what);
  WireField f;
  while (!r.done()) {
    EB_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == 1 || f.number == 2) {
      if (f.type != WireType::kVarint) return WrongType(what, f);
      (f.number == 1 ? out->num_shards : out->endianness) =
          static_cast<int64_t>(f.varint);
    } else if (f.number == 3) {
      if (f.type != WireType::kBytes) return WrongType(what, f);
      WireReader v(f.bytes, what + " version");
      WireField g;
      while (!v.done()) {
        EB_RETURN_IF_ERROR(v.Next(&g));
        if (g.type != WireType::kVarint) continue;
        if (g.number == 1) out->version_producer = int64_t(g.varint);
        if (g.number == 2) out->version_min_consumer = int64_t(g.varint);
      }
    }
  }
  return Status::Ok();
}

Status DecodeBundleEntry(std::string_view bytes, const std::string& name,
                         BundleEntry* out) {
  const std::string what = "BundleEntryProto of '" + name + "'";
  WireReader r(bytes, what);
  WireField f;
  while (!r.done()) {
    EB_RETURN_IF_ERROR(r.Next(&f));
    switch (f.number) {
      case 1:
      case 3:
      case 4:
      case 5:
        if (f.type != WireType::kVarint) return WrongType(what, f);
        if (f.number == 1) out->dtype = static_cast<int32_t>(f.varint);
        if (f.number == 3) out->shard_id = static_cast<int64_t>(f.varint);
        if (f.number == 4) out->offset = static_cast<int64_t>(f.varint);
        if (f.number == 5) out->size = static_cast<int64_t>(f.varint);
        break;
      case 2:
        if (f.type != WireType::kBytes) return WrongType(what, f);
        EB_RETURN_IF_ERROR(DecodeShape(f.bytes, what, out));
        break;
      case 6:
        if (f.type != WireType::kFixed32) return WrongType(what, f);
        out->masked_crc32c = static_cast<uint32_t>(f.varint);
        break;
      case 7:
        if (f.type != WireType::kBytes) return WrongType(what, f);
        ++out->num_slices;
        break;
      default:
        break;
    }
  }
  return Status::Ok();
}

}  // namespace edgebert::tf
