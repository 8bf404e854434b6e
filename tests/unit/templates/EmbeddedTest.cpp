//===- tests/unit/templates/EmbeddedTest.cpp - embedded template texts ----===//
#include "templates/Embedded.h"

#include <gtest/gtest.h>

#include <string>

TEST(EmbeddedTemplates, HasEveryTemplateText) {
  const auto &names = ida::templates::names();
  for (const char *path : {"common/ida_abi.h", "tile/cpu/tile_cpu.h",
                           "kernels/scan_params.h", "kernels/scan_fwd_onepass.h"}) {
    const char *text = ida::templates::get(path);
    ASSERT_NE(text, nullptr) << path;
    EXPECT_NE(std::string(text).find("#ifndef IDA_TEMPLATES_"), std::string::npos) << path;
  }
  EXPECT_GE(names.size(), 4u);
  EXPECT_EQ(ida::templates::get("no/such/file.h"), nullptr);
}

TEST(EmbeddedTemplates, TextIsByteExact) {
  // The ABI header ends with its include guard's #endif and a newline.
  std::string abi = ida::templates::get("common/ida_abi.h");
  EXPECT_EQ(abi.substr(abi.size() - 1), "\n");
  EXPECT_NE(abi.find("struct IdaKernelArgs"), std::string::npos);
}
