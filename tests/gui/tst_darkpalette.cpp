// The dark palette in the console window, against the real services, offscreen: disabled controls
// look disabled, the navigation icons stand out from their background on both palettes, and the
// stock chart follows the palette. With INVENTORY_SCREENSHOT_DIR set, it saves every page in the
// dark palette there (docs/dark-*.png).
#include "auditpage.h"
#include "inventorypage.h"
#include "mainwindow.h"
#include "stockhistorychart.h"
#include "testservices.h"

#include <QAction>
#include <QApplication>
#include <QListWidget>
#include <QMenuBar>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <memory>

namespace {
// How far the icon's ink is from the background it is drawn on, in luminance (0-255).
int iconContrast(const QIcon &icon, const QColor &background)
{
    const QImage image = icon.pixmap(20, 20).toImage().convertToFormat(QImage::Format_ARGB32);
    int best = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (c.alpha() > 200)
                best = std::max(best, std::abs(qGray(c.rgb()) - qGray(background.rgb())));
        }
    return best;
}
} // namespace

class TestDarkPalette : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void disabledControlsLookDisabled();
    void navigationIconsShowOnBothPalettes();
    void stockChartFollowsThePalette();
    void screenshotsOfEveryPage();
    void cleanupTestCase();

private:
    void setDark(bool dark);
    std::unique_ptr<MainWindow> m_window;
    QAction *m_dark = nullptr;
};

void TestDarkPalette::initTestCase()
{
    REQUIRE_SERVICES();
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.page = QStringLiteral("inventory");
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1440, 860);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    for (QAction *action : m_window->findChildren<QAction *>())
        if (action->text().remove(u'&') == QStringLiteral("Dark palette"))
            m_dark = action;
    QVERIFY(m_dark);
}

void TestDarkPalette::setDark(bool dark)
{
    m_dark->setChecked(dark);
    QCOMPARE(QApplication::palette().color(QPalette::Window).lightness() < 128, dark);
}

void TestDarkPalette::disabledControlsLookDisabled()
{
    setDark(true);
    const QPalette p = QApplication::palette();
    for (const auto role : {QPalette::ButtonText, QPalette::Text, QPalette::WindowText}) {
        const int active = qGray(p.color(QPalette::Active, role).rgb());
        const int disabled = qGray(p.color(QPalette::Disabled, role).rgb());
        QVERIFY2(active - disabled > 60,
                 qPrintable(QStringLiteral("role %1: %2 vs %3").arg(role).arg(active).arg(disabled)));
    }
}

void TestDarkPalette::navigationIconsShowOnBothPalettes()
{
    auto *navigation = m_window->findChild<QListWidget *>();
    QVERIFY(navigation);
    for (bool dark : {false, true}) {
        setDark(dark);
        const QColor background = QApplication::palette().color(QPalette::Base);
        for (int i = 0; i < navigation->count(); ++i) {
            const int contrast = iconContrast(navigation->item(i)->icon(), background);
            QVERIFY2(contrast > 90,
                     qPrintable(QStringLiteral("%1 icon, %2 palette: contrast %3")
                                    .arg(navigation->item(i)->text(),
                                         dark ? QStringLiteral("dark") : QStringLiteral("light"))
                                    .arg(contrast)));
        }
    }
}

void TestDarkPalette::stockChartFollowsThePalette()
{
    StockHistoryChart *chart = m_window->auditPage()->chart();
    setDark(true);
    QTRY_COMPARE(chart->chart()->backgroundBrush().color(), QApplication::palette().color(QPalette::Base));
    setDark(false);
    QTRY_COMPARE(chart->chart()->backgroundBrush().color(), QApplication::palette().color(QPalette::Base));
}

void TestDarkPalette::screenshotsOfEveryPage()
{
    const QString dir = qEnvironmentVariable("INVENTORY_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set INVENTORY_SCREENSHOT_DIR to save the dark-palette screenshots");
    setDark(true);
    const char *names[] = {"inventory", "audit", "simulation", "servers"};
    auto *pages = m_window->findChild<QStackedWidget *>();
    for (int i = 0; i < pages->count() && i < 4; ++i) {
        m_window->showPage(i);
        if (i == 0)
            m_window->inventoryPage()->view()->selectRow(0);
        QTest::qWait(2500);
        const QString path = dir + QStringLiteral("/dark-%1.png").arg(QString::fromLatin1(names[i]));
        QVERIFY2(m_window->grab().save(path), qPrintable(path));
    }
    m_window->showPage(0);
}

void TestDarkPalette::cleanupTestCase()
{
    if (m_dark)
        m_dark->setChecked(false);
    m_window.reset();
}

QTEST_MAIN(TestDarkPalette)
#include "tst_darkpalette.moc"
