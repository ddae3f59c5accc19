// The console's screenshot and demo mode (--screenshot, --autostart, --quit-when-done, --export-sweep):
// saves the window, or the dialog it was asked for, once it shows data (or the sweep chart once the
// sweep ends), and ends the process with the result (0 saved, 2 not saved; in demo mode 1 when an
// SLO failed). GUI thread only.
#pragma once

#include "mainwindow.h"

#include <QObject>

class ConsoleBackend;

class ScreenshotMode : public QObject
{
    Q_OBJECT

public:
    ScreenshotMode(MainWindow *window, ConsoleBackend *backend, StartOptions options);

private:
    void take();
    void quitIfAsked(bool saved);
    // Saves the widget to the --screenshot file; false, with the reason on stderr, if it cannot.
    bool save(QWidget *widget);

    MainWindow *m_window;
    StartOptions m_options;
    bool m_taken = false;
};
