// scim CLI: shared helpers (see support.hpp).
#include "support.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

namespace scim_cli {

namespace {

std::string describe_errno(int err) {
  const char* text = std::strerror(err);
  return text != nullptr ? std::string(text) : "error " + std::to_string(err);
}

// ASCII case-insensitive comparison (schema URNs are ASCII).
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Shortens a string taken from the input for an error message.
std::string excerpt(std::string_view s) {
  constexpr std::size_t max = 80;
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

constexpr std::size_t read_chunk = 64 * 1024;

}  // namespace

scim::error usage_error(std::string detail) {
  return scim::error(400, scim::error_code::none, std::move(detail));
}

int report_error(const scim::error& e) noexcept {
  try {
    scim::error shown = e;
    shown.status = 400;
    scim::json body;
    to_json(body, shown);
    std::string line = scim::dump_json(body);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
    static constexpr char fallback[] =
        "{\"detail\":\"internal error\",\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
        "\"status\":\"400\"}\n";
    std::fwrite(fallback, 1, sizeof fallback - 1, stderr);
  }
  std::fflush(stderr);
  return to_int(exit_status::error);
}

scim::expected<void> write_stdout(std::string_view text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    return scim::fail(usage_error("cannot write to stdout: " + describe_errno(errno)));
  }
  if (std::fflush(stdout) != 0)
    return scim::fail(usage_error("cannot write to stdout: " + describe_errno(errno)));
  return {};
}

// ---- input ---------------------------------------------------------------------

scim::expected<input> input::open(const std::string& path) {
  if (path.empty() || path == "-") return input(stdin, "<stdin>", false);
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return scim::fail(usage_error("cannot open '" + path + "': " + describe_errno(errno)));
  return input(f, path, true);
}

input::input(input&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)), name_(std::move(other.name_)), owned_(other.owned_) {
  other.owned_ = false;
}

input::~input() {
  if (owned_ && file_ != nullptr) std::fclose(file_);
}

// ---- line_reader ------------------------------------------------------------------

line_reader::line_reader(const input& in, std::size_t max_line_bytes)
    : file_(in.file()), name_(in.name()), max_line_bytes_(max_line_bytes) {
  buffer_.resize(read_chunk);
}

bool line_reader::fill() {
  begin_ = 0;
  end_ = 0;
  if (eof_) return false;
  errno = 0;
  const std::size_t n = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  end_ = n;
  if (n < buffer_.size()) {
    if (std::ferror(file_) != 0) {
      error_ = usage_error("cannot read '" + name_ + "': " + describe_errno(errno));
      return false;
    }
    eof_ = true;
  }
  return n > 0;
}

bool line_reader::next(std::string_view& line) {
  if (error_) return false;
  carry_.clear();
  bool carrying = false;
  for (;;) {
    if (begin_ == end_ && !fill()) {
      if (error_) return false;
      // End of input: a pending partial line is the last line.
      if (carrying && !carry_.empty()) {
        ++line_number_;
        line = carry_;
        return true;
      }
      return false;
    }
    const char* const data = buffer_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    const void* nl = std::memchr(data, '\n', avail);
    const std::size_t take =
        nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : avail;
    if (carry_.size() + take > max_line_bytes_) {
      error_ = scim::error(scim::error_code::invalid_syntax, "line " + std::to_string(line_number_ + 1) +
                                                                 ": longer than the limit of " +
                                                                 std::to_string(max_line_bytes_) + " bytes");
      return false;
    }
    if (nl != nullptr) {
      begin_ += take + 1;
      ++line_number_;
      if (!carrying) {
        line = std::string_view(data, take);  // zero-copy: the line lies in the buffer
      } else {
        carry_.append(data, take);
        line = carry_;
      }
      return true;
    }
    carry_.append(data, take);
    carrying = true;
    begin_ = end_;
  }
}

