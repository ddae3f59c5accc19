// The host-load sampler: it parses /proc/loadavg, /proc/stat and /proc/<pid>/stat as the kernel
// writes them, keeps the peak load seen while it runs, counts the CPU time the cores, this process
// and the postgres and redis-server processes used, and calls a host saturated only when its cores
// were busy, saying whether with this run or with other processes. A fake /proc folder stands in for
// the kernel's.
#include "sim/hostloadsampler.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <optional>
#include <unistd.h>

using inv::HostLoad;
using inv::HostLoadSampler;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(std::optional<double>)

namespace {
void write(const QString &path, const QByteArray &text)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

QByteArray stat(int pid, const char *command, long long utime, long long stime, long long cutime,
                long long cstime)
{
    return QStringLiteral("%1 (%2) S 1 %1 %1 0 -1 4194560 1225 0 0 0 %3 %4 %5 %6 20 0 1 0 1234 "
                          "224854016 6349 18446744073709551615 1 1 0 0 0 0 0 4096 17 0 0 0 0 0 0\n")
        .arg(pid)
        .arg(QString::fromLatin1(command))
        .arg(utime)
        .arg(stime)
        .arg(cutime)
        .arg(cstime)
        .toLatin1();
}
} // namespace

class TestHostLoadSampler : public QObject
{
    Q_OBJECT

private slots:
    void parsesLoadAverage_data();
    void parsesLoadAverage();
    void parsesStatWithOddCommands();
    void parsesCpuTimes_data();
    void parsesCpuTimes();
    void saturationTellsTheRunFromOthers_data();
    void saturationTellsTheRunFromOthers();
    void keepsThePeakAndServerCpu();
    void splitsBusyCpuBetweenTheRunAndOthers_data();
    void splitsBusyCpuBetweenTheRunAndOthers();
    void unreadableProcIsUnknownNotSaturated();
};

void TestHostLoadSampler::parsesLoadAverage_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<std::optional<double>>("load");
    QTest::newRow("kernel") << QByteArray("6.20 3.10 1.00 7/512 4242\n") << std::optional<double>(6.2);
    QTest::newRow("idle") << QByteArray("0.00 0.01 0.05 1/99 17\n") << std::optional<double>(0.0);
    QTest::newRow("leading blank") << QByteArray(" 12.5 1 1 1/1 1") << std::optional<double>(12.5);
    QTest::newRow("empty") << QByteArray("") << std::optional<double>();
    QTest::newRow("words") << QByteArray("load high\n") << std::optional<double>();
    QTest::newRow("negative") << QByteArray("-1.0 0 0 1/1 1\n") << std::optional<double>();
    QTest::newRow("trailing junk") << QByteArray("1.5x 0 0 1/1 1\n") << std::optional<double>();
    QTest::newRow("infinite") << QByteArray("inf 0 0 1/1 1\n") << std::optional<double>();
    QTest::newRow("not a number") << QByteArray("nan 0 0 1/1 1\n") << std::optional<double>();
}

void TestHostLoadSampler::parsesLoadAverage()
{
    QFETCH(QByteArray, text);
    QFETCH(std::optional<double>, load);
    const auto parsed = HostLoadSampler::parseLoadAverage(text.toStdString());
    QCOMPARE(parsed.has_value(), load.has_value());
    if (load)
        QCOMPARE(*parsed, *load);
}

void TestHostLoadSampler::parsesStatWithOddCommands()
{
    // utime 14 + stime 15 + cutime 16 + cstime 17 ticks.
    const auto postgres = HostLoadSampler::parseStat(stat(42, "postgres", 100, 20, 3000, 400).toStdString());
    QVERIFY(postgres);
    QCOMPARE(postgres->command, std::string("postgres"));
    QCOMPARE(postgres->ticks, 3520LL);
    // A command may hold blanks and parentheses: the fields count from the last ')'.
    const auto odd = HostLoadSampler::parseStat(stat(7, "a) (b c", 1, 2, 3, 4).toStdString());
    QVERIFY(odd);
    QCOMPARE(odd->command, std::string("a) (b c"));
    QCOMPARE(odd->ticks, 10LL);
    QVERIFY(!HostLoadSampler::parseStat("42 (cut short) S 1 2"));
    QVERIFY(!HostLoadSampler::parseStat("no command at all"));
    QVERIFY(!HostLoadSampler::parseStat(
        stat(9, "x", 1, 2, 3, 4).replace(" 1 2 3 4 ", " 1 two 3 4 ").toStdString()));
    // Negative or absurd tick counts are not a process's CPU time, and must not overflow the sum.
    QVERIFY(!HostLoadSampler::parseStat(stat(9, "x", 1, -2, 3, 4).toStdString()));
    QVERIFY(!HostLoadSampler::parseStat(
        stat(9, "x", 1, 2, 3, 4).replace(" 1 2 3 4 ", " 9223372036854775807 1 0 0 ").toStdString()));
}

