// scimpp fuzz target: PATCH paths and attribute paths.
//
// Invariants (a violation aborts):
//   * parse_attribute_path / parse_patch_path never crash;
//   * a path that parses prints (scim::to_string) to text that parses again
//     to an equal path (same spelling, same value filter, same
//     sub-attribute), and that prints to the identical text.
#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"
#include "scim/path.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using scimpp_fuzz::check;

bool same_spelling(const scim::attribute_path& a, const scim::attribute_path& b) {
  return a.urn == b.urn && a.name == b.name && a.sub_attribute == b.sub_attribute;
}

void check_attribute_path(std::string_view input) {
  auto p = scim::parse_attribute_path(input);
  if (!p) {
    (void)scim::format_error(p.error());
    return;
  }
  auto view = scim::parse_attribute_path_view(input);
  check(view.has_value() && *view == p->view(), "parse_attribute_path_view disagrees", input);
  const std::string printed = scim::to_string(*p);
  auto again = scim::parse_attribute_path(printed);
  if (!again) scimpp_fuzz::fail("printed attribute path does not parse again", input, printed);
  check(same_spelling(*again, *p), "re-parsed attribute path differs", input, printed);
  check(scim::to_string(*again) == printed, "printing an attribute path is not stable", printed);
}

void check_patch_path(std::string_view input) {
  auto p = scim::parse_patch_path(input);
  if (!p) {
    (void)scim::format_error(p.error());
    return;
  }
  const std::string printed = scim::to_string(*p);
  auto again = scim::parse_patch_path(printed);
  if (!again) scimpp_fuzz::fail("printed PATCH path does not parse again", input, printed);
  check(same_spelling(again->attribute, p->attribute), "re-parsed PATCH path names another attribute", input,
        printed);
  check(again->value_filter.has_value() == p->value_filter.has_value(), "re-parsed PATCH path lost its filter",
        input, printed);
  if (p->value_filter) check(*again->value_filter == *p->value_filter, "re-parsed value filter differs", input, printed);
  check(again->sub_attribute == p->sub_attribute, "re-parsed PATCH path has another sub-attribute", input, printed);
  check(scim::to_string(*again) == printed, "printing a PATCH path is not stable", printed);
  // A path without '[' is an attribute path: both parsers must agree.
  if (!p->value_filter) {
    auto a = scim::parse_attribute_path(input);
    check(a.has_value() && same_spelling(*a, p->attribute), "parse_patch_path and parse_attribute_path disagree",
          input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_attribute_path(input);
  check_patch_path(input);
  return 0;
}
