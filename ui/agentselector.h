// The Simulation form's "Run on agents" row: whether a flash sale goes to the load agents registered
// in Redis instead of running in this process, and which agents ("all", a count, or names separated
// by commas, as simulate --agents takes them). GUI thread only.
#pragma once

#include <QWidget>

class QCheckBox;
class QLineEdit;

class AgentSelector : public QWidget
{
    Q_OBJECT

public:
    explicit AgentSelector(QWidget *parent = nullptr);

    // Checked, and enabled (the scenario is a flash sale).
    bool runOnAgents() const;
    QString selection() const;
    // Checks the box with this selection; an empty one unchecks it.
    void setSelection(const QString &selection);

private:
    QCheckBox *m_box;
    QLineEdit *m_selection;
};