void TestHostLoadSampler::parsesCpuTimes_data()
{
    const QByteArray kernel = "cpu  100 5 50 800 40 3 2 1 0 0\n"
                              "cpu0 60 5 30 380 20 3 2 1 0 0\n"
                              "cpu1 40 0 20 420 20 0 0 0 0 0\n"
                              "intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<int>>("cpus");
    QTest::addColumn<qint64>("busy"); // -1: refused
    QTest::addColumn<qint64>("idle");
    // busy = user + nice + system + irq + softirq + steal; idle = idle + iowait.
    QTest::newRow("all") << kernel << QList<int>() << qint64(161) << qint64(840);
    QTest::newRow("cpu0") << kernel << QList<int>{0} << qint64(101) << qint64(400);
    QTest::newRow("cpu0 and cpu1") << kernel << QList<int>{0, 1} << qint64(161) << qint64(840);
    QTest::newRow("an old kernel's four fields")
        << QByteArray("cpu 10 0 10 80\n") << QList<int>() << qint64(20) << qint64(80);
    QTest::newRow("offline cpu") << kernel << QList<int>{0, 7} << qint64(-1) << qint64(-1);
    QTest::newRow("empty") << QByteArray() << QList<int>() << qint64(-1) << qint64(-1);
    QTest::newRow("three fields") << QByteArray("cpu 1 2 3\n") << QList<int>() << qint64(-1) << qint64(-1);
    QTest::newRow("negative") << QByteArray("cpu 1 -2 3 4\n") << QList<int>() << qint64(-1) << qint64(-1);
    QTest::newRow("words") << QByteArray("cpu 1 two 3 4\n") << QList<int>() << qint64(-1) << qint64(-1);
    QTest::newRow("twice") << QByteArray("cpu 1 2 3 4\ncpu 1 2 3 4\n") << QList<int>() << qint64(-1)
                           << qint64(-1);
    QTest::newRow("overflow") << QByteArray("cpu 9223372036854775807 1 1 1\n") << QList<int>() << qint64(-1)
                              << qint64(-1);
}

void TestHostLoadSampler::parsesCpuTimes()
{
    QFETCH(QByteArray, text);
    QFETCH(QList<int>, cpus);
    QFETCH(qint64, busy);
    QFETCH(qint64, idle);
    const auto times =
        HostLoadSampler::parseCpuTimes(text.toStdString(), std::vector<int>(cpus.begin(), cpus.end()));
    QCOMPARE(times.has_value(), busy >= 0);
    if (times) {
        QCOMPARE(qint64(times->busy), busy);
        QCOMPARE(qint64(times->idle), idle);
    }
}

void TestHostLoadSampler::saturationTellsTheRunFromOthers_data()
{
    QTest::addColumn<double>("load");
    QTest::addColumn<int>("cores");
    QTest::addColumn<double>("busy");
    QTest::addColumn<double>("own");
    QTest::addColumn<double>("servers");
    QTest::addColumn<QString>("note");
    // A mixed run with durable writes on an idle machine: its threads wait on commits, which the
    // load average counts, but the cores are mostly idle. Not saturated.
    QTest::newRow("load from waiting") << 6.5 << 2 << 0.9 << 0.5 << 0.3 << QString();
    QTest::newRow("the run's own load")
        << 6.5 << 2 << 1.9 << 1.1 << 0.6
        << u"host saturated by this run: 1.9 of 2 cores busy, 1.7 this process and the postgres and "
           "redis-server processes, 0.2 other processes; results reflect this machine's capacity"_s;
    QTest::newRow("other processes")
        << 3.0 << 2 << 2.0 << 0.2 << 0.1
        << u"host saturated by other processes: 2.0 of 2 cores busy, 1.7 outside this run, 0.3 this process "
           "and the postgres and redis-server processes"_s;
    QTest::newRow("servers unknown")
        << 3.0 << 1 << 0.95 << 0.1 << -1.0
        << u"host saturated by other processes: 0.9 of 1 core busy, 0.8 outside this process, 0.1 this "
           "process (the database servers' share unknown)"_s;
    QTest::newRow("just below 90%") << 2.5 << 2 << 1.79 << 1.0 << 0.5 << QString();
    QTest::newRow("exactly 90%") << 2.5 << 2 << 1.8 << 1.0 << 0.5
                                 << u"host saturated by this run: 1.8 of 2 cores busy, 1.5 this process and "
                                    "the postgres and redis-server processes, 0.3 other processes; results "
                                    "reflect this machine's capacity"_s;
    QTest::newRow("unknown cpu, high load") << 9.0 << 2 << -1.0 << -1.0 << -1.0 << QString();
    QTest::newRow("unknown cores") << 9.0 << 0 << 4.0 << 1.0 << 1.0 << QString();
}

