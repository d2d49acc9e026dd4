#include "main/telemetry.hpp"

#include <algorithm>

#include <rte_telemetry.h>

#include <cctype>
#include <chrono>
#include <sstream>
#include <type_traits>

namespace wg {

using namespace control;

struct TelemetryBridge::Job {
    proto::Request request;
    CommandResult result;
    size_t truncated = 0; // tables cut at kMaxRows
    bool done = false;
};

namespace {

TelemetryBridge* g_bridge = nullptr; // DPDK's callbacks carry no user pointer

// DPDK 22.11 accepts dict names of [A-Za-z0-9_/] only ("Worker 0" would be
// refused and the item silently lost).
std::string tel_key(std::string_view s) {
    std::string k(s.substr(0, RTE_TEL_MAX_STRING_LEN - 1));
    for (char& c : k)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/') c = '_';
    return k;
}

void add_container(rte_tel_data* d, const std::string& key, rte_tel_data* c) {
    if (rte_tel_data_add_dict_container(d, tel_key(key).c_str(), c, 0) != 0) rte_tel_data_free(c);
}

void add_scalar(rte_tel_data* d, const std::string& key, const Scalar& s) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, uint64_t>)
                rte_tel_data_add_dict_u64(d, tel_key(key).c_str(), v);
            else if constexpr (std::is_same_v<T, int64_t>)
                rte_tel_data_add_dict_int(d, tel_key(key).c_str(), int(v));
            else if constexpr (std::is_same_v<T, bool>)
                rte_tel_data_add_dict_u64(d, tel_key(key).c_str(), v ? 1 : 0);
            else if constexpr (std::is_same_v<T, Hex>)
                rte_tel_data_add_dict_u64(d, tel_key(key).c_str(), v.value);
            else if constexpr (std::is_same_v<T, Named>)
                rte_tel_data_add_dict_string(d, tel_key(key).c_str(), v.json.c_str());
            else if constexpr (std::is_same_v<T, std::string>)
                rte_tel_data_add_dict_string(d, tel_key(key).c_str(), v.substr(0, RTE_TEL_MAX_STRING_LEN - 1).c_str());
            else
                rte_tel_data_add_dict_string(d, tel_key(key).c_str(), "--");
        },
        s.get());
}

void fill_record(rte_tel_data* d, const Record& r);

rte_tel_data* record_container(const Record& r) {
    rte_tel_data* c = rte_tel_data_alloc();
    if (c == nullptr) return nullptr;
    rte_tel_data_start_dict(c);
    fill_record(c, r);
    return c;
}

void fill_record(rte_tel_data* d, const Record& r) {
    for (const auto& f : r.fields()) {
        if (const auto* s = std::get_if<Scalar>(&f.value)) {
            add_scalar(d, f.key, *s);
        } else if (const auto* list = std::get_if<std::vector<std::string>>(&f.value)) {
            rte_tel_data* a = rte_tel_data_alloc();
            if (a == nullptr) continue;
            rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
            for (const auto& item : *list) rte_tel_data_add_array_string(a, item.c_str());
            add_container(d, f.key, a);
        } else if (const auto* nested = std::get_if<Record>(&f.value)) {
            if (rte_tel_data* c = record_container(*nested)) add_container(d, f.key, c);
        } else if (const auto* table = std::get_if<Table>(&f.value)) {
            // No arrays of containers in 22.11: rows keyed by their index.
            rte_tel_data* a = rte_tel_data_alloc();
            if (a == nullptr) continue;
            rte_tel_data_start_dict(a);
            size_t index = 0;
            for (const auto& row : table->rows()) {
                rte_tel_data* c = rte_tel_data_alloc();
                if (c == nullptr) break;
                rte_tel_data_start_dict(c);
                for (size_t i = 0; i < table->columns().size() && i < row.size(); ++i)
                    add_scalar(c, table->columns()[i].key, row[i]);
                add_container(a, std::to_string(index++), c);
            }
            add_container(d, f.key, a);
        }
    }
}

} // namespace

TelemetryBridge::TelemetryBridge(EventLoop& loop, CliServer& cli) : loop_(loop), cli_(cli) {}

