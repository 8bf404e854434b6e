//===- tests/unit/runtime/ManifestTest.cpp - manifest parsing/validation --===//
//
// Each case breaks the fixture manifest in one place and checks that the
// error says where and what.
//
//===----------------------------------------------------------------------===//

#include "runtime/bundle/Bundle.h"
#include "runtime/bundle/Manifest.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "tests/unit/runtime/Fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

using namespace ida;
using json = nlohmann::json;

namespace {

json fixture() { return json::parse(test::cumsumManifest()); }

/// The ManifestError message for the fixture after `edit`.
std::string errorAfter(const std::function<void(json &)> &edit) {
  json j = fixture();
  edit(j);
  try {
    parseManifest(j.dump(), "m.json");
  } catch (const ManifestError &e) {
    return e.what();
  }
  return "<no error>";
}

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "message: " << (text) << "\nexpected to contain: " << (part)

} // namespace

TEST(Manifest, ParsesTheFixture) {
  Manifest m = parseManifest(test::cumsumManifest());
  EXPECT_EQ(m.format, "ida-bundle/1");
  EXPECT_EQ(m.statics.at("H"), 4);
  const BufferSpec &y0 = m.buffer("y0");
  EXPECT_TRUE(y0.optional);
  EXPECT_EQ(shapeExprString(y0.shape), "[B, H]");
  const KernelSpec &k = m.kernel("cumsum");
  ASSERT_EQ(k.args.size(), 6u);
  EXPECT_EQ(k.args[5].kind, KernelArg::Kind::Workspace);
  EXPECT_EQ(k.args[5].spelling(), "@chunk_sums");
  EXPECT_TRUE(k.workspaces.at(0).zero);
  ASSERT_EQ(k.programs.size(), 2u);
  EXPECT_EQ(k.programs[1].threads.text(), "32*BV");
  EXPECT_EQ(k.programs[0].threads.text(), "1"); // default
  EXPECT_EQ(k.space.configs.size(), 2u);
  EXPECT_EQ(k.space.configAt(1), (Config{{"C", 7}, {"BV", 2}}));
  EXPECT_EQ(k.defaultConfig, (Config{{"C", 16}, {"BV", 1}}));
  EXPECT_EQ(configString(k.defaultConfig, k.space.keys), "C=16,BV=1");
  const EntrySpec &e = m.entry("forward");
  EXPECT_EQ(e.inputs, (std::vector<std::string>{"x", "scale", "y0"}));
  EXPECT_TRUE(e.temps.empty());
}

TEST(Manifest, LookupErrorsListKnownNames) {
  Manifest m = parseManifest(test::cumsumManifest());
  try {
    m.entry("backward");
    FAIL();
  } catch (const ManifestError &e) {
    EXPECT_STREQ(e.what(), "bundle has no entry 'backward' (entries: forward)");
  }
}

TEST(Manifest, StructuralErrors) {
  EXPECT_CONTAINS(errorAfter([](json &j) { j["format"] = "ida-bundle/2"; }),
                  "m.json: format: unsupported bundle format 'ida-bundle/2' "
                  "(this runtime reads ida-bundle/1)");
  EXPECT_CONTAINS(errorAfter([](json &j) { j.erase("buffers"); }),
                  "missing required key 'buffers'");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["kernels"]["cumsum"]["workspace"] = 1; }),
                  "kernels.cumsum: unknown key 'workspace'");
  EXPECT_EQ(errorAfter([](json &j) { j["x-note"] = "extensions are ignored"; }),
            "<no error>");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["buffers"]["x"]["dtype"] = "float"; }),
                  "buffers.x.dtype: unknown dtype 'float'");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["buffers"]["x"]["role"] = "in"; }),
                  "buffers.x.role: unknown role 'in'");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["buffers"]["y"]["optional"] = true; }),
                  "buffers.y.optional: only inputs can be optional");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["buffers"]["x"]["shape"] = "B"; }),
                  "buffers.x.shape: expected an array, got a string");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["static"]["T"] = 5; }),
                  "static.T: 'T' is always dynamic");
  try {
    parseManifest("{ not json", "m.json");
    FAIL();
  } catch (const ManifestError &e) {
    EXPECT_CONTAINS(e.what(), "m.json: invalid JSON");
  }
}

