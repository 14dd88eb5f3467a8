#include "bridge.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "http_adapter.hpp"
#include "scim/filter/parser.hpp"
#include "scim/onepassword/policy.hpp"
#include "scim/service/service.hpp"
#include "scim/version.hpp"
#include "store.hpp"
#include "token.hpp"

namespace bridge {
namespace {

std::mutex log_mutex;

void log_line(const std::string& s) {
  std::lock_guard lock(log_mutex);
  std::cerr << s << std::endl;
}

std::string read_or_create_secret(const std::filesystem::path& file) {
  if (std::ifstream in(file); in) {
    std::string s;
    if (std::getline(in, s) && s.size() >= 32) return s;
  }
  const std::string s = random_hex(32);
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << s << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, file);
  return s;
}

scim::query::mac_function hmac_sha256(std::string key) {
  return [key = std::move(key)](std::string_view msg) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
  };
}

/// Creates the data directory, the database and the cursor key; returns the
/// new token when the directory had none.
std::optional<std::string> initialise(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  read_or_create_secret(cursor_key_file(dir));
  {
    auto reg = scim::onepassword::make_registry();
    open_store(reg, database_file(dir));  // creates the schema
  }
  if (std::filesystem::exists(token_file(dir))) return std::nullopt;
  return rotate_token(dir);
}

bool split_listen(const std::string& listen, std::string& host, int& port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return false;
  }
  return port > 0 && port < 65536 && !host.empty();
}

std::string json_escape(const std::string& s) { return scim::dump_json(scim::json(s)); }

}  // namespace

std::string rotate(const std::filesystem::path& dir) {
  initialise(dir);
  return rotate_token(dir);
}

int confirm(const std::filesystem::path& dir, const std::string& email) {
  if (!std::filesystem::exists(database_file(dir))) {
    std::cerr << "scim-bridge: no database in " << dir << "\n";
    return 1;
  }
  const auto reg = scim::onepassword::make_registry();
  auto store = open_store(reg, database_file(dir));
  const auto& users = *reg.find_resource_type("User");
  auto f = scim::filter::parse("userName eq " + json_escape(email));
  if (!f) {
    std::cerr << "scim-bridge: " << scim::format_error(f.error()) << "\n";
    return 1;
  }
  scim::store::query_request q;
  q.filter = &*f;
  auto found = store->query(users, q);
  if (!found) {
    std::cerr << "scim-bridge: " << scim::format_error(found.error()) << "\n";
    return 1;
  }
  if (found->resources.empty()) {
    std::cerr << "scim-bridge: no user with userName " << email << "\n";
    return 1;
  }
  const std::string id = found->resources.front().value("id", std::string());
  auto st = scim::onepassword::confirm_user(*store, reg, id);
  if (!st) {
    std::cerr << "scim-bridge: " << scim::format_error(st.error()) << "\n";
    return 1;
  }
  if (*st != scim::onepassword::user_state::active) {
    std::cerr << "scim-bridge: " << email << " is " << scim::onepassword::to_string(*st)
              << "; only invited users can be confirmed\n";
    return 1;
  }
  std::cout << "confirmed " << email << " (" << id << ")\n";
  return 0;
}

