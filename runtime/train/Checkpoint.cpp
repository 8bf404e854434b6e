//===- runtime/train/Checkpoint.cpp - training checkpoints ----------------===//
#include "runtime/train/Checkpoint.h"

#include "runtime/train/SafeTensors.h"

#include <sstream>
#include <stdexcept>

namespace ida::train {

namespace {
constexpr const char *kFormat = "ida-train/1";
}

void saveCheckpoint(const std::string &path, const nn::ParamStore<float> &params,
                    nn::AdamW<float> &opt, const DataRng &dataRng,
                    const CheckpointMeta &meta) {
  SafeTensorsFile f;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto &p = params[i];
    f.putF32(p.name, p.value.shape, p.value.ptr());
    f.putF32("optim.m." + p.name, p.value.shape, opt.m()[i].ptr());
    f.putF32("optim.v." + p.name, p.value.shape, opt.v()[i].ptr());
  }
  std::ostringstream rng;
  rng << dataRng;
  f.metadata["format"] = kFormat;
  f.metadata["step"] = std::to_string(meta.step);
  f.metadata["optimizer_step"] = std::to_string(opt.step());
  f.metadata["data_rng"] = rng.str();
  f.metadata["config"] = meta.config;
  writeSafeTensors(path, f);
}

CheckpointMeta loadCheckpoint(const std::string &path,
                              nn::ParamStore<float> &params,
                              nn::AdamW<float> &opt, DataRng &dataRng) {
  SafeTensorsFile f = readSafeTensors(path);
  auto it = f.metadata.find("format");
  if (it == f.metadata.end() || it->second != kFormat)
    throw std::runtime_error("'" + path + "' is not an ida-train checkpoint");
  try {
    for (size_t i = 0; i < params.size(); ++i) {
      auto &p = params[i];
      f.getF32(p.name, p.value.shape, p.value.ptr());
      f.getF32("optim.m." + p.name, p.value.shape, opt.m()[i].ptr());
      f.getF32("optim.v." + p.name, p.value.shape, opt.v()[i].ptr());
    }
    CheckpointMeta meta;
    meta.step = std::stoll(f.meta("step"));
    meta.config = f.meta("config");
    opt.setStep(std::stoll(f.meta("optimizer_step")));
    std::istringstream rng(f.meta("data_rng"));
    rng >> dataRng;
    if (!rng)
      throw std::runtime_error("unreadable data_rng state");
    return meta;
  } catch (const std::logic_error &e) { // stoll failures
    throw std::runtime_error("'" + path + "': bad metadata: " + e.what());
  } catch (const std::runtime_error &e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
}

} // namespace ida::train
