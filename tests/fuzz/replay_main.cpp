// scimpp fuzzing: a main() that replays inputs through a fuzz target's
// LLVMFuzzerTestOneInput, for builds without libFuzzer (gcc, the asan
// preset). Every argument is a file or a directory; a directory contributes
// each regular file in it (recursively, in sorted order). A failed invariant
// aborts the process, so ctest reports the test as failed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool read_file(const std::filesystem::path& p, std::vector<char>& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) inputs.push_back(it->path());
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i], ec.message().c_str());
        return 2;
      }
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
      return 2;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 2;
  }
  std::vector<char> buf;
  for (const auto& p : inputs) {
    if (!read_file(p, buf)) {
      std::fprintf(stderr, "replay: cannot read %s\n", p.string().c_str());
      return 2;
    }
    // Announce the input first: if it aborts, the log names it.
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", p.string().c_str(), buf.size());
    // Copy into an exactly-sized heap block so ASan catches reads past the end,
    // as libFuzzer's own driver does.
    std::vector<std::uint8_t> data(buf.begin(), buf.end());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  }
  std::printf("replay: %zu inputs OK\n", inputs.size());
  return 0;
}