void TestHostLoadSampler::saturationTellsTheRunFromOthers()
{
    QFETCH(double, load);
    QFETCH(int, cores);
    QFETCH(double, busy);
    QFETCH(double, own);
    QFETCH(double, servers);
    QFETCH(QString, note);
    HostLoad host;
    host.loadMax = load;
    host.cores = cores;
    host.busyCores = busy;
    host.ownCores = own;
    host.serverCores = servers;
    QCOMPARE(host.saturated(), !note.isEmpty());
    QCOMPARE(QString::fromStdString(host.saturationNote()), note);
}

void TestHostLoadSampler::keepsThePeakAndServerCpu()
{
    QTemporaryDir proc;
    QVERIFY(proc.isValid());
    write(proc.filePath(QStringLiteral("loadavg")), "1.00 1.00 1.00 2/100 10\n");
    write(proc.filePath(QStringLiteral("100/stat")), stat(100, "postgres", 100, 0, 0, 0));
    write(proc.filePath(QStringLiteral("101/stat")), stat(101, "postgres", 50, 50, 0, 0));
    write(proc.filePath(QStringLiteral("200/stat")), stat(200, "redis-server", 10, 10, 0, 0));
    write(proc.filePath(QStringLiteral("300/stat")), stat(300, "bash", 5000, 5000, 0, 0));
    write(proc.filePath(QStringLiteral("self/stat")), stat(300, "postgres", 9999, 0, 0, 0));
    write(proc.filePath(QStringLiteral("stat")), "cpu 100 0 100 800 0 0 0 0 0 0\n");
    write(proc.filePath(QStringLiteral("uptime")), "1000.00 1500.00\n");

    HostLoadSampler sampler(proc.path().toStdString(), 2, 10ms);
    // The load climbs and falls during the run: the report keeps the peak.
    write(proc.filePath(QStringLiteral("loadavg")), "6.20 2.00 1.00 9/100 10\n");
    QTest::qWait(100);
    write(proc.filePath(QStringLiteral("loadavg")), "0.50 2.00 1.00 1/100 10\n");
    // Backend 101 exits, reaped into the postmaster's cutime; a new backend 102 appears.
    QFile::remove(proc.filePath(QStringLiteral("101/stat")));
    const long long hz = sysconf(_SC_CLK_TCK);
    write(proc.filePath(QStringLiteral("100/stat")), stat(100, "postgres", 100, 0, 100 + hz, 0));
    write(proc.filePath(QStringLiteral("102/stat")), stat(102, "postgres", hz, 0, 0, 0));
    write(proc.filePath(QStringLiteral("200/stat")), stat(200, "redis-server", 10 + hz / 2, 10, 0, 0));
    write(proc.filePath(QStringLiteral("300/stat")), stat(300, "bash", 9000, 9000, 0, 0));
    // Two seconds pass, idle on both cores.
    write(proc.filePath(QStringLiteral("uptime")), "1002.00 1504.00\n");
    write(proc.filePath(QStringLiteral("stat")),
          QByteArray("cpu 100 0 100 ") + QByteArray::number(800 + 4 * hz) + " 0 0 0 0 0 0\n");
    const HostLoad host = sampler.finish();

    QCOMPARE(host.cores, 2);
    QCOMPARE(host.loadMax, 6.2);
    QVERIFY2(host.samples >= 3, qPrintable(QString::number(host.samples)));
    // A load of 6.2 on 2 cores, but /proc/stat shows only idle time since the start: not saturated.
    QVERIFY(!host.saturated());
    QCOMPARE(host.busyCores, 0.0);
    // Before 100 + 100 ticks; after 100 + (100 + hz) + hz: two seconds, bash not counted.
    QCOMPARE(host.postgresCpuSeconds, 2.0);
    QCOMPARE(host.redisCpuSeconds, static_cast<double>(hz / 2) / static_cast<double>(hz));
    // finish() is idempotent: the destructor calls it again.
    QCOMPARE(sampler.finish().loadMax, 6.2);
}

