#include "agentselector.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLineEdit>

AgentSelector::AgentSelector(QWidget *parent)
    : QWidget(parent), m_box(new QCheckBox(tr("Run on agents"), this)),
      m_selection(new QLineEdit(QStringLiteral("all"), this))
{
    m_box->setObjectName(QStringLiteral("runOnAgents"));
    m_box->setToolTip(
        tr("<p>Flash sale only: send the run to the load agents registered in Redis "
           "(<code>inventory-console agent</code>; see the Agents tab below) instead of running it in "
           "this process, as <code>simulate --agents</code> does. The servers and buyers are shared out "
           "over the agents, their 250 ms windows are merged here, and the books are checked against the "
           "database at the end. Each agent counts stale reads between its own servers only.</p>"));
    m_selection->setObjectName(QStringLiteral("agentSelection"));
    m_selection->setToolTip(tr("Which agents: all, a count, or names separated by commas"));
    m_selection->setEnabled(false);
    connect(m_box, &QCheckBox::toggled, m_selection, &QWidget::setEnabled);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_box);
    layout->addWidget(m_selection, 1);
}

bool AgentSelector::runOnAgents() const
{
    return isEnabled() && m_box->isChecked();
}

QString AgentSelector::selection() const
{
    const QString text = m_selection->text().trimmed();
    return text.isEmpty() ? QStringLiteral("all") : text;
}

void AgentSelector::setSelection(const QString &selection)
{
    m_box->setChecked(!selection.isEmpty());
    if (!selection.isEmpty())
        m_selection->setText(selection);
}
