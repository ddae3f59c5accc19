// What an operator can do with one row of the audit log: reverse the change it records (after a
// confirmation that says what will be written), or open its product on the Inventory page
// (double-click). The row itself is never edited. Offered by a button, the context menu and a
// double-click on the audit page's table. GUI thread only.
#pragma once

#include <QObject>

class AuditLogModel;
class QAction;
class QPushButton;
class QTableView;
struct AuditRow;

class AuditRowActions : public QObject
{
    Q_OBJECT

public:
    AuditRowActions(QTableView *view, AuditLogModel *model, QPushButton *reverseButton);

    // The row under the cursor, if exactly one is selected; -1 otherwise.
    int currentRow() const;
    // Off while PostgreSQL is unreachable or a reversal is running.
    void setAvailable(bool available);
    void setBusy(bool busy);
    // The confirmation's text for a row: what the reversal will write.
    static QString describeReversal(const AuditRow &row);

public slots:
    // Asks for confirmation, then emits reverseRequested.
    void reverseCurrent();

signals:
    void reverseRequested(qint64 auditId);
    void openProductRequested(const QString &sku);

private:
    void updateEnabled();
    void showMenu(const QPoint &pos);

    QTableView *m_view;
    AuditLogModel *m_model;
    QPushButton *m_button;
    QAction *m_reverse;
    QAction *m_open;
    bool m_available = true;
    bool m_busy = false;
};
