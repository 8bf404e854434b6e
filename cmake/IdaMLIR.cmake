# Finds Debian's MLIR/LLVM 19 and loads its CMake helpers. Its version file
# accepts only a "19.1" request. Included from the top level so the imported
# targets are visible to dialect/ and compiler/. LLVM's global compile flags
# are applied per directory by IdaMLIRFlags.cmake, never to the runtime.
find_package(MLIR 19.1 REQUIRED CONFIG
  HINTS /usr/lib/llvm-19/lib/cmake/mlir)
message(STATUS "Using MLIRConfig.cmake in: ${MLIR_DIR}")
message(STATUS "Using LLVMConfig.cmake in: ${LLVM_DIR}")

set(LLVM_RUNTIME_OUTPUT_INTDIR ${IDA_BIN_DIR})
set(LLVM_LIBRARY_OUTPUT_INTDIR ${PROJECT_BINARY_DIR}/lib)
set(MLIR_BINARY_DIR ${PROJECT_BINARY_DIR})
list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(TableGen)
include(AddLLVM)
include(AddMLIR)

# Debian ships no llvm-lit; use the lit in LLVM's build tree, else pip's lit.
if(NOT IDA_LIT)
  if(EXISTS /usr/lib/llvm-19/build/utils/lit/lit.py)
    set(IDA_LIT /usr/lib/llvm-19/build/utils/lit/lit.py)
  else()
    find_program(IDA_LIT lit REQUIRED)
  endif()
endif()
set(IDA_LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})
