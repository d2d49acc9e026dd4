// warmgate-config: offline configuration tool (docs/config.md).
//   check FILE...        validate like the appliance does at boot
//   import-vrp FILE ...  VRP configuration text (the seed's Configuration Files) → YAML
//   doc-keys [--check|--write DOC]  the key tables of docs/config.md (config/keys.hpp)
// Exit status: 0 success, 1 the input has errors, 2 usage error.

#include "config/emit.hpp"
#include "config/keys.hpp"
#include "config/loader.hpp"
#include "config/vrp_import.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef WARMGATE_VERSION
#define WARMGATE_VERSION "unknown"
#endif

namespace {

using namespace wg::config;

constexpr int kExitOk = 0, kExitErrors = 1, kExitUsage = 2;

std::string g_program = "warmgate-config"; // argv[0], for the commands a message suggests

constexpr const char* kUsage = R"(usage: warmgate-config check FILE...
       warmgate-config import-vrp FILE [--port IFNAME=DEVSPEC]... [--cert-dir DIR] [--ca PATH] [-o OUT]
       warmgate-config doc-keys [--check DOC | --write DOC]
       warmgate-config --help | --version
)";

constexpr const char* kHelp = R"(
Offline tool for warmgate configuration files (the YAML read by
`warmgate -- --config FILE`).

check FILE...
    Load and validate each FILE exactly as the appliance does at boot
    (including that certificate files are readable). Prints
      FILE: OK (SYSNAME: N interfaces, N vrrp groups, N remote-backup profiles)
    and exits 0, or prints every problem as FILE:LINE:COL: message on
    stderr and exits 1.

