//===- runtime/tools/ida-train/main.cpp - the ida-train tool --------------===//
//
// Parses the command line, builds the task and the model, runs the Trainer,
// and writes the JSON metrics. Every failure is one line on stderr and a
// non-zero exit: 1 bad input, 2 training stopped on a non-finite value.
//
// The mixer core (--core) is by default the bundle core: the compiled
// graph's forward and forward_vjp entries through the runtime launcher. Its
// bundle is --bundle DIR, or else idac (next to this executable, $IDA_IDAC
// or PATH) compiles the model's preset into the bundle cache
// (runtime/nn/PresetBundle.h). `--core reference` is the float64 reference
// (exact, slow; the tests use it).
//
// Where the rest of the model lives (--model-on): `host` runs the layers
// with OpenBLAS on the host (runtime/nn/Model.h); `device` keeps
// parameters, optimizer state and activations on the mixer's device and runs
// the layers there (runtime/nn/DeviceModel.h: cuBLAS and the layer programs
// on CUDA; the same programs compiled for the CPU on cpu). `auto` is device
// exactly when the mixer runs on CUDA.
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/Blas.h"
#include "runtime/nn/BundleCore.h"
#include "runtime/nn/DeviceModel.h"
#include "runtime/nn/Model.h"
#include "runtime/nn/PresetBundle.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/train/Trainer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

using namespace ida;

namespace {

struct Args {
  std::string task = "mqar", textFile, mixer = "ida", feature = "elu1",
              target = "auto", core = "bundle", modelOn = "auto", bundle, save,
              resume, json;
  int64_t layers = 2, dModel = 128, heads = 4, headDim = 0, valueDim = 0,
          featureDim = 16, basis = 4, chunk = 64, conv = 4, mlpHidden = 0;
  bool noMlp = false, normalize = false;
  int64_t seqLen = 256, pairs = 16, vocab = 1024;
  double alpha = 0.01, heldOut = 0.1;
  int64_t steps = 1000, batch = 8, warmup = -1, evalEvery = 0, evalBatches = 4,
          logEvery = 10, saveEvery = 0, stopAfter = -1;
  double lr = 1e-3, minLrRatio = 0.1, weightDecay = 0.1, clip = 1.0;
  uint64_t seed = 0;
};

std::string cpuName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos)
        return line.substr(line.find_first_not_of(' ', pos + 1));
    }
  return "cpu";
}

nlohmann::json configJson(const Args &a) {
  return {{"task", a.task},         {"text_file", a.textFile},
          {"mixer", a.mixer},       {"layers", a.layers},
          {"d_model", a.dModel},    {"heads", a.heads},
          {"head_dim", a.headDim},  {"value_dim", a.valueDim},
          {"feature", a.feature},   {"feature_dim", a.featureDim},
          {"basis", a.basis},       {"chunk", a.chunk},
          {"conv", a.conv},         {"mlp", !a.noMlp},
          {"mlp_hidden", a.mlpHidden}, {"normalize", a.normalize},
          {"seq_len", a.seqLen},    {"pairs", a.pairs},
          {"vocab", a.vocab},       {"alpha", a.alpha},
          {"held_out", a.heldOut},  {"steps", a.steps},
          {"batch", a.batch},       {"lr", a.lr},
          {"min_lr_ratio", a.minLrRatio}, {"warmup", a.warmup},
          {"weight_decay", a.weightDecay}, {"clip", a.clip},
          {"seed", a.seed},         {"target", a.target},
          {"core", a.core},         {"bundle", a.bundle},
          {"model_on", a.modelOn}};
}

std::string withCommas(int64_t n) {
  std::string s = std::to_string(n), r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0)
      r += ',';
    r += s[i];
  }
  return r;
}

/// Where the bundle core's kernels come from and run.
struct CoreChoice {
  std::shared_ptr<nn::MixerBundle> bundle; // null: the reference core
  std::string bundleDir, bundleOrigin;     // origin: for the banner
};

