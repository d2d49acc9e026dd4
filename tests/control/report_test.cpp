// The report model and its two renderers. Text is compared byte for byte
// with the seed's `display` outputs; JSON is parsed back with yaml-cpp.
#include "control/json_writer.hpp"
#include "control/report.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <array>

using namespace wg::control;

namespace {

// Names declared once, in one X-macro list, as a module declares its counters
// and fields (docs/architecture.md): the display label and the JSON key come
// from the same row.
#define RBS_FIELDS(X)                     \
    X(service_index, "Service-Index")     \
    X(service_name, "Service-Name")       \
    X(tcp_state, "TCP-State")             \
    X(peer_ip, "Peer-ip")                 \
    X(source_ip, "Source-ip")             \
    X(tcp_port, "TCP-Port")               \
    X(track_bfd, "Track-BFD")             \
    X(ssl_policy_name, "SSL-Policy-Name") \
    X(ssl_state, "SSL-State")
constexpr FieldDesc kRbsFields[] = {RBS_FIELDS(WG_FIELD_DESC)};
#define RBS_ENUM(key, label) key,
enum RbsField { RBS_FIELDS(RBS_ENUM) };
#undef RBS_ENUM
constexpr NameDesc kTcpStates[] = {{"idle", "Idle"}, {"connected", "Connected"}};

// Seed, "Verifying the Configuration", Device A.
Report seed_rbs_report() {
    Report r;
    Section& s = r.section("remote_backup_service");
    s.set_label_width(17);
    s.add(kRbsFields[service_index], 2);
    s.add(kRbsFields[service_name], "service1");
    s.add(kRbsFields[tcp_state], kTcpStates[1]);
    s.add(kRbsFields[peer_ip], "1.1.1.1");
    s.add(kRbsFields[source_ip], "2.2.2.2");
    s.add(kRbsFields[tcp_port], uint16_t(2046));
    s.add(kRbsFields[track_bfd], Null{});
    s.add(kRbsFields[ssl_policy_name], "policy1");
    s.add(kRbsFields[ssl_state], Null{});
    return r;
}

YAML::Node parse_json(const std::string& json) { return YAML::Load(json); }

} // namespace
#undef RBS_FIELDS

TEST(Report, TextMatchesSeedRemoteBackupService) {
    const char* want =
        "----------------------------------------------------------\n"
        " Service-Index    : 2\n"
        " Service-Name     : service1\n"
        " TCP-State        : Connected\n"
        " Peer-ip          : 1.1.1.1\n"
        " Source-ip        : 2.2.2.2\n"
        " TCP-Port         : 2046\n"
        " Track-BFD        : --\n"
        " SSL-Policy-Name  : policy1\n"
        " SSL-State        : --\n"
        "----------------------------------------------------------\n";
    EXPECT_EQ(render_text(seed_rbs_report()), want);
}

TEST(Report, TextMatchesSeedRemoteBackupProfileWithListField) {
    Report r;
    r.set_rule_width(47);
    Section& s = r.section("remote_backup_profile");
    s.set_label_width(21);
    s.add("profile_index", "Profile-Index", Hex{0x1001});
    s.add("profile_name", "Profile-Name", "profile1");
    s.add("remote_backup_service", "Remote-backup-service", "service1");
    s.add("state", "State", NameDesc{"master", "Master"});
    s.add("interfaces", "Interface", std::vector<std::string>{"GigabitEthernet0/1/0"});
    s.add("backup_mode", "Backup mode", "hot");
    const char* want =
        "-----------------------------------------------\n"
        " Profile-Index        : 0x1001\n"
        " Profile-Name         : profile1\n"
        " Remote-backup-service: service1\n"
        " State                : Master\n"
        " Interface            :\n"
        "                        GigabitEthernet0/1/0\n"
        " Backup mode          : hot\n"
        "-----------------------------------------------\n";
    EXPECT_EQ(render_text(r), want);
}