TelemetryBridge::~TelemetryBridge() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (Job* j : pending_) {
        j->result = CommandError{"warmgate is shutting down"};
        j->done = true;
    }
    pending_.clear();
    done_.notify_all();
    g_bridge = nullptr;
}

bool TelemetryBridge::attach(const std::vector<std::string>& displays, std::string& error) {
    g_bridge = this;
    for (const auto& name : displays) {
        // DPDK telemetry names allow letters, digits, '_' and '/': the
        // display's dashes become underscores (/warmgate/remote_backup_profile).
        std::string path = "/warmgate/" + name;
        std::replace(path.begin(), path.end(), '-', '_');
        const std::string help = "warmgate: display " + name + " (params: further words, e.g. an interface name)";
        if (rte_telemetry_register_cmd(path.c_str(), on_request, help.c_str()) != 0) {
            error = "cannot register telemetry command " + path;
            return false;
        }
    }
    return true;
}

bool TelemetryBridge::poll() {
    std::unique_lock lock(mutex_);
    if (pending_.empty()) return false;
    // One request per loop turn: timers and the CLI run between two.
    Job* job = pending_.front();
    pending_.pop_front();
    lock.unlock();
    CommandResult r;
    size_t truncated = 0;
    try {
        r = cli_.dispatch(job->request);
        // Rows read here, on the control thread, and no more than a reply holds.
        if (auto* report = std::get_if<Report>(&r)) truncated = report->materialize(kMaxRows);
    } catch (const std::exception& e) {
        r = CommandError{e.what()};
    }
    lock.lock();
    // Out of pending_, the job is ours until done: its requester waits.
    job->result = std::move(r);
    job->truncated = truncated;
    job->done = true;
    done_.notify_all();
    return true;
}

// Telemetry thread: "/warmgate/interface" + params "GigabitEthernet0/1/0".
int TelemetryBridge::on_request(const char* cmd, const char* params, rte_tel_data* d) {
    TelemetryBridge* self = g_bridge;
    if (self == nullptr) return -1;
    Job job;
    job.request.json = true;
    std::string display = std::string(cmd).substr(std::string("/warmgate/").size());
    std::replace(display.begin(), display.end(), '_', '-'); // back to the CLI's word
    job.request.words = {"display", display};
    std::istringstream extra(params ? params : "");
    for (std::string w; extra >> w;) job.request.words.push_back(w);
    {
        std::unique_lock lock(self->mutex_);
        if (self->closed_) return -1;
        self->pending_.push_back(&job);
        self->loop_.wake();
        if (!self->done_.wait_for(lock, std::chrono::seconds(2), [&] { return job.done; })) {
            // Control loop stuck: report an error rather than block telemetry.
            // A job the loop already took is finished first (it writes to it).
            if (std::erase(self->pending_, &job) != 0) return -1;
            self->done_.wait(lock, [&] { return job.done; });
        }
    }
    rte_tel_data_start_dict(d);
    if (const auto* err = std::get_if<CommandError>(&job.result)) {
        rte_tel_data_add_dict_string(d, "error", err->message.substr(0, RTE_TEL_MAX_STRING_LEN - 1).c_str());
        return 0;
    }
    const Report& report = std::get<Report>(job.result);
    if (job.truncated) rte_tel_data_add_dict_u64(d, "rows_truncated", kMaxRows);
    for (const auto& g : report.groups()) {
        if (!g.list) {
            if (g.sections.empty()) continue;
            if (rte_tel_data* c = record_container(report.sections()[g.sections[0]])) add_container(d, g.key, c);
            continue;
        }
        // DPDK 22.11 cannot nest an array of containers in a dict: a list
        // becomes a dict keyed by its items' titles (or their index).
        rte_tel_data* a = rte_tel_data_alloc();
        if (a == nullptr) continue;
        rte_tel_data_start_dict(a);
        size_t index = 0;
        for (size_t i : g.sections) {
            const Section& sec = report.sections()[i];
            const std::string key = sec.title().empty() ? std::to_string(index) : sec.title();
            ++index;
            if (rte_tel_data* c = record_container(sec)) add_container(a, key, c);
        }
        add_container(d, g.key, a);
    }
    return 0;
}

} // namespace wg
