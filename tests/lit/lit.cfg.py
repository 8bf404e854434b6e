# -*- Python -*-
# lit configuration of the IDA FileCheck tests (dialect, passes, tools).

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "IDA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "run_examples.py"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ida_obj_root, "tests", "lit")

config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

# FileCheck, not, count from the LLVM tools directory.
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%ida_src_root", config.ida_src_root))
config.substitutions.append(("%python", config.python_executable))

tools = [ToolSubst("ida-opt", unresolved="fatal"),
         # codegen and bundles (tests/lit/Codegen)
         ToolSubst("idac", unresolved="fatal"),
         ToolSubst("ida-translate", unresolved="fatal"),
         ToolSubst("ida-run", unresolved="fatal")]
llvm_config.add_tool_substitutions(tools, [config.ida_tools_dir])
config.substitutions.append(
    ("%ida_opt", os.path.join(config.ida_tools_dir, "ida-opt")))