void TestHostLoadSampler::unreadableProcIsUnknownNotSaturated()
{
    HostLoadSampler sampler("/nonexistent-proc", 1, 10ms);
    const HostLoad host = sampler.finish();
    QVERIFY(!host.known());
    QVERIFY(!host.saturated());
    QCOMPARE(host.postgresCpuSeconds, -1.0);
    QCOMPARE(host.redisCpuSeconds, -1.0);
    QCOMPARE(host.busyCores, -1.0);
    QCOMPARE(host.ownCores, -1.0);
    QVERIFY(!host.cpuKnown());
}

void TestHostLoadSampler::splitsBusyCpuBetweenTheRunAndOthers_data()
{
    QTest::addColumn<double>("idle");
    QTest::addColumn<double>("own");
    QTest::addColumn<double>("servers");
    QTest::addColumn<QString>("note");
    // Cores' worth over a run of 2 seconds on 2 cores.
    QTest::newRow("this run") << 0.1 << 1.0 << 0.5
                              << u"host saturated by this run: 1.9 of 2 cores busy, 1.5 this process and the "
                                 "postgres and redis-server processes, 0.4 other processes; results reflect "
                                 "this machine's capacity"_s;
    QTest::newRow("others")
        << 0.1 << 0.1 << 0.0
        << u"host saturated by other processes: 1.9 of 2 cores busy, 1.8 outside this run, "
           "0.1 this process and the postgres and redis-server processes"_s;
    QTest::newRow("waiting, not busy") << 1.2 << 0.5 << 0.3 << QString();
}

void TestHostLoadSampler::splitsBusyCpuBetweenTheRunAndOthers()
{
    QFETCH(double, idle);
    QFETCH(double, own);
    QFETCH(double, servers);
    QFETCH(QString, note);
    const long long hz = sysconf(_SC_CLK_TCK);
    const auto ticks = [&](double cores) { return std::llround(cores * 2 * static_cast<double>(hz)); };
    QTemporaryDir proc;
    QVERIFY(proc.isValid());
    // Commits waiting on the disk keep the load average high; it is not what counts.
    write(proc.filePath(QStringLiteral("loadavg")), "6.50 3.00 1.00 2/100 10\n");
    write(proc.filePath(QStringLiteral("uptime")), "5000.00 9000.00\n");
    write(proc.filePath(QStringLiteral("stat")), "cpu 100 0 100 800 50 0 0 0 0 0\n");
    // This process's children (cutime, cstime) are not its own threads' time.
    write(proc.filePath(QStringLiteral("self/stat")), stat(300, "inventory-console", 50, 50, 7000, 7000));
    write(proc.filePath(QStringLiteral("100/stat")), stat(100, "postgres", 10, 0, 0, 0));
    write(proc.filePath(QStringLiteral("200/stat")), stat(200, "redis-server", 10, 0, 0, 0));
    HostLoadSampler sampler(proc.path().toStdString(), 2, 1h);
    write(proc.filePath(QStringLiteral("uptime")), "5002.00 9000.20\n");
    // Busy ticks as a tickless kernel samples them undercount; the idle ones (idle + iowait) count.
    write(proc.filePath(QStringLiteral("stat")), QStringLiteral("cpu 110 0 105 %1 %2 0 0 0 0 0\n")
                                                     .arg(800 + ticks(idle) / 2)
                                                     .arg(50 + ticks(idle) - ticks(idle) / 2)
                                                     .toLatin1());
    write(proc.filePath(QStringLiteral("self/stat")),
          stat(300, "inventory-console", 50 + ticks(own), 50, 9000, 9000));
    write(proc.filePath(QStringLiteral("100/stat")), stat(100, "postgres", 10 + ticks(servers) / 2, 0, 0, 0));
    write(proc.filePath(QStringLiteral("200/stat")),
          stat(200, "redis-server", 10 + ticks(servers) - ticks(servers) / 2, 0, 0, 0));
    const HostLoad host = sampler.finish();
    QVERIFY(host.cpuKnown());
    QCOMPARE(host.loadMax, 6.5);
    QCOMPARE(host.busyCores, 2 - idle);
    QCOMPARE(host.ownCores, own);
    QCOMPARE(host.serverCores, servers);
    QCOMPARE(host.saturated(), !note.isEmpty());
    QCOMPARE(QString::fromStdString(host.saturationNote()), note);
}

QTEST_APPLESS_MAIN(TestHostLoadSampler)
#include "tst_hostloadsampler.moc"