int serve(const config& cfg) {
  std::string host;
  int port = 0;
  if (!split_listen(cfg.listen, host, port)) {
    std::cerr << "scim-bridge: --listen expects HOST:PORT, got '" << cfg.listen << "'\n";
    return 2;
  }
  const bool tls = !cfg.tls_cert.empty() && !cfg.tls_key.empty();
  const auto fresh_token = initialise(cfg.data_dir);

  const bool onepassword = cfg.policy != "generic";
  const scim::schema_registry reg = onepassword ? scim::onepassword::make_registry() : scim::default_registry();
  auto store = open_store(reg, database_file(cfg.data_dir));
  token_verifier verifier(token_file(cfg.data_dir));

  scim::service::service_options o;
  o.base_path = cfg.base_path;
  o.public_url = cfg.public_url;
  o.cursor_mac = hmac_sha256(read_or_create_secret(cursor_key_file(cfg.data_dir)));
  o.authenticate = [&verifier](std::optional<std::string_view> h) -> std::optional<scim::service::principal> {
    if (verifier.verify(h)) return scim::service::principal{"bearer"};
    return std::nullopt;
  };
  o.limits.max_body_bytes = cfg.max_body;
  o.events = [](const scim::service::event& e) {
    std::string line = "{\"time\":" + json_escape(scim::format_date_time(scim::now())) +
                       ",\"event\":" + json_escape(std::string(scim::service::to_string(e.kind))) +
                       ",\"resourceType\":" + json_escape(e.resource_type) + ",\"id\":" + json_escape(e.id);
    if (!e.member_id.empty()) line += ",\"member\":" + json_escape(e.member_id);
    line += ",\"ok\":" + std::string(e.ok() ? "true" : "false");
    // Error details can quote request values (an email address): log the status and scimType only.
    if (!e.ok())
      line += ",\"status\":" + std::to_string(e.failure->status) + ",\"scimType\":" +
              json_escape(std::string(scim::to_string(e.failure->code)));
    log_line(line + "}");
  };
  if (onepassword) {
    scim::onepassword::options po;
    po.auto_confirm = cfg.auto_confirm;
    po.allowed_domains = cfg.allowed_domains;
    po.on_invited = [](const scim::json& u) {
      // Where 1Password sends the invitation email; the log names the id only.
      log_line("{\"time\":" + json_escape(scim::format_date_time(scim::now())) +
               ",\"event\":\"invitation\",\"id\":" + json_escape(u.value("id", std::string())) + "}");
    };
    o.rules = std::make_shared<scim::onepassword::policy>(po);
  }
  scim::service::service<bridge_store> svc(*store, reg, o);

  std::unique_ptr<httplib::Server> server;
  if (tls) {
    auto s = std::make_unique<httplib::SSLServer>(cfg.tls_cert.c_str(), cfg.tls_key.c_str());
    if (!s->is_valid()) {
      std::cerr << "scim-bridge: cannot load the TLS certificate or key\n";
      return 1;
    }
    server = std::move(s);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, with
  // which a second bridge started on a port already in use binds it too and
  // the kernel shares the connections between the two.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // One byte more than the service accepts, so it answers 413 with a SCIM
  // Error body; anything larger is refused by cpp-httplib itself.
  server->set_payload_max_length(std::max(cfg.max_body, o.limits.bulk.max_payload_bytes) + 1);
  server->set_read_timeout(cfg.request_timeout, 0);
  server->set_write_timeout(cfg.request_timeout, 0);
  const std::size_t workers = cfg.max_connections;
  server->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  std::atomic<std::uint64_t> request_counter{0};
  const std::string instance = random_hex(4);
  const auto started = scim::now();
  const auto handler = [&](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    const std::string request_id = instance + "-" + std::to_string(++request_counter);
    int status = 0;
    if (req.method == "GET" && (req.path == "/ping" || req.path == "/ping/")) {
      res.set_content("pong", "text/plain");
      status = res.status = 200;
    } else if (req.method == "GET" && (req.path == "/health" || req.path == "/health/")) {
      if (!verifier.verify(req.has_header("Authorization")
                               ? std::optional<std::string_view>(req.get_header_value("Authorization"))
                               : std::nullopt)) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"SCIM\"");
        res.set_content(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"authentication required"})",
                        "application/scim+json");
        status = res.status = 401;
      } else {
        const auto now = scim::now();
        const auto expires = scim::instant{now.seconds + 60, now.nanos};
        scim::store::query_request probe;
        probe.count = 0;
        const bool store_ok = static_cast<bool>(store->query(*reg.find_resource_type("User"), probe));
        scim::json reports = scim::json::array();
        reports.push_back({{"source", "database"},
                           {"time", scim::format_date_time(now)},
                           {"expires", scim::format_date_time(expires)},
                           {"state", store_ok ? "healthy" : "unhealthy"}});
        reports.push_back({{"source", "SCIM server"},
                           {"time", scim::format_date_time(started)},
                           {"expires", scim::format_date_time(expires)},
                           {"state", "healthy"}});
        const scim::json body = {{"build", std::string(scim::version_string)},
                                 {"version", std::string(scim::version_string)},
                                 {"reports", std::move(reports)},
                                 {"retrievedAt", scim::format_date_time(now)}};
        res.set_content(scim::dump_json(body), "application/json");
        status = res.status = store_ok ? 200 : 503;
      }
    } else {
      const scim::service::response out = svc.handle(to_scim(req, tls));
      from_scim(out, res);
      status = out.status;
    }
    res.set_header("X-Request-Id", request_id);
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    // The path without query values: parameter names only.
    std::string shown = req.path;
    if (!req.params.empty()) {
      char sep = '?';
      for (const auto& [k, v] : req.params) {
        shown += sep + k;
        sep = '&';
      }
    }
    log_line("{\"time\":" + json_escape(scim::format_date_time(scim::now())) + ",\"request\":" +
             json_escape(request_id) + ",\"method\":" + json_escape(req.method) + ",\"path\":" + json_escape(shown) +
             ",\"status\":" + std::to_string(status) + ",\"latency_us\":" + std::to_string(us) + "}");
  };
  for (const char* pattern : {".*"}) {
    server->Get(pattern, handler);
    server->Post(pattern, handler);
    server->Put(pattern, handler);
    server->Patch(pattern, handler);
    server->Delete(pattern, handler);
  }

  // SIGINT/SIGTERM stop the server from a dedicated thread (sigwait): it
  // stops accepting, in-flight requests finish, then the store is closed.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread stopper([&signals, &server] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->stop();
  });

  if (!server->bind_to_port(host, port)) {
    std::cerr << "scim-bridge: cannot listen on " << cfg.listen << "\n";
    // A token created by this run was never shown: withdraw it, so that the
    // next start creates one and prints it.
    if (fresh_token) {
      std::error_code ec;
      std::filesystem::remove(token_file(cfg.data_dir), ec);
    }
    pthread_kill(stopper.native_handle(), SIGTERM);
    stopper.join();
    return 1;
  }
  const std::string scheme = tls ? "https" : "http";
  const std::string url = scheme + "://" + cfg.listen;
  // The token first: "serving" is the last line, so whoever waits for it
  // (the tests, a supervisor) has the token too.
  if (fresh_token)
    std::cout << "scim-bridge: bearer token (shown once, store it now): " << *fresh_token << '\n';
  std::cout << "scim-bridge: serving SCIM at " << url << cfg.base_path << " and " << url << " (policy "
            << cfg.policy << ", data " << cfg.data_dir.string() << ")" << std::endl;
  server->listen_after_bind();
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return 0;
}

}  // namespace bridge
