// jumpcloud-sync: reading the directory snapshot file (examples/sync/README.md).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/jumpcloud/model.hpp"

namespace sync_tool {

namespace detail {

inline scim::expected<std::string> read_string(const scim::json& obj, const char* key, bool required,
                                               const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return scim::fail(scim::error_code::invalid_value, where + "." + key + ": required");
    return std::string();
  }
  if (!it->is_string()) return scim::fail(scim::error_code::invalid_value, where + "." + key + ": expected a string");
  return it->get<std::string>();
}

inline scim::expected<std::vector<std::string>> read_ids(const scim::json& obj, const char* key,
                                                         const std::string& where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return scim::fail(scim::error_code::invalid_value, where + "." + key + ": expected an array");
  for (const auto& v : *it) {
    if (!v.is_string())
      return scim::fail(scim::error_code::invalid_value, where + "." + key + ": expected an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace detail

/// Parses a directory snapshot document.
inline scim::expected<scim::jumpcloud::snapshot> parse_directory(const scim::json& doc) {
  if (!doc.is_object()) return scim::fail(scim::error_code::invalid_syntax, "the directory must be a JSON object");
  scim::jumpcloud::snapshot snap;
  if (auto it = doc.find("group_management"); it != doc.end()) {
    if (!it->is_boolean()) return scim::fail(scim::error_code::invalid_value, "group_management: expected a boolean");
    snap.group_management = it->get<bool>();
  }
  if (auto it = doc.find("users"); it != doc.end()) {
    if (!it->is_array()) return scim::fail(scim::error_code::invalid_value, "users: expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& u = (*it)[i];
      const std::string where = "users[" + std::to_string(i) + "]";
      if (!u.is_object()) return scim::fail(scim::error_code::invalid_value, where + ": expected an object");
      scim::jumpcloud::system_user su;
      auto id = detail::read_string(u, "id", true, where);
      auto username = detail::read_string(u, "username", false, where);
      auto email = detail::read_string(u, "email", true, where);
      auto first = detail::read_string(u, "firstname", false, where);
      auto last = detail::read_string(u, "lastname", false, where);
      for (auto* r : {&id, &username, &email, &first, &last})
        if (!*r) return scim::fail(std::move(r->error()));
      su.id = *id;
      su.username = *username;
      su.email = *email;
      su.firstname = *first;
      su.lastname = *last;
      if (auto s = u.find("suspended"); s != u.end() && !s->is_null()) {
        if (!s->is_boolean()) return scim::fail(scim::error_code::invalid_value, where + ".suspended: expected a boolean");
        su.suspended = s->get<bool>();
      }
      snap.users.push_back(std::move(su));
    }
  }
  if (auto it = doc.find("groups"); it != doc.end()) {
    if (!it->is_array()) return scim::fail(scim::error_code::invalid_value, "groups: expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& g = (*it)[i];
      const std::string where = "groups[" + std::to_string(i) + "]";
      if (!g.is_object()) return scim::fail(scim::error_code::invalid_value, where + ": expected an object");
      scim::jumpcloud::user_group ug;
      auto id = detail::read_string(g, "id", true, where);
      auto name = detail::read_string(g, "name", true, where);
      auto members = detail::read_ids(g, "member_ids", where);
      if (!id) return scim::fail(std::move(id.error()));
      if (!name) return scim::fail(std::move(name.error()));
      if (!members) return scim::fail(std::move(members.error()));
      ug.id = *id;
      ug.name = *name;
      ug.member_ids = std::move(*members);
      snap.groups.push_back(std::move(ug));
    }
  }
  auto bu = detail::read_ids(doc, "bound_user_ids", "directory");
  auto bg = detail::read_ids(doc, "bound_group_ids", "directory");
  if (!bu) return scim::fail(std::move(bu.error()));
  if (!bg) return scim::fail(std::move(bg.error()));
  snap.bound_user_ids = std::move(*bu);
  snap.bound_group_ids = std::move(*bg);
  return snap;
}

/// Reads a whole file; an error names the file.
inline scim::expected<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return scim::fail(scim::error_code::invalid_value, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sync_tool