TEST(Report, TextListItemsNestedRecordsTablesAndMessages) {
    Report r;
    r.set_rule_width(10);
    for (int port : {0, 1}) {
        Section& s = r.add_list_item("interfaces", "GigabitEthernet0/" + std::to_string(port) + "/0");
        s.add("port", "Port", port);
        Record stats;
        stats.add("rx", "Rx", uint64_t(10 + port)).add("drop_no_route", "Drop-no-route", 0u);
        s.add("statistics", "Statistics", std::move(stats));
    }
    Section& arp = r.section("arp");
    Table t({Column("ip", "IP ADDRESS"), Column("mac", "MAC ADDRESS")});
    t.row({"10.1.1.2", "0200-0000-0002"}).row({"10.1.1.50", Null{}});
    arp.add("entries", "", std::move(t));
    arp.add("empty", "Empty", std::vector<std::string>{});
    r.add_message("Info: done.");
    const char* want =
        "----------\n"
        " GigabitEthernet0/0/0\n"
        " Port       : 0\n"
        " Statistics :\n"
        "   Rx            : 10\n"
        "   Drop-no-route : 0\n"
        "----------\n"
        " GigabitEthernet0/1/0\n"
        " Port       : 1\n"
        " Statistics :\n"
        "   Rx            : 11\n"
        "   Drop-no-route : 0\n"
        "----------\n"
        " IP ADDRESS  MAC ADDRESS\n"
        " 10.1.1.2    0200-0000-0002\n"
        " 10.1.1.50   --\n"
        " Empty : --\n"
        "----------\n"
        "Info: done.\n";
    EXPECT_EQ(render_text(r), want);
}

TEST(Report, EmptyReportRendersNothingAndAnEmptyObject) {
    Report r;
    EXPECT_EQ(render_text(r), "");
    EXPECT_EQ(render_json(r), "{}\n");
}

TEST(Report, JsonExactLayoutForASmallReport) {
    Report r;
    r.section("version").add("program", "Program", "warmgate").add("up", "Up", true);
    r.declare_list("ports");
    const char* want =
        "{\n"
        "  \"version\": {\n"
        "    \"program\": \"warmgate\",\n"
        "    \"up\": true\n"
        "  },\n"
        "  \"ports\": []\n"
        "}\n";
    EXPECT_EQ(render_json(r), want);
}

TEST(Report, JsonParsesBackWithTypedValues) {
    Report r = seed_rbs_report();
    for (int i : {0, 1}) {
        Section& s = r.add_list_item("ports");
        s.add("index", "Index", i);
        s.add("negative", "Negative", int64_t(-5));
        s.add("big", "Big", UINT64_MAX);
        s.add("names", "Names", std::vector<std::string>{"a", "b"});
        Table t({Column("ip", "IP"), Column("age", "Age")});
        t.row({"10.0.0.1", 30u});
        s.add("arp", "ARP", std::move(t));
    }
    r.add_message("Info: ok");
    YAML::Node doc = parse_json(render_json(r));
    ASSERT_TRUE(doc.IsMap());
    auto rbs = doc["remote_backup_service"];
    EXPECT_EQ(rbs["service_index"].as<int>(), 2);
    EXPECT_EQ(rbs["tcp_state"].as<std::string>(), "connected"); // JSON name, not the display text
    EXPECT_EQ(rbs["tcp_port"].as<int>(), 2046);
    EXPECT_TRUE(rbs["track_bfd"].IsNull());
    ASSERT_TRUE(doc["ports"].IsSequence());
    ASSERT_EQ(doc["ports"].size(), 2u);
    EXPECT_EQ(doc["ports"][1]["index"].as<int>(), 1);
    EXPECT_EQ(doc["ports"][0]["negative"].as<int64_t>(), -5);
    EXPECT_EQ(doc["ports"][0]["big"].as<uint64_t>(), UINT64_MAX);
    EXPECT_EQ(doc["ports"][0]["names"][1].as<std::string>(), "b");
    EXPECT_EQ(doc["ports"][0]["arp"][0]["ip"].as<std::string>(), "10.0.0.1");
    EXPECT_EQ(doc["ports"][0]["arp"][0]["age"].as<int>(), 30);
    EXPECT_EQ(doc["messages"][0].as<std::string>(), "Info: ok");
}

TEST(Report, JsonEscapesHostileStrings) {
    const std::string nasty = "q\"b\\s/n\nt\tc\x01 del\x7f bad\xff ok\xc3\xa4 end";
    Report r;
    r.section("x").add("s", "S", nasty);
    std::string json = render_json(r);
    EXPECT_NE(json.find("\\u0001"), std::string::npos) << json;
    EXPECT_NE(json.find("\\u007f"), std::string::npos) << json;
    EXPECT_NE(json.find("\\ufffd"), std::string::npos) << json;
    YAML::Node doc = parse_json(json);
    std::string back = doc["x"]["s"].as<std::string>();
    std::string expect = nasty;
    expect.replace(expect.find('\xff'), 1, "\xef\xbf\xbd"); // U+FFFD
    EXPECT_EQ(back, expect);
}

TEST(Report, SectionIsGetOrCreate) {
    Report r;
    r.section("a").add("x", "X", 1);
    r.section("a").add("y", "Y", 2);
    ASSERT_EQ(r.sections().size(), 1u);
    EXPECT_EQ(r.sections()[0].fields().size(), 2u);
}

