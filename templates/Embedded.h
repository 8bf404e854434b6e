//===- templates/Embedded.h - template texts compiled into the binary -----===//
//
// Every template text under templates/{common,tile,kernels} is embedded at
// build time (templates/EmbedTemplates.cmake), so codegen and the runtime
// never read the source tree at run time. Paths are relative to templates/,
// e.g. "tile/cpu/tile_cpu.h".
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_EMBEDDED_H
#define IDA_TEMPLATES_EMBEDDED_H

#include <string_view>
#include <vector>

namespace ida::templates {

/// The text of one template (NUL-terminated), or nullptr if there is none
/// with that path.
const char *get(std::string_view path);

/// Every embedded path, sorted.
const std::vector<std::string_view> &names();

} // namespace ida::templates

#endif // IDA_TEMPLATES_EMBEDDED_H
