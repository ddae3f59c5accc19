// What both halves of the Servers page are made of: a group box with the server's status line, a
// note, a column of named figures, a grid of small live charts and a table. PgServerPanel and
// RedisServerPanel fill it with their own figures, charts and model. GUI thread only.
#pragma once

#include <QGroupBox>

#include <vector>

class QLabel;
class QTableView;
class ServerChart;

class ServerPanel : public QGroupBox
{
    Q_OBJECT

public:
    QLabel *statusLabel() const { return m_status; }
    QLabel *noteLabel() const { return m_note; }
    // The figure shown beside "name:", or an empty string.
    QString figure(const QString &name) const;
    const std::vector<ServerChart *> &charts() const { return m_charts; }

protected:
    // objectPrefix names the widgets tests find: "<prefix>Status" and "<prefix>Note".
    ServerPanel(const QString &title, const QString &objectPrefix, const QStringList &figureNames,
                QWidget *parent);
    // Lays the panel out: status, note, figures, the charts two by two, the table's title and table.
    void build(std::vector<ServerChart *> charts, QWidget *tableTitle, QTableView *table,
               const std::vector<int> &columnWidths);
    void setFigure(int row, const QString &text, const QString &tip = {});

    QLabel *m_status;
    QLabel *m_note;

private:
    std::vector<QLabel *> m_names;
    std::vector<QLabel *> m_figures;
    std::vector<ServerChart *> m_charts;
};
