// The host-load sampler: it parses /proc/loadavg and /proc/<pid>/stat as the kernel writes them,
// keeps the peak load seen while it runs, counts the CPU time the postgres and redis-server
// processes used, and calls a host saturated only when the load exceeds its cores. A fake /proc
// folder stands in for the kernel's.
#include "sim/hostloadsampler.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <optional>
#include <unistd.h>

using inv::HostLoad;
using inv::HostLoadSampler;
using namespace std::chrono_literals;

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
    void saturatedOnlyAboveOneLoadPerCore_data();
    void saturatedOnlyAboveOneLoadPerCore();
    void keepsThePeakAndServerCpu();
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

void TestHostLoadSampler::saturatedOnlyAboveOneLoadPerCore_data()
{
    QTest::addColumn<double>("load");
    QTest::addColumn<int>("cores");
    QTest::addColumn<QString>("note");
    QTest::newRow("6.2 on 2") << 6.2 << 2 << QStringLiteral("host saturated: load 6.2 on 2 cores");
    QTest::newRow("2.01 on 2") << 2.01 << 2 << QStringLiteral("host saturated: load 2.0 on 2 cores");
    QTest::newRow("exactly 2 on 2") << 2.0 << 2 << QString();
    QTest::newRow("3.9 on 4") << 3.9 << 4 << QString();
    QTest::newRow("1.5 on 1") << 1.5 << 1 << QStringLiteral("host saturated: load 1.5 on 1 core");
    QTest::newRow("unknown cores") << 9.0 << 0 << QString();
    QTest::newRow("unknown load") << -1.0 << 2 << QString();
}

void TestHostLoadSampler::saturatedOnlyAboveOneLoadPerCore()
{
    QFETCH(double, load);
    QFETCH(int, cores);
    QFETCH(QString, note);
    HostLoad host;
    host.loadMax = load;
    host.cores = cores;
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
    const HostLoad host = sampler.finish();

    QCOMPARE(host.cores, 2);
    QCOMPARE(host.loadMax, 6.2);
    QVERIFY2(host.samples >= 3, qPrintable(QString::number(host.samples)));
    QVERIFY(host.saturated());
    QCOMPARE(host.saturationNote(), std::string("host saturated: load 6.2 on 2 cores"));
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
}

QTEST_APPLESS_MAIN(TestHostLoadSampler)
#include "tst_hostloadsampler.moc"
