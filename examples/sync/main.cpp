// jumpcloud-sync: provisions a JumpCloud-like directory into a SCIM service
// provider (e.g. scim-bridge) with scimpp's JumpCloud planner, over HTTP(S).
//
//   jumpcloud-sync sync   --url URL --token TOKEN [--state FILE] DIRECTORY_FILE
//   jumpcloud-sync import --url URL --token TOKEN DIRECTORY_FILE
//
// `sync` runs the planner (users, then groups, then deprovisioning), prints
// every Directory Insights event as one JSON line on stdout, shows progress
// on stderr when it is a terminal, saves the planner's state to --state (when
// given) for the next run, and exits 1 when any step failed. `import` lists
// the service provider's users as New or Imported (JSON lines). --url and
// --token may come from JUMPCLOUD_SYNC_URL and JUMPCLOUD_SYNC_TOKEN (better
// than a token on the command line, which other local users can see).
// The directory file format is described in examples/sync/README.md.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "directory.hpp"
#include "http_client.hpp"
#include "scim/jumpcloud/planner.hpp"

namespace {

int fail_with(const std::string& what) {
  std::cerr << "jumpcloud-sync: " << what << "\n";
  return 2;
}

bool save_state(const std::string& file, const scim::jumpcloud::planner_state& st) {
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << scim::dump_json(scim::json(st), 2) << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), file.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jumpcloud-sync: JumpCloud-style SCIM provisioning client (scimpp example)"};
  app.require_subcommand(1);
  std::string url, token, state_file, directory_file;
  auto add_common = [&](CLI::App* c) {
    c->add_option("--url", url, "SCIM base URL, e.g. http://127.0.0.1:3002 or https://host/scim/v2")
        ->envname("JUMPCLOUD_SYNC_URL")
        ->required();
    c->add_option("--token", token, "bearer token of the service provider")->envname("JUMPCLOUD_SYNC_TOKEN")->required();
    c->add_option("DIRECTORY_FILE", directory_file, "the directory snapshot (JSON)")->required()->check(CLI::ExistingFile);
  };
  auto* sync = app.add_subcommand("sync", "provision the directory into the service provider");
  add_common(sync);
  sync->add_option("--state", state_file, "planner state kept between runs (created when missing)");
  auto* import = app.add_subcommand("import", "list the service provider's users as New or Imported");
  add_common(import);
  CLI11_PARSE(app, argc, argv);

  auto text = sync_tool::read_file(directory_file);
  if (!text) return fail_with(text.error().detail);
  auto doc = scim::parse_json(*text);
  if (!doc) return fail_with(directory_file + ": " + scim::format_error(doc.error()));
  auto snap = sync_tool::parse_directory(*doc);
  if (!snap) return fail_with(directory_file + ": " + snap.error().detail);

  scim::jumpcloud::planner_state state;
  if (!state_file.empty()) {
    if (auto st = sync_tool::read_file(state_file); st) {
      auto j = scim::parse_json(*st);
      if (!j) return fail_with(state_file + ": " + scim::format_error(j.error()));
      auto parsed = scim::jumpcloud::state_from_json(*j);
      if (!parsed) return fail_with(state_file + ": " + parsed.error().detail);
      state = std::move(*parsed);
    }
  }

  sync_tool::http_transport http(url);
  scim::jumpcloud::planner_options po;
  po.base_path = http.base_path();
  po.token = token;
  scim::jumpcloud::planner planner(po, state);
  if (sync->parsed()) planner.sync(*snap);
  else planner.import_users(*snap);

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::size_t sent = 0;
  bool failed = false;
  auto flush_events = [&] {
    for (const auto& e : planner.take_events()) {
      if (!e.success) failed = true;
      std::cout << scim::dump_json(scim::json(e)) << "\n";
    }
    std::cout.flush();
  };
  while (auto step = planner.next()) {
    if (step->delay.count() > 0) std::this_thread::sleep_for(step->delay);
    planner.feed(http.send(step->request));
    ++sent;
    flush_events();
    if (tty && sent % 25 == 0) std::cerr << "\rjumpcloud-sync: " << sent << " requests" << std::flush;
  }
  flush_events();
  if (tty && sent >= 25) std::cerr << "\rjumpcloud-sync: " << sent << " requests, done\n";

  if (import->parsed()) {
    for (const auto& u : planner.last_import().users)
      std::cout << scim::dump_json(scim::json{{"userName", u.user_name},
                                              {"id", u.scim_id},
                                              {"status", std::string(scim::jumpcloud::to_string(u.status))}})
                << "\n";
  }
  if (sync->parsed() && !state_file.empty() && !save_state(state_file, planner.state()))
    return fail_with("cannot write " + state_file);
  return failed ? 1 : 0;
}