CoreChoice chooseCore(const Args &a, const nn::MixerConfig &mx) {
  CoreChoice c;
  if (a.core == "reference") {
    if (!a.bundle.empty())
      throw std::invalid_argument("--bundle DIR needs the bundle core (drop "
                                  "--core reference)");
    if (a.target == "cuda")
      throw std::invalid_argument("the reference core runs on the CPU only "
                                  "(--target cuda needs --core bundle)");
    return c;
  }
  if (a.core != "bundle")
    throw std::invalid_argument("unknown core '" + a.core +
                                "' (expected bundle or reference)");
  if (!a.bundle.empty()) {
    c.bundleDir = a.bundle;
    c.bundleOrigin = "given with --bundle";
  } else {
    const std::string idac = findIdac(selfExecutableDir());
    if (idac.empty())
      throw std::invalid_argument(
          "the bundle core needs a bundle, and idac (the IDA compiler) was not "
          "found next to ida-train, in $IDA_IDAC or on PATH: pass --bundle DIR "
          "(from idac --preset ...) or use --core reference");
    IdacBundle pb = idacBundle(idac, nn::presetArgs(mx, nn::presetSourceTargets(a.target)));
    c.bundleDir = pb.dir;
    c.bundleOrigin = pb.generated ? "compiled now by " + idac : "from the cache";
  }
  c.bundle = std::make_shared<nn::MixerBundle>(c.bundleDir, a.target);
  c.bundle->checkMatches(mx);
  return c;
}

