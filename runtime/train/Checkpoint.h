//===- runtime/train/Checkpoint.h - training checkpoints --------*- C++ -*-===//
//
// A checkpoint is one safetensors file:
//   <param name>          F32  every model parameter (frozen ones included)
//   optim.m.<param name>  F32  AdamW first moment
//   optim.v.<param name>  F32  AdamW second moment
//   __metadata__: format = "ida-train/1", step (next step to run),
//                 data_rng (the training stream's std::mt19937_64 state, as
//                 the standard library prints it), config (the run's JSON).
// Together these make a resumed CPU run bitwise identical to an
// uninterrupted one.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TRAIN_CHECKPOINT_H
#define IDA_RUNTIME_TRAIN_CHECKPOINT_H

#include "runtime/nn/Optim.h"
#include "runtime/train/Tasks.h"

#include <string>

namespace ida::train {

struct CheckpointMeta {
  int64_t step = 0;      // number of completed optimizer steps
  std::string config;    // JSON text of the run's configuration
};

/// Atomic (temp file + rename). Throws std::runtime_error on failure.
void saveCheckpoint(const std::string &path, const nn::ParamStore<float> &params,
                    nn::AdamW<float> &opt, const DataRng &dataRng,
                    const CheckpointMeta &meta);

/// Restores parameters, moments, step and the data RNG in place; every
/// tensor must be present with the model's shape (a checkpoint of another
/// configuration is refused, naming the first mismatching tensor).
CheckpointMeta loadCheckpoint(const std::string &path,
                              nn::ParamStore<float> &params,
                              nn::AdamW<float> &opt, DataRng &dataRng);

} // namespace ida::train

#endif // IDA_RUNTIME_TRAIN_CHECKPOINT_H
