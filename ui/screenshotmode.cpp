#include "screenshotmode.h"

#include "agentspanel.h"
#include "connectiondialog.h"
#include "consolebackend.h"
#include "simulationpage.h"
#include "simulationsweeppanel.h"
#include "stockcountdialog.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

ScreenshotMode::ScreenshotMode(MainWindow *window, ConsoleBackend *backend, StartOptions options)
    : QObject(window), m_window(window), m_options(std::move(options))
{
    connect(window->simulationPage(), &SimulationPage::finished, this, [this](bool passed, bool) {
        if (m_options.page != QLatin1String("simulation") || !m_options.quitAfterScreenshot)
            return;
        const bool saved =
            m_options.screenshot.isEmpty() || (m_savedDuringRun ? *m_savedDuringRun : save(m_window));
        std::fprintf(stderr, "simulation %s; event loop lateness p99 %.0f ms\n",
                     passed ? "passed every SLO" : "failed an SLO", m_window->simulationPage()->uiLagP99());
        QTimer::singleShot(0, qApp, [passed, saved] { QCoreApplication::exit(!saved ? 2 : passed ? 0 : 1); });
    });
    connect(window->simulationPage(), &SimulationPage::sweepFinished, this, [this](bool stopped) {
        if (!m_options.quitAfterScreenshot && m_options.exportSweep.isEmpty())
            return;
        // The chart lays out its legend's last entries on a later pass of the event loop.
        QTimer::singleShot(500, this, [this, stopped] {
            bool saved = m_options.screenshot.isEmpty() || save(m_window);
            if (!m_options.exportSweep.isEmpty()) {
                SimulationSweepPanel *panel = m_window->simulationPage()->sweep();
                saved = panel->exportChart(m_options.exportSweep) && saved;
                std::fprintf(stderr, "%s\n", qPrintable(panel->status()));
            }
            std::fprintf(stderr, "sweep %s\n", stopped ? "stopped" : "done");
            QCoreApplication::exit(!saved ? 2 : stopped ? 3 : 0);
        });
    });
    if (!m_options.agents.isEmpty() && !m_options.screenshot.isEmpty())
        shootAgentRun();
    if (!m_options.screenshot.isEmpty() && m_options.page != QLatin1String("simulation")) {
        connect(backend, &ConsoleBackend::inventoryLoaded, this, [this] {
            // The Servers page needs a few seconds of samples before its charts show anything.
            if (!m_taken)
                QTimer::singleShot(m_options.page == QLatin1String("servers") ? 20000 : 1500, this,
                                   &ScreenshotMode::take);
            m_taken = true;
        });
    }
}

void ScreenshotMode::shootAgentRun()
{
    AgentsPanel *agents = m_window->simulationPage()->agents();
    agents->setPerAgentLines(true);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, [this, agents, timer] {
        if (agents->drawnSeconds() < kAgentRunSeconds)
            return;
        timer->stop();
        m_savedDuringRun = save(m_window);
    });
    timer->start(250);
}

void ScreenshotMode::quitIfAsked(bool saved)
{
    if (m_options.quitAfterScreenshot)
        QTimer::singleShot(0, qApp, [saved] { QCoreApplication::exit(saved ? 0 : 2); });
}

void ScreenshotMode::take()
{
    if (!m_options.openCount.isEmpty()) {
        // The stock-count preview, once it has compared the file with the database.
        StockCountDialog *dialog = m_window->openStockCount(m_options.openCount);
        if (dialog)
            connect(dialog, &StockCountDialog::previewShown, this,
                    [this, dialog] { quitIfAsked(save(dialog)); });
        return;
    }
    if (m_options.page != QLatin1String("connect")) {
        quitIfAsked(save(m_window));
        return;
    }
    // The Connect dialog, after a real Test round trip to both servers.
    auto *dialog = new ConnectionDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setConnection(m_window->pgConninfo(), m_window->redisUrl());
    dialog->show();
    dialog->test();
    QTimer::singleShot(2000, dialog, [this, dialog] { quitIfAsked(save(dialog)); });
}

bool ScreenshotMode::save(QWidget *widget)
{
    if (widget->grab().save(m_options.screenshot))
        return true;
    std::fprintf(stderr,
                 "error: cannot save the screenshot to '%s': check that its folder exists and is writable, "
                 "and that the name ends in .png\n",
                 qPrintable(m_options.screenshot));
    return false;
}