TEST(Manifest, ExpressionErrors) {
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["programs"][0]["grid"][1] = "cdiv(T,";
                  }),
                  "kernels.cumsum.programs[0].grid[1]: bad expression 'cdiv(T,'");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["programs"][0]["grid"][0] = "B*HEADS";
                  }),
                  "kernels.cumsum.programs[0].grid[0]: expression 'B*HEADS' "
                  "uses unknown name 'HEADS'");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["buffers"]["y"]["shape"][1] = "T*C"; }),
                  "buffers.y.shape[1]: expression 'T*C' uses unknown name 'C'");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["programs"][0]["grid"] = {1, 1};
                  }),
                  "expected 3 extents");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["programs"][0]["smem"] = 1.5;
                  }),
                  "programs[0].smem: expected an integer or an expression "
                  "string, got a number");
}

TEST(Manifest, KernelReferenceErrors) {
  EXPECT_CONTAINS(errorAfter([](json &j) { j["kernels"]["cumsum"]["args"][2] = "y1"; }),
                  "kernels.cumsum.args[2]: unknown buffer 'y1' (buffers: cfg, "
                  "scale, x, y, y0)");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["kernels"]["cumsum"]["args"][5] = "@sums"; }),
                  "kernels.cumsum.args[5]: unknown workspace '@sums' "
                  "(workspaces of this kernel: @chunk_sums)");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["args"].erase(5);
                  }),
                  "kernels.cumsum.workspaces.chunk_sums: workspace is never "
                  "passed to the kernel");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["kernels"]["cumsum"]["args"][1] = "x"; }),
                  "argument 'x' is passed twice");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    auto &args = j["kernels"]["cumsum"]["args"];
                    for (int i = 0; i < 20; ++i)
                      args.push_back("x" + std::to_string(i));
                  }),
                  "the ABI allows at most 24");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["sources"]["cpu"] = "../escape.cpp";
                  }),
                  "must be relative to the bundle and stay inside it");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["kernels"]["cumsum"]["programs"] = json::array(); }),
                  "a kernel needs at least one program");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["programs"][0]["symbol"] = "bad-name";
                  }),
                  "bad symbol name 'bad-name'");
}

TEST(Manifest, TuningSpaceErrors) {
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["space"]["configs"][1] = {7};
                  }),
                  "kernels.cumsum.space.configs[1]: has 1 values for 2 keys");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["default"] = {{"C", 16}};
                  }),
                  "kernels.cumsum.default: missing tuning key 'BV'");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["default"]["D"] = 3;
                  }),
                  "'D' is not a key of the tuning space");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["kernels"]["cumsum"]["space"]["keys"][0] = "H";
                  }),
                  "tuning key 'H' clashes");
  // Without "default" the first configuration is the default.
  json j = fixture();
  j["kernels"]["cumsum"].erase("default");
  Manifest m = parseManifest(j.dump());
  EXPECT_EQ(m.kernel("cumsum").defaultConfig, (Config{{"C", 16}, {"BV", 1}}));
}