int run(const Args &a) {
  if (a.target != "auto" && a.target != "cpu" && a.target != "cuda")
    throw std::invalid_argument("unknown target '" + a.target +
                                "' (expected auto, cpu or cuda)");
  // Checked before anything is compiled or allocated.
  if (a.modelOn != "auto" && a.modelOn != "host" && a.modelOn != "device")
    throw std::invalid_argument("unknown --model-on '" + a.modelOn +
                                "' (expected auto, host or device)");

  std::unique_ptr<train::Task> task;
  if (a.task == "mqar") {
    train::MqarOptions mo;
    mo.vocab = a.vocab;
    mo.pairs = a.pairs;
    mo.alpha = a.alpha;
    auto t = std::make_unique<train::MqarTask>(mo);
    t->validate(a.seqLen);
    task = std::move(t);
  } else if (a.task == "text") {
    if (a.textFile.empty())
      throw std::invalid_argument("--task text needs a FILE (--text FILE)");
    auto t = std::make_unique<train::TextTask>(a.textFile, a.heldOut);
    t->validate(a.seqLen);
    task = std::move(t);
  } else {
    throw std::invalid_argument("unknown task '" + a.task + "' (expected mqar or text)");
  }

  nn::ModelConfig mc;
  mc.vocab = task->vocab();
  mc.dModel = a.dModel;
  mc.layers = a.layers;
  mc.mlp = !a.noMlp;
  mc.mlpHidden = a.mlpHidden;
  mc.seed = a.seed;
  mc.mixer.kind = nn::parseMixerKind(a.mixer);
  mc.mixer.heads = a.heads;
  mc.mixer.headDim = a.headDim;
  mc.mixer.valueDim = a.valueDim;
  mc.mixer.basis = a.basis;
  mc.mixer.feature = ref::parseFeatureKind(a.feature);
  mc.mixer.featureParam = a.featureDim;
  mc.mixer.chunk = a.chunk;
  mc.mixer.convKernel = a.conv;
  mc.mixer.normalize = a.normalize;
  // Resolved here as the model will resolve it: the bundle is chosen (and
  // checked) from it before any parameter is allocated.
  const CoreChoice choice = chooseCore(a, nn::resolveMixer(mc.mixer, a.dModel));
  nn::Model<float> model(mc, choice.bundle
                                 ? nn::MixerBundle::factory(choice.bundle)
                                 : nn::referenceCoreFactory<float>());

  const nn::MixerConfig &mx = model.mixerConfig();
  const std::string coreName = model.mixer(0).core().describe();
  const int64_t perHead = nn::stateSizePerHead(mx, a.seqLen);
  const int64_t perLayer = nn::stateSizePerLayer(mx, a.seqLen);
  const std::string target = choice.bundle ? choice.bundle->target() : "cpu";
  std::string device = choice.bundle ? choice.bundle->deviceName() : cpuName();
  if (device.rfind(target + ": ", 0) == 0) // "cpu: AMD EPYC (2 threads)"
    device = device.substr(target.size() + 2);
  std::printf("ida-train: task %s, mixer %s, %lld layers, d_model %lld, %s parameters\n",
              a.task.c_str(), a.mixer.c_str(), (long long)a.layers,
              (long long)a.dModel, withCommas(model.params().numTrainable()).c_str());
  if (mx.core.attention)
    std::printf("mixer: causal softmax attention, H=%lld D=%lld P=%lld; state (KV cache at T=%lld): %s per head, %s per layer\n",
                (long long)mx.H, (long long)mx.D, (long long)mx.P, (long long)a.seqLen,
                withCommas(perHead).c_str(), withCommas(perLayer).c_str());
  else
    std::printf("mixer: H=%lld D=%lld P=%lld N=%lld F=%lld feature %s, basis weights %s%s; state N*F*P: %s per head, %s per layer\n",
                (long long)mx.H, (long long)mx.D, (long long)mx.P, (long long)mx.N,
                (long long)mx.F, ref::featureKindName(mx.core.ida.feature),
                ref::basisWeightsName(mx.core.ida.basisWeights),
                mx.core.ida.normalize ? ", normalized" : "",
                withCommas(perHead).c_str(), withCommas(perLayer).c_str());
  std::printf("target: %s (%s); mixer core: %s\n", target.c_str(), device.c_str(),
              coreName.c_str());
  if (choice.bundle) {
    const std::string &cmd = choice.bundle->presetCommand();
    std::printf("bundle: %s (%s%s%s)\n", choice.bundleDir.c_str(),
                choice.bundleOrigin.c_str(), cmd.empty() ? "" : "; ", cmd.c_str());
    std::fflush(stdout);
    // Compile and tune every kernel at the training shape now, so that the
    // first steps (and tokens/s) measure training alone.
    const auto t0 = std::chrono::steady_clock::now();
    nn::warmUpCore(model.mixer(0).core(), mx, a.batch, a.seqLen);
    std::printf("kernels: ready in %.1f s (compiled or loaded from the cache, "
                "tuned unless IDA_AUTOTUNE=0)\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                    .count());
  }

  // The model on the device, when it goes there.
  const std::string modelOn =
      a.modelOn == "auto" ? (target == "cuda" ? "device" : "host") : a.modelOn;
  std::unique_ptr<nn::DeviceModel> deviceModel;
  std::string gemmName = nn::hostGemmName();
  if (modelOn == "device") {
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<Device> dev =
        choice.bundle ? choice.bundle->device() : std::shared_ptr<Device>(makeDevice("cpu"));
    auto kernels = std::make_shared<nn::LayerKernels>(dev);
    nn::DeviceCoreFactory cores =
        choice.bundle ? nn::MixerBundle::deviceFactory(choice.bundle, mx)
                      : nn::hostCoreOnDevice(kernels, mx,
                                             nn::referenceCoreFactory<float>());
    nn::AdamWConfig adam;
    adam.weightDecay = a.weightDecay;
    deviceModel = std::make_unique<nn::DeviceModel>(model, kernels, cores, adam);
    gemmName = kernels->gemmName();
    std::printf("model: on the device (%s; layer programs compiled and "
                "parameters uploaded in %.1f s)\n",
                gemmName.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                    .count());
  } else {
    std::printf("model: on the host (GEMMs: %s)\n", gemmName.c_str());
  }
  std::fflush(stdout);

  train::TrainOptions to;
  to.steps = a.steps;
  to.batch = a.batch;
  to.seqLen = a.seqLen;
  to.lr = a.lr;
  to.minLrRatio = a.minLrRatio;
  to.warmup = a.warmup;
  to.adam.weightDecay = a.weightDecay;
  to.clip = a.clip;
  to.evalEvery = a.evalEvery;
  to.evalBatches = a.evalBatches;
  to.seed = a.seed;
  to.logEvery = a.logEvery;
  to.savePath = a.save;
  to.saveEvery = a.saveEvery;
  to.resumePath = a.resume;
  to.stopAfter = a.stopAfter;
  const nlohmann::json cfg = configJson(a);
  to.configJson = cfg.dump();

  train::Trainer trainer(model, *task, to, &std::cout);
  if (deviceModel)
    trainer.useDevice(deviceModel.get());
  train::TrainResult res = trainer.run();
  std::printf("done: %lld steps, final loss %.4f, final accuracy %.4f, %.0f tok/s\n",
              (long long)(res.endStep - res.startStep), res.finalLoss,
              res.finalAccuracy, res.tokensPerSec);

  if (!a.json.empty()) {
    nlohmann::json j;
    j["config"] = cfg;
    j["parameters"] = model.params().numTrainable();
    j["state_size_per_head"] = perHead;
    j["state_size_per_layer"] = perLayer;
    j["mixer_core"] = coreName;
    if (choice.bundle) {
      j["bundle"] = choice.bundleDir;
      j["bundle_command"] = choice.bundle->presetCommand();
    }
    j["evals"] = nlohmann::json::array();
    for (const auto &e : res.evals)
      j["evals"].push_back({{"step", e.step}, {"loss", e.loss}, {"accuracy", e.accuracy}});
    j["train_loss"] = res.losses;
    j["start_step"] = res.startStep;
    j["end_step"] = res.endStep;
    j["final_loss"] = res.finalLoss;
    j["final_accuracy"] = res.finalAccuracy;
    j["tokens_per_s"] = res.tokensPerSec;
    j["target"] = target;
    j["device"] = device;
    j["model_on"] = modelOn;
    j["gemm"] = gemmName;
    const std::string tmp = a.json + ".tmp";
    {
      std::ofstream out(tmp);
      out << j.dump(2) << "\n";
      if (!out)
        throw std::runtime_error("cannot write '" + a.json + "'");
    }
    if (std::rename(tmp.c_str(), a.json.c_str()) != 0)
      throw std::runtime_error("cannot write '" + a.json + "'");
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  // The host layers' OpenBLAS threads and the CPU kernels' OpenMP threads
  // take turns on the same cores; OpenMP's default spin after each parallel
  // region then holds the cores OpenBLAS needs next (perf: ~90% of a step
  // in libgomp's wait loop on the 2-core box). libgomp reads this when the
  // first kernel library loads it, after this line; a user's value wins.
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  Args a;
  CLI::App app{"ida-train: a small language model whose mixer is an IDA-family "
               "op, on multi-query associative recall or a text file"};
  app.add_option("--task", a.task, "mqar | text")->capture_default_str();
  app.add_option("--text", a.textFile, "text file for --task text (byte-level)");
  app.add_option("file", a.textFile, "text file for --task text (same as --text)");
  app.add_option("--mixer", a.mixer, "ida | ssm | mamba2 | linear | softmax")->capture_default_str();
  app.add_option("--layers", a.layers, "number of blocks")->capture_default_str();
  app.add_option("--d-model", a.dModel, "model width")->capture_default_str();
  app.add_option("--heads", a.heads, "mixer heads H")->capture_default_str();
  app.add_option("--head-dim", a.headDim, "query/key size D (0: d-model / heads)")->capture_default_str();
  app.add_option("--value-dim", a.valueDim, "value size P (0: d-model / heads)")->capture_default_str();
  app.add_option("--feature", a.feature, "identity | elu1 | relu | taylor2 | prf | hedgehog (ida, ssm)")->capture_default_str();
  app.add_option("--feature-dim", a.featureDim, "F' for prf and hedgehog")->capture_default_str();
  app.add_option("--basis", a.basis, "basis size N (ida, ssm)")->capture_default_str();
  app.add_option("--chunk", a.chunk, "chunk length C (compiled cores)")->capture_default_str();
  app.add_option("--conv", a.conv, "short causal conv kernel before the mixer (0: off)")->capture_default_str();
  app.add_flag("--no-mlp", a.noMlp, "drop the SwiGLU MLP from every block");
  app.add_option("--mlp-hidden", a.mlpHidden, "MLP hidden size (0: 8/3 d-model)")->capture_default_str();
  app.add_flag("--normalize", a.normalize, "normalized read-out (ida, ssm, mamba2; linear always)");
  app.add_option("--seq-len", a.seqLen, "sequence length T")->capture_default_str();
  app.add_option("--pairs", a.pairs, "MQAR key-value pairs K")->capture_default_str();
  app.add_option("--vocab", a.vocab, "MQAR vocabulary V")->capture_default_str();
  app.add_option("--alpha", a.alpha, "MQAR power-law exponent of the query gaps")->capture_default_str();
  app.add_option("--held-out", a.heldOut, "text: fraction of the file held out")->capture_default_str();
  app.add_option("--steps", a.steps, "optimizer steps")->capture_default_str();
  app.add_option("--batch", a.batch, "sequences per step")->capture_default_str();
  app.add_option("--lr", a.lr, "peak learning rate")->capture_default_str();
  app.add_option("--min-lr-ratio", a.minLrRatio, "final lr / peak lr of the cosine")->capture_default_str();
  app.add_option("--warmup", a.warmup, "warmup steps (-1: min(100, steps/10))")->capture_default_str();
  app.add_option("--weight-decay", a.weightDecay, "AdamW decoupled weight decay")->capture_default_str();
  app.add_option("--clip", a.clip, "global gradient-norm clip (0: off)")->capture_default_str();
  app.add_option("--eval-every", a.evalEvery, "evaluate every N steps (0: steps/10)")->capture_default_str();
  app.add_option("--eval-batches", a.evalBatches, "held-out batches per evaluation")->capture_default_str();
  app.add_option("--log-every", a.logEvery, "progress line every N steps")->capture_default_str();
  app.add_option("--target", a.target, "auto | cpu | cuda (bundle core)")->capture_default_str();
  app.add_option("--model-on", a.modelOn,
                 "auto | host | device: where the layers, parameters and "
                 "optimizer live (auto: device when the mixer runs on CUDA)")
      ->capture_default_str();
  app.add_option("--core", a.core,
                 "mixer core: bundle (compiled kernels) | reference (float64, CPU)")
      ->capture_default_str();
  app.add_option("--bundle", a.bundle,
                 "bundle directory for the bundle core (default: idac --preset "
                 "from the model flags, cached under $IDA_CACHE_DIR/bundles)");
  app.add_option("--seed", a.seed, "seed of initialisation and data")->capture_default_str();
  app.add_option("--save", a.save, "checkpoint to write at the end (safetensors)");
  app.add_option("--save-every", a.saveEvery, "also checkpoint every N steps")->capture_default_str();
  app.add_option("--resume", a.resume, "checkpoint to resume from");
  app.add_option("--stop-after", a.stopAfter, "stop (and save) after this many steps of the schedule")->capture_default_str();
  app.add_option("--json", a.json, "write the run's metrics here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) // --help
      return app.exit(e);
    std::fprintf(stderr, "ida-train: error: %s (see --help)\n", e.what());
    return 1;
  }
  try {
    return run(a);
  } catch (const train::NonFiniteError &e) {
    std::fprintf(stderr, "ida-train: error: %s\n", e.what());
    return 2;
  } catch (const std::exception &e) {
    // One line: multi-line messages (compiler logs) are cut to their first
    // line, and the full text follows only with IDA_VERBOSE (as in ida-run).
    std::string msg = e.what();
    const size_t nl = msg.find('\n');
    if (nl != std::string::npos && !env::verbose()) {
      std::string first = msg.substr(0, nl);
      if (auto *ce = dynamic_cast<const CompileError *>(&e))
        first += " (source: " + ce->sourcePath() +
                 "; set IDA_VERBOSE=1 for the compiler log)";
      msg = first;
    }
    std::fprintf(stderr, "ida-train: error: %s\n", msg.c_str());
    return 1;
  }
}
