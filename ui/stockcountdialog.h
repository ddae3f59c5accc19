// File › Import stock count…: shows the preview of a stock-count CSV (what each SKU changes by, and
// every line that is refused with its number and reason) and applies it in one transaction only
// when every line is valid. GUI thread.
#pragma once

#include <QDialog>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class StockCountImport;
class StockCountModel;

class StockCountDialog : public QDialog
{
    Q_OBJECT

public:
    StockCountDialog(const QString &pgConninfo, const QString &redisUrl, QWidget *parent = nullptr);

    void preview(const QString &path);
    QString summaryText() const;
    StockCountModel *model() const { return m_model; }

signals:
    // The count was written: pages that show stock refresh.
    void countApplied();
    // The preview (or the reason the file was refused) is on screen.
    void previewShown();

private:
    void showPreview();
    void setBusy(bool busy, const QString &text = {});

    StockCountImport *m_import;
    StockCountModel *m_model;
    QLabel *m_file;
    QLabel *m_summary;
    QProgressBar *m_progress;
    QTableView *m_table;
    QPushButton *m_apply;
    QPushButton *m_close;
    QString m_path;
};
