// The console's main window. The inventory, audit and simulation pages are added by later work;
// this shell gives them a home. GUI thread only.
#pragma once

#include <QMainWindow>

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
};