scim::expected<std::string> read_all(const input& in, std::size_t max_bytes) {
  std::string out;
  std::string chunk(read_chunk, '\0');
  for (;;) {
    errno = 0;
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), in.file());
    if (out.size() + n > max_bytes) {
      return scim::fail(scim::error_code::invalid_syntax, "'" + in.name() + "' is longer than the limit of " +
                                                              std::to_string(max_bytes) + " bytes");
    }
    out.append(chunk.data(), n);
    if (n < chunk.size()) {
      if (std::ferror(in.file()) != 0)
        return scim::fail(usage_error("cannot read '" + in.name() + "': " + describe_errno(errno)));
      return out;
    }
  }
}

scim::expected<scim::json> parse_json_text(std::string_view text, const scim::json_limits& limits) {
  if (!text.empty() && text.size() <= limits.max_bytes) {
    if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
      return scim::fail(scim::error(scim::error_code::invalid_syntax, "malformed JSON: NUL byte").at(at, {}));
    }
  }
  return scim::parse_json(text, limits);
}

bool is_blank(std::string_view line) noexcept {
  for (const char c : line)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

// ---- resources ------------------------------------------------------------------------

scim::expected<const scim::resource_type*> resource_type_of(const scim::json& resource,
                                                            const scim::schema_registry& reg) {
  using scim::error_code;
  if (!resource.is_object()) return scim::fail(error_code::invalid_syntax, "not a JSON object");
  const auto& members = resource.get_ref<const scim::json::object_t&>();
  const scim::json* schemas = nullptr;
  for (const auto& [key, value] : members) {
    if (iequals(key, "schemas")) {
      schemas = &value;
      break;
    }
  }
  if (schemas == nullptr) return scim::fail(error_code::invalid_syntax, "no 'schemas' attribute");
  if (!schemas->is_array() || schemas->empty())
    return scim::fail(error_code::invalid_syntax, "'schemas' must be a non-empty array of schema URNs");
  for (const auto& urn : *schemas)
    if (!urn.is_string())
      return scim::fail(error_code::invalid_syntax, "'schemas' must be a non-empty array of schema URNs");

  const scim::resource_type* type = nullptr;
  for (const auto& urn : *schemas) {
    const std::string& s = urn.get_ref<const std::string&>();
    const scim::resource_type* t = reg.find_resource_type_by_schema(s);
    if (t == nullptr) continue;
    if (type != nullptr && type != t) {
      return scim::fail(error_code::invalid_syntax, "'schemas' names more than one resource type ('" +
                                                        type->name + "' and '" + t->name + "')");
    }
    type = t;
  }
  if (type == nullptr) {
    std::string names;
    for (const scim::resource_type* t : reg.resource_types()) {
      if (!names.empty()) names += " or ";
      names += t->name + " (" + t->schema + ")";
    }
    return scim::fail(error_code::invalid_syntax, "'schemas' names no core schema of " + names);
  }
  for (const auto& urn : *schemas) {
    const std::string& s = urn.get_ref<const std::string&>();
    if (iequals(s, type->schema) || reg.find_extension_schema(*type, s) != nullptr) continue;
    return scim::fail(
        error_code::invalid_syntax,
        "'schemas' names '" + excerpt(s) + "', which is not a schema of resource type '" + type->name + "'");
  }
  return type;
}

scim::error at_line(std::size_t line_number, const scim::error& e) {
  scim::error out = e;
  // nlohmann's messages count lines and columns in the parsed text, which is
  // a single line here: drop that part, the offset below says the same.
  std::string detail = e.detail;
  static constexpr std::string_view noise = "parse error at line ";
  if (const auto at = detail.find(noise); at != std::string::npos) {
    if (const auto colon = detail.find(": ", at); colon != std::string::npos)
      detail.erase(at, colon + 2 - at);
  }
  out.detail = "line " + std::to_string(line_number) + ": " + detail;
  if (e.position) out.detail += " (at offset " + std::to_string(*e.position) + ")";
  out.position.reset();
  out.input.clear();
  return out;
}

}  // namespace scim_cli