TEST(Report, CountersFromDescriptorsWithAndWithoutLabels) {
    struct KeyOnly {
        std::string_view key;
        std::string_view help;
    };
    constexpr std::array<KeyOnly, 2> desc{{{"rx", "frames received"}, {"arp_miss", "no adjacency"}}};
    constexpr FieldDesc labelled[] = {{"tx", "Tx-Packets"}};
    std::array<uint64_t, 2> values{7, 3};
    Report r;
    r.set_rule_width(3);
    Section& s = r.section("stats");
    s.add_counters(desc, values);
    s.add_counters(labelled, std::array<uint64_t, 1>{9});
    EXPECT_EQ(render_text(r), "---\n Rx         : 7\n Arp-miss   : 3\n Tx-Packets : 9\n---\n");
    YAML::Node doc = parse_json(render_json(r));
    EXPECT_EQ(doc["stats"]["arp_miss"].as<int>(), 3);
    EXPECT_EQ(doc["stats"]["tx"].as<int>(), 9);
}

TEST(Report, AppendFlattensAndTemporaryFieldsAreOwned) {
    auto make = [] {
        Record r;
        r.add("rx", "Rx", 1).add("tx", "Tx", 2);
        return r;
    };
    Report rep;
    Section& s = rep.section("total");
    s.add("worker", "Worker", 0);
    s.append(make());
    ASSERT_EQ(s.fields().size(), 3u);
    EXPECT_EQ(s.fields()[2].key, "tx");
    std::vector<std::string> keys;
    for (const auto& f : make().fields()) // a temporary: fields() && returns by value
        keys.push_back(f.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"rx", "tx"}));
}

TEST(Report, LabelFromKeyAndSnakeCase) {
    EXPECT_EQ(label_from_key("drop_ip_checksum"), "Drop-ip-checksum");
    EXPECT_EQ(label_from_key("rx"), "Rx");
    EXPECT_TRUE(is_snake_case("tcp_state2"));
    EXPECT_FALSE(is_snake_case("TCP-State"));
    EXPECT_FALSE(is_snake_case("2x"));
    EXPECT_FALSE(is_snake_case(""));
}

TEST(JsonWriter, CompactNesting) {
    JsonWriter w(0);
    w.begin_object();
    w.key("a");
    w.begin_array();
    w.value(int64_t(1));
    w.begin_object();
    w.end_object();
    w.null();
    w.end_array();
    w.key("b");
    w.value(false);
    w.end_object();
    EXPECT_EQ(w.str(), "{\"a\":[1,{},null],\"b\":false}");
}