TEST(Manifest, EntryErrors) {
  EXPECT_CONTAINS(errorAfter([](json &j) { j["entries"]["forward"]["inputs"][0] = "y"; }),
                  "entries.forward.inputs[0]: buffer 'y' has role 'output', "
                  "expected 'input'");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["entries"]["forward"]["steps"][0]["kernel"] = "scan";
                  }),
                  "entries.forward.steps[0].kernel: unknown kernel 'scan' "
                  "(kernels: cumsum)");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["entries"]["forward"]["outputs"] = {"y"};
                  }),
                  "kernel 'cumsum' uses output buffer 'cfg', which is not "
                  "among the entry's outputs");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j["entries"]["forward"]["inputs"] = {"scale", "y0"};
                    j["kernels"]["cumsum"]["args"][0] = "scale";
                    j["kernels"]["cumsum"]["args"][1] = "y0";
                    j["kernels"]["cumsum"]["args"][2] = "cfg";
                    j["kernels"]["cumsum"]["args"][3] = "y";
                    j["kernels"]["cumsum"]["args"][4] = "@chunk_sums";
                    j["kernels"]["cumsum"]["args"].erase(5);
                  }),
                  "'T' (used by output 'y': 'T') is not an extent of any input");
  EXPECT_CONTAINS(errorAfter([](json &j) {
                    j.erase("static");
                    j["buffers"]["x"]["shape"] = {"B", "T", 4};
                    j["buffers"]["y"]["shape"] = {"B", "T", 4};
                    j["buffers"]["scale"]["shape"] = {4};
                    j["buffers"]["y0"]["shape"] = {"B", 4};
                  }),
                  "entries.forward: H is neither a static constant nor an "
                  "extent of any input");
  // H as an input extent is enough.
  EXPECT_EQ(errorAfter([](json &j) { j.erase("static"); }), "<no error>");
  EXPECT_CONTAINS(errorAfter([](json &j) { j["entries"] = json::object(); }),
                  "a bundle needs at least one entry");
}

TEST(Manifest, TempBuffersAreDerivedPerEntry) {
  json j = fixture();
  j["buffers"]["scratch"] = {{"role", "temp"}, {"dtype", "f32"}, {"shape", {"B", "T"}}};
  j["kernels"]["cumsum"]["args"].push_back("scratch");
  Manifest m = parseManifest(j.dump());
  EXPECT_EQ(m.entry("forward").temps, std::vector<std::string>{"scratch"});
}

TEST(Bundle, MissingSourceFileIsNamed) {
  std::string dir = test::makeTempDir("nosrc");
  writeFileAtomic(dir + "/manifest.json", test::cumsumManifest());
  try {
    Bundle::load(dir);
    FAIL();
  } catch (const ManifestError &e) {
    EXPECT_CONTAINS(e.what(), "kernels.cumsum.sources.cpu: source file '" +
                                  dir + "/kernels/cumsum.cpp' not found");
  }
  EXPECT_THROW(Bundle::load(dir + "/nope"), FileError);
  std::string empty = test::makeTempDir("empty");
  try {
    Bundle::load(empty);
    FAIL();
  } catch (const ManifestError &e) {
    EXPECT_CONTAINS(e.what(), "is not a bundle: it has no manifest.json");
  }
}

TEST(Bundle, LoadsSourcesAndReportsMissingTargets) {
  auto b = Bundle::load(test::cumsumBundleDir());
  EXPECT_TRUE(b->hasSource("cumsum", "cpu"));
  EXPECT_FALSE(b->hasSource("cumsum", "cuda"));
  EXPECT_NE(b->source("cumsum", "cpu").find("struct IdaKernelArgs"),
            std::string::npos);
  try {
    b->source("cumsum", "cuda");
    FAIL();
  } catch (const UnavailableError &e) {
    EXPECT_CONTAINS(e.what(), "has no source for target 'cuda' (it was "
                              "compiled for: cpu)");
  }
}

TEST(ConfigString, ParsesAndRejects) {
  EXPECT_EQ(parseConfigString("C=32, BV=16"), (Config{{"C", 32}, {"BV", 16}}));
  EXPECT_EQ(parseConfigString("cumsum.C=-1,"), (Config{{"cumsum.C", -1}}));
  EXPECT_TRUE(parseConfigString("").empty());
  EXPECT_THROW(parseConfigString("C"), ConfigError);
  EXPECT_THROW(parseConfigString("C=x"), ConfigError);
  EXPECT_THROW(parseConfigString("=3"), ConfigError);
}
