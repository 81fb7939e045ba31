// Whole-file integrity of an .ebm model file (format version 2; the layout
// is in schema/edgebert.fbs):
//   header_checksum = Checksum64 of the size-prefixed FlatBuffer [0, 4 + S)
//                     with the 8 bytes of Model.header_checksum read as zero;
//   data_checksum   = Checksum64 of [data_offset, data_offset + data_size).
// Writers build the FlatBuffer with ForceDefaults (so both fields exist),
// then call SealModelHeader on the finished buffer (or SealModelFile on a
// whole file image). Readers call HeaderChecksum on a verified buffer.
#ifndef EDGEBERT_RUNTIME_MODEL_FILE_INTEGRITY_H_
#define EDGEBERT_RUNTIME_MODEL_FILE_INTEGRITY_H_

#include <cstddef>
#include <cstdint>

#include "runtime/base/status.h"
#include "schema/edgebert_generated.h"

namespace edgebert {

// Header checksum of the size-prefixed buffer [0, prefixed_bytes) whose root
// is `model` (already checked by flatbuffers::Verifier). FailedPrecondition
// if the buffer has no header_checksum field.
StatusOr<uint64_t> HeaderChecksum(const uint8_t* buf, size_t prefixed_bytes,
                                  const fb::Model& model);

// Stores the header checksum into the finished size-prefixed Model buffer
// [0, prefixed_bytes) (FlatBufferBuilder::GetBufferPointer/GetSize after
// FinishSizePrefixed). The buffer must be complete: seal last.
Status SealModelHeader(uint8_t* buf, size_t prefixed_bytes);

// Recomputes data_checksum, then the header checksum, of a whole file image
// [0, file_bytes) in place (e.g. after editing a converted file).
Status SealModelFile(uint8_t* file, size_t file_bytes);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_FILE_INTEGRITY_H_