TEST(JsonWriter, Utf8Validation) {
    EXPECT_TRUE(is_valid_utf8("plain \xc3\xa4 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));         // truncated
}

// ---- streaming -------------------------------------------------------------

namespace {

// `n` rows, `per_call` at most per next(); counts what was read.
class CountingRows final : public RowSource {
  public:
    explicit CountingRows(size_t n) : n_(n) {}
    bool next(std::vector<std::vector<Scalar>>& out, size_t max) override {
        for (size_t k = 0; k < max && pos_ < n_; ++k, ++pos_) {
            std::string ip = "10." + std::to_string(pos_ >> 16) + "." + std::to_string((pos_ >> 8) & 255) + "." +
                             std::to_string(pos_ & 255);
            Scalar expire = pos_ % 3 ? Scalar(uint64_t(pos_ % 20)) : Scalar(Null{});
            out.push_back({ip, Named{"aa:bb", "aabb-" + std::to_string(pos_ % 97)}, std::move(expire),
                           NameDesc{"dynamic", "D"}, "Eth\"0/" + std::to_string(pos_ % 7)});
            ++read;
        }
        return pos_ < n_;
    }
    void rewind() override { pos_ = 0; }
    size_t memory() const override { return n_ * 8; }
    size_t read = 0;

  private:
    size_t n_;
    size_t pos_ = 0;
};

std::vector<Column> stream_columns() {
    return {Column("ip", "IP ADDRESS"), Column("mac", "MAC"), Column("expire_m", "EXPIRE(M)"),
            Column("type", "TYPE"), Column("interface", "INTERFACE")};
}

// The same data two ways: rows from a source, and rows added by hand.
Report stream_report(std::shared_ptr<RowSource> src, bool list_item, bool static_row) {
    Report r;
    r.set_rule_width(40);
    Section& s = list_item ? r.add_list_item("tables", "Table") : r.section("arp", "legend line");
    s.add("before", "Before", uint64_t(7));
    Table t(stream_columns());
    if (static_row) t.row({"192.0.2.1", Named{"m", "mmmm-mmmm-mmmm"}, Null{}, NameDesc{"interface", "I"}, "Vlanif1"});
    if (src) t.rows_from(std::move(src));
    s.add("entries", "", std::move(t));
    s.add("total", "Total", uint64_t(42));
    r.add_message("Info: done.");
    return r;
}

Report materialized(size_t n, bool list_item, bool static_row) {
    Report m;
    m.set_rule_width(40);
    Section& s = list_item ? m.add_list_item("tables", "Table") : m.section("arp", "legend line");
    s.add("before", "Before", uint64_t(7));
    Table t(stream_columns());
    if (static_row) t.row({"192.0.2.1", Named{"m", "mmmm-mmmm-mmmm"}, Null{}, NameDesc{"interface", "I"}, "Vlanif1"});
    CountingRows rows(n);
    std::vector<std::vector<Scalar>> all;
    while (rows.next(all, 5)) {
    }
    for (auto& row : all) t.row(std::move(row));
    s.add("entries", "", std::move(t));
    s.add("total", "Total", uint64_t(42));
    m.add_message("Info: done.");
    return m;
}

std::string drain(ReportStream& s, size_t budget, size_t* calls = nullptr) {
    std::string out;
    size_t n = 0;
    while (s.next(out, budget)) ++n;
    if (calls) *calls = n + 1;
    return out;
}

} // namespace

TEST(ReportStream, PiecesAreByteIdenticalToTheWholeRendering) {
    for (bool list_item : {false, true})
        for (bool static_row : {false, true})
            for (size_t n : {size_t(0), size_t(1), size_t(37)})
                for (size_t budget : {size_t(1), size_t(100), size_t(1u << 20)}) {
                    SCOPED_TRACE(testing::Message() << "list " << list_item << " static " << static_row << " n "
                                                    << n << " budget " << budget);
                    const Report whole = materialized(n, list_item, static_row);
                    ReportStream text(stream_report(std::make_shared<CountingRows>(n), list_item, static_row),
                                      false);
                    EXPECT_TRUE(text.streamed());
                    EXPECT_EQ(drain(text, budget), render_text(whole));
                    ReportStream json(stream_report(std::make_shared<CountingRows>(n), list_item, static_row),
                                      true);
                    EXPECT_EQ(drain(json, budget), render_json(whole));
                    // render_* of the sourced report read every row too.
                    const Report sourced = stream_report(std::make_shared<CountingRows>(n), list_item, static_row);
                    EXPECT_EQ(render_text(sourced), render_text(whole));
                    EXPECT_EQ(render_json(sourced), render_json(whole));
                }
}

TEST(ReportStream, EachPieceReadsABoundedNumberOfRows) {
    auto src = std::make_shared<CountingRows>(50000);
    ReportStream s(stream_report(src, false, false), false);
    std::string out;
    size_t calls = 0, max_step = 0, max_piece = 0;
    for (bool more = true; more; ++calls) {
        const size_t before = src->read, size_before = out.size();
        more = s.next(out, 4096);
        max_step = std::max(max_step, src->read - before);
        max_piece = std::max(max_piece, out.size() - size_before);
        if (out.size() > 1u << 20) out.clear(); // the consumer sends pieces away
    }
    EXPECT_EQ(src->read, 100000u);             // widths, then lines
    EXPECT_LE(max_step, 4096u / 16);     // rows per call follow the budget (rows of 16+ bytes)
    EXPECT_LE(max_piece, 4096u + 200);   // a piece overshoots by about one row
    EXPECT_GT(calls, 50000u / 64);
}

TEST(ReportStream, AReportWithoutSourceIsOnePiece) {
    Report r;
    r.section("version").add("program", "Program", "warmgate");
    ReportStream s(r, false);
    EXPECT_FALSE(s.streamed());
    std::string out;
    EXPECT_FALSE(s.next(out, 1));
    EXPECT_EQ(out, render_text(r));
}

TEST(ReportStream, MaterializeCapsASourcedTableAndSaysSo) {
    auto src = std::make_shared<CountingRows>(1000);
    Report r = stream_report(src, false, true);
    EXPECT_EQ(r.materialize(256), 1u); // cut short
    const auto* t = std::get_if<Table>(&r.sections()[0].find("entries")->value);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->rows().size(), 256u); // the static row counts
    EXPECT_EQ(t->source(), nullptr);
    EXPECT_LE(src->read, 256u);
    Report small = stream_report(std::make_shared<CountingRows>(10), false, false);
    EXPECT_EQ(small.materialize(10), 0u); // exactly at the cap: complete
    EXPECT_EQ(render_text(small), render_text(materialized(10, false, false)));
}
