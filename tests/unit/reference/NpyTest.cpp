//===- tests/unit/reference/NpyTest.cpp - strict .npy reader/writer -------===//
#include "runtime/io/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

namespace ida::io {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ida-npy-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  /// Writes a file by hand: magic, version, header text padded to 64, data.
  std::string handMade(const std::string &name, const std::string &dict,
                       const std::string &data, int major = 1) {
    std::string header = dict;
    const size_t prefix = 8 + (major == 1 ? 2 : 4);
    while ((prefix + header.size() + 1) % 64)
      header += ' ';
    header += '\n';
    std::string bytes = std::string("\x93NUMPY", 6) + char(major) + char(0);
    for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
      bytes += char((header.size() >> (8 * i)) & 0xff);
    bytes += header + data;
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }

  std::string readError(const std::string &file) {
    try {
      readNpy(file);
    } catch (const std::runtime_error &e) {
      return e.what();
    }
    return "<no error>";
  }

  fs::path dir_;
};

TEST_F(NpyTest, RoundTripsEveryDtype) {
  std::mt19937_64 gen(12);
  std::normal_distribution<double> normal;
  const std::vector<std::vector<int64_t>> shapes = {{}, {5}, {2, 3}, {2, 3, 4, 1}, {0, 3}};
  for (DType dtype : {DType::Float32, DType::Float64, DType::BFloat16, DType::Int32,
                      DType::Int64}) {
    for (const auto &shape : shapes) {
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<double> values(n);
      for (double &v : values) {
        v = normal(gen) * 100;
        if (dtype == DType::Int32 || dtype == DType::Int64)
          v = std::round(v);
      }
      const std::string file = path(std::string(dtypeName(dtype)) + ".npy");
      writeNpyFloat64(file, shape, values, dtype);
      std::vector<int64_t> readShape;
      const std::vector<double> back = readNpyFloat64(file, &readShape);
      EXPECT_EQ(readShape, shape);
      ASSERT_EQ(back.size(), values.size());
      const NpyArray raw = readNpy(file);
      EXPECT_EQ(raw.dtype, dtype);
      for (size_t i = 0; i < values.size(); ++i) {
        const double tol = dtype == DType::BFloat16 ? std::abs(values[i]) * 0x1p-8
                           : dtype == DType::Float32 ? std::abs(values[i]) * 0x1p-24
                                                     : 0.0;
        EXPECT_LE(std::abs(back[i] - values[i]), tol) << dtypeName(dtype) << " " << i;
      }
      EXPECT_EQ(fs::file_size(file) % 64, (n * dtypeSize(dtype)) % 64) << "64-byte aligned header";
    }
  }
}

TEST_F(NpyTest, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBFloat16(1.0f + 0x1p-8f), 0x3F80);           // tie -> even (down)
  EXPECT_EQ(floatToBFloat16(1.0f + 3 * 0x1p-8f), 0x3F82);       // tie -> even (up)
  EXPECT_EQ(floatToBFloat16(1.0f + 0x1p-8f + 0x1p-20f), 0x3F81); // above tie -> up
  EXPECT_EQ(floatToBFloat16(-2.0f), 0xC000);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(NAN))));
  EXPECT_EQ(bfloat16ToFloat(0x4049), 3.140625f);
}

TEST_F(NpyTest, ReadsVersionTwoHeaders) {
  const double values[2] = {1.5, -2.25};
  const std::string file = handMade("v2.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                                    std::string(reinterpret_cast<const char *>(values), 16), 2);
  std::vector<int64_t> shape;
  EXPECT_EQ(readNpyFloat64(file, &shape), (std::vector<double>{1.5, -2.25}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2}));
}

TEST_F(NpyTest, RejectsTruncatedData) {
  writeNpyFloat64(path("full.npy"), {4, 4}, std::vector<double>(16, 1.0));
  std::string bytes;
  {
    std::ifstream in(path("full.npy"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path("cut.npy"), std::ios::binary) << bytes.substr(0, bytes.size() - 9);
  const std::string msg = readError(path("cut.npy"));
  EXPECT_NE(msg.find("cut.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated data"), std::string::npos) << msg;

  std::ofstream(path("header.npy"), std::ios::binary) << bytes.substr(0, 20);
  EXPECT_NE(readError(path("header.npy")).find("truncated header"), std::string::npos);
}

TEST_F(NpyTest, RejectsTrailingBytes) {
  const std::string file = handMade("long.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                                    std::string(12, '\0'));
  EXPECT_NE(readError(file).find("trailing bytes"), std::string::npos);
}

TEST_F(NpyTest, RejectsFortranOrder) {
  const std::string file = handMade("f.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                                    std::string(16, '\0'));
  const std::string msg = readError(file);
  EXPECT_NE(msg.find("f.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Fortran-order arrays are not supported"), std::string::npos) << msg;
}

TEST_F(NpyTest, RejectsUnsupportedDtypes) {
  const std::string c16 = handMade("c.npy", "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
                                   std::string(16, '\0'));
  EXPECT_NE(readError(c16).find("unsupported dtype '<c16'"), std::string::npos) << readError(c16);
  const std::string big = handMade("b.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }",
                                   std::string(8, '\0'));
  EXPECT_NE(readError(big).find("big-endian"), std::string::npos);
}

TEST_F(NpyTest, RejectsBadMagicVersionAndHeader) {
  std::ofstream(path("text.npy")) << "hello, not numpy at all";
  EXPECT_NE(readError(path("text.npy")).find("bad magic"), std::string::npos);
  const std::string v9 = handMade("v9.npy", "{}", "", 1);
  {
    std::fstream f(v9, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(6);
    f.put(char(9));
  }
  EXPECT_NE(readError(v9).find("unsupported .npy version 9.0"), std::string::npos);
  const std::string noShape = handMade("ns.npy", "{'descr': '<f8', 'fortran_order': False}", "");
  EXPECT_NE(readError(noShape).find("must have"), std::string::npos);
  EXPECT_NE(readError(path("missing.npy")).find("cannot open"), std::string::npos);
}

TEST_F(NpyTest, IntegerDtypesRejectNonIntegers) {
  EXPECT_THROW(fromFloat64({1}, {0.5}, DType::Int32), std::invalid_argument);
  EXPECT_THROW(fromFloat64({1}, {3e10}, DType::Int32), std::invalid_argument);
}

} // namespace
} // namespace ida::io
