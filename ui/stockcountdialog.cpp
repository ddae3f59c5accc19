#include "stockcountdialog.h"

#include "stockcountimport.h"
#include "stockcountmodel.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

StockCountDialog::StockCountDialog(const QString &pgConninfo, const QString &redisUrl, QWidget *parent)
    : QDialog(parent), m_import(new StockCountImport(pgConninfo, redisUrl, this)),
      m_model(new StockCountModel(this)), m_file(new QLabel(this)), m_summary(new QLabel(this)),
      m_progress(new QProgressBar(this)), m_table(new QTableView(this))
{
    setWindowTitle(tr("Import stock count"));
    setObjectName(QStringLiteral("stockCountDialog"));
    resize(820, 560);
    auto *layout = new QVBoxLayout(this);
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setWordWrap(true);
    layout->addWidget(m_file);
    m_summary->setObjectName(QStringLiteral("countSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    m_progress->setRange(0, 0); // busy: the steps report no fraction
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(6);
    m_progress->hide();
    layout->addWidget(m_progress);
    m_table->setObjectName(QStringLiteral("countTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    layout->addWidget(m_table, 1);
    auto *hint =
        new QLabel(tr("The file has a header line <b>sku,counted</b> or <b>sku,counted,reason</b>, then one "
                      "line per SKU. Each changed SKU gets one audit row with the reason "
                      "\"stock count &lt;file&gt;\". Any refused line: nothing is written."),
                   this);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    auto *buttons = new QDialogButtonBox(this);
    m_apply = buttons->addButton(tr("&Apply count"), QDialogButtonBox::AcceptRole);
    m_apply->setObjectName(QStringLiteral("applyCount"));
    m_apply->setEnabled(false);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(buttons);
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        setBusy(true);
        m_import->apply();
    });
    connect(m_import, &StockCountImport::progress, this,
            [this](const QString &text) { setBusy(true, text); });
    connect(m_import, &StockCountImport::previewed, this, &StockCountDialog::showPreview);
    connect(m_import, &StockCountImport::failed, this, [this](const QString &message) {
        setBusy(false, message);
        m_apply->setEnabled(false);
        emit previewShown();
    });
    connect(m_import, &StockCountImport::applied, this, [this](const QString &summary) {
        setBusy(false, summary);
        m_apply->setEnabled(false);
        emit countApplied();
    });
}

void StockCountDialog::preview(const QString &path)
{
    m_path = path;
    m_file->setText(tr("File: %1").arg(QFileInfo(path).absoluteFilePath()));
    m_apply->setEnabled(false);
    m_import->preview(path);
}

QString StockCountDialog::summaryText() const
{
    return m_summary->text();
}

void StockCountDialog::showPreview()
{
    const inv::StockCount *count = m_import->count();
    m_model->setLines(count->lines());
    m_table->resizeColumnsToContents();
    const int lines = static_cast<int>(count->lines().size());
    QString text;
    if (!count->fileError().empty()) {
        text = tr("Refused: %1. Nothing will be written.").arg(QString::fromStdString(count->fileError()));
    } else if (!count->valid()) {
        text = (count->errorCount() == 1
                    ? tr("Refused: 1 line cannot be applied")
                    : tr("Refused: %1 of the lines cannot be applied").arg(count->errorCount())) +
               tr(" (listed first, with the reason). Correct the file and import it again; nothing will be "
                  "written.");
    } else {
        text = (lines == 1 ? tr("1 SKU counted: ") : tr("%1 SKUs counted: ").arg(lines)) +
               tr("%1 to adjust, %2 unchanged.").arg(count->changeCount()).arg(lines - count->changeCount());
    }
    setBusy(false, text);
    m_apply->setEnabled(count->valid() && count->changeCount() > 0);
    if (m_apply->isEnabled())
        m_apply->setDefault(true);
    emit previewShown();
}

void StockCountDialog::setBusy(bool busy, const QString &text)
{
    m_progress->setVisible(busy);
    m_close->setEnabled(!busy);
    if (busy)
        m_apply->setEnabled(false);
    if (!text.isEmpty())
        m_summary->setText(text);
}
