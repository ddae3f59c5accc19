// The console's screenshot and demo mode (--screenshot, --autostart, --quit-when-done, --export-sweep):
// saves the window, or the dialog it was asked for, once it shows data (or the sweep chart once the
// sweep ends; a run over agents, with one line per agent, while it goes on), and ends the process
// with the result (0 saved, 2 not saved; in demo mode 1 when an SLO failed). GUI thread only.
#pragma once

#include "mainwindow.h"

#include <QObject>

#include <optional>

class ConsoleBackend;

class ScreenshotMode : public QObject
{
    Q_OBJECT

public:
    ScreenshotMode(MainWindow *window, ConsoleBackend *backend, StartOptions options);

private:
    void take();
    // A run over agents: shot a few seconds into the run, while every agent is running.
    void shootAgentRun();
    void quitIfAsked(bool saved);
    // Saves the widget to the --screenshot file; false, with the reason on stderr, if it cannot.
    bool save(QWidget *widget);

    // How much of a run over agents is drawn when it is shot.
    static constexpr double kAgentRunSeconds = 7;

    MainWindow *m_window;
    StartOptions m_options;
    bool m_taken = false;
    std::optional<bool> m_savedDuringRun;
};