import-vrp FILE [options]
    Translate VRP-style configuration text (the "Configuration Files" of the
    dual-device ARP hot backup example: sysname, interface, vrrp, admin-vrrp,
    pki domain, pki import-certificate, ssl policy, remote-backup-service,
    remote-backup-profile) into warmgate YAML on stdout.
    Lines that are not understood (ospf and its area/network lines, ...) are
    reported on stderr as FILE:LINE:COL: warning: ignored: '...'; they are
    never dropped silently. Lines that are understood but malformed (a bad
    address, a non-contiguous mask, a number out of range, missing or extra
    words) are errors: they are printed, no YAML is written, and the exit
    status is 1.

    What VRP text does not carry:
    --port IFNAME=DEVSPEC   DPDK device of an interface (PCI address or vdev
                            spec, e.g. GigabitEthernet0/1/0=net_af_packet0,iface=a-user).
                            Repeatable. Every interface except LoopBack needs
                            one: without it the YAML is still written, with a
                            warning, but fails `check` until a port is added.
                            A --port for an interface the text does not
                            configure is ignored with a warning.
    --cert-dir DIR          where the device certificate and key are
                            (default: certs). Each pki domain gets
                            DIR/<sysname>.pem and DIR/<sysname>.key, the
                            sysname with its first letter lower-cased
                            (sysname DeviceA -> certs/deviceA.pem,
                            certs/deviceA.key), as scripts/gen-certs.sh
                            names them. Relative paths are resolved against
                            the YAML file's directory when it is loaded.
    --ca PATH               CA certificate of every pki domain. Default: the
                            filename of the domain's `pki import-certificate
                            ca` line, as written (test.crt in the seed).
    -o OUT                  write the YAML to OUT instead of stdout.
    The control socket is /run/warmgate/<sysname>.sock; dataplane settings
    and VRRP version/advertisement interval take their defaults.

doc-keys [--check DOC | --write DOC]
    The key tables of docs/config.md, generated from the key table of the
    loader (config/keys.cpp). Without an option: every table, each between
    its markers <!-- keys:SECTION begin --> and <!-- keys:SECTION end -->.
    --check DOC exits 1 when DOC's tables differ from the generated ones;
    --write DOC replaces them in place (the prose around them is kept).

Exit status: 0 success, 1 errors in the input, 2 usage error.
)";

int usage_error(const std::string& message) {
    std::cerr << "warmgate-config: " << message << '\n' << kUsage;
    return kExitUsage;
}

std::optional<std::string> read_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    // One byte past the importer's limit is enough for it to refuse the
    // text; a bigger file (or /dev/zero) is not read further.
    std::string text;
    char chunk[64 * 1024];
    while (text.size() <= kImportMaxBytes && in.read(chunk, sizeof chunk).gcount() > 0)
        text.append(chunk, size_t(in.gcount()));
    if (in.bad()) {
        error = "read error";
        return std::nullopt;
    }
    if (text.size() > kImportMaxBytes) {
        error = "more than " + std::to_string(kImportMaxBytes) + " bytes (the limit of an import)";
        return std::nullopt;
    }
    return text;
}

std::string count(size_t n, const char* singular, const char* plural) {
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

int cmd_check(const std::vector<std::string>& files) {
    int status = kExitOk;
    for (const auto& file : files) {
        LoadResult r = load_file(file);
        if (!r.config) {
            for (const auto& d : r.errors) std::cerr << d.str() << '\n';
            if (r.errors.empty()) std::cerr << file << ": invalid configuration\n";
            status = kExitErrors;
            continue;
        }
        const Config& c = *r.config;
        size_t groups = 0;
        for (const auto& i : c.interfaces) groups += i.vrrp.size();
        std::cout << file << ": OK (" << c.sysname << ": "
                  << count(c.interfaces.size(), "interface", "interfaces") << ", "
                  << count(groups, "vrrp group", "vrrp groups") << ", "
                  << count(c.remote_backup_profile.size(), "remote-backup profile", "remote-backup profiles")
                  << ")\n";
    }
    return status;
}

// Accepts "--opt VALUE" and "--opt=VALUE".
bool option_value(const std::vector<std::string>& args, size_t& i, std::string_view name,
                  std::string& value) {
    const std::string& a = args[i];
    if (a == name) {
        if (i + 1 >= args.size()) throw std::invalid_argument(std::string(name) + " needs a value");
        value = args[++i];
        return true;
    }
    if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == '=') {
        value = a.substr(name.size() + 1);
        return true;
    }
    return false;
}

int cmd_import(const std::vector<std::string>& args) {
    std::string file, out_path, value;
    ImportOptions options;
    try {
        for (size_t i = 0; i < args.size(); ++i) {
            if (option_value(args, i, "--port", value)) {
                size_t eq = value.find('=');
                if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
                    return usage_error("--port wants IFNAME=DEVSPEC, got '" + value + "'");
                options.ports[value.substr(0, eq)] = value.substr(eq + 1);
            } else if (option_value(args, i, "--cert-dir", value)) {
                options.cert_dir = value;
            } else if (option_value(args, i, "--ca", value)) {
                options.ca = value;
            } else if (option_value(args, i, "-o", value) || option_value(args, i, "--output", value)) {
                out_path = value;
            } else if (args[i].size() > 1 && args[i][0] == '-') {
                return usage_error("unknown option '" + args[i] + "'");
            } else if (file.empty()) {
                file = args[i];
            } else {
                return usage_error("import-vrp takes one FILE");
            }
        }
    } catch (const std::invalid_argument& e) {
        return usage_error(e.what());
    }
    if (file.empty()) return usage_error("import-vrp needs a FILE");

    std::string error;
    auto text = read_file(file, error);
    if (!text) {
        std::cerr << file << ": error: cannot read: " << error << '\n';
        return kExitErrors;
    }
    ImportResult r = import_vrp_with(*text, file, options);
    for (const auto& d : r.warnings) std::cerr << d.str() << '\n';
    for (const auto& d : r.errors) std::cerr << d.str() << '\n';
    if (!r.errors.empty()) return kExitErrors; // a half-translated config must not look usable

    std::string yaml = "# Generated by warmgate-config import-vrp from " + file + "\n" + to_yaml(r.config);
    if (out_path.empty()) {
        std::cout << yaml;
        return std::cout.flush() ? kExitOk : kExitErrors;
    }
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    out << yaml;
    out.close();
    if (!out) {
        std::cerr << out_path << ": error: cannot write: " << std::strerror(errno) << '\n';
        return kExitErrors;
    }
    return kExitOk;
}

int cmd_doc_keys(const std::vector<std::string>& args) {
    if (args.empty()) {
        for (const auto& s : keys::doc_sections())
            std::cout << "<!-- keys:" << s.name << " begin -->\n"
                      << s.table << "<!-- keys:" << s.name << " end -->\n\n";
        return std::cout.flush() ? kExitOk : kExitErrors;
    }
    if (args.size() != 2 || (args[0] != "--check" && args[0] != "--write"))
        return usage_error("doc-keys takes no argument, --check DOC or --write DOC");
    const std::string& doc = args[1];
    std::ifstream in(doc, std::ios::binary);
    if (!in) {
        std::cerr << doc << ": error: cannot read: " << std::strerror(errno) << '\n';
        return kExitErrors;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string error;
    const std::string fresh = keys::regenerate(text.str(), error);
    if (!error.empty()) {
        std::cerr << doc << ": error: " << error << '\n';
        return kExitErrors;
    }
    if (args[0] == "--check") {
        if (fresh == text.str()) return kExitOk;
        std::cerr << doc << ": error: the key tables differ from the key table of the loader "
                  << "(config/keys.cpp); regenerate them with\n  " << g_program << " doc-keys --write " << doc
                  << '\n';
        return kExitErrors;
    }
    if (fresh == text.str()) return kExitOk;
    std::ofstream out(doc, std::ios::binary | std::ios::trunc);
    out << fresh;
    out.close();
    if (!out) {
        std::cerr << doc << ": error: cannot write: " << std::strerror(errno) << '\n';
        return kExitErrors;
    }
    return kExitOk;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (argc > 0 && argv[0] && *argv[0]) g_program = argv[0];
    if (args.empty()) return usage_error("no command");
    const std::string cmd = args[0];
    args.erase(args.begin());
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::cout << kUsage << kHelp;
        return kExitOk;
    }
    if (cmd == "--version") {
        std::cout << "warmgate-config " << WARMGATE_VERSION << '\n';
        return kExitOk;
    }
    if (cmd == "check") {
        if (args.empty()) return usage_error("check needs a FILE");
        for (const auto& a : args)
            if (a.size() > 1 && a[0] == '-') return usage_error("unknown option '" + a + "'");
        return cmd_check(args);
    }
    if (cmd == "import-vrp") return cmd_import(args);
    if (cmd == "doc-keys") return cmd_doc_keys(args);
    return usage_error("unknown command '" + cmd + "'");
}
