#include "auditpage.h"

#include "auditcsvexport.h"
#include "auditlogmodel.h"
#include "auditrowactions.h"
#include "stockhistorychart.h"
#include "ui_auditpage.h"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLocale>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace {

constexpr int kFilterDebounceMs = 250;
constexpr int kChartDebounceMs = 120;

} // namespace

AuditPage::AuditPage(QWidget *parent)
    : QWidget(parent), m_ui(std::make_unique<Ui::AuditPage>()), m_model(new AuditLogModel(this)),
      m_chart(nullptr), m_loader(new AuditLoader), m_export(new AuditCsvExport(this))
{
    m_ui->setupUi(this);
    m_chart = new StockHistoryChart(m_ui->chartContainer);
    m_chart->setObjectName(u"stockHistoryChart"_s);
    m_ui->chartLayout->addWidget(m_chart);

    m_thread.setObjectName(u"audit-loader"_s);
    m_loader->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_loader, &QObject::deleteLater);
    m_model->attach(m_loader);
    connect(m_loader, &AuditLoader::opened, this, &AuditPage::statusMessage);
    connect(m_loader, &AuditLoader::failed, this, &AuditPage::showError);
    connect(m_loader, &AuditLoader::historyLoaded, this, &AuditPage::showHistory);
    connect(m_loader, &AuditLoader::historyFailed, this, &AuditPage::showHistoryError);
    m_thread.start();
    connect(m_export, &AuditCsvExport::finished, this, &AuditPage::finishExport);

    connect(m_model, &AuditLogModel::loadingChanged, this, &AuditPage::updateStatus);
    connect(m_model, &AuditLogModel::pageArrived, this, [this](int, bool first) {
        m_error.clear();
        updateStatus();
        if (first)
            scheduleChart();
        trySelectPending();
    });
    connect(m_model, &AuditLogModel::loadFailed, this, &AuditPage::showError);

    setUpTable();
    setUpFilters();

    m_chartTimer.setSingleShot(true);
    m_chartTimer.setInterval(kChartDebounceMs);
    connect(&m_chartTimer, &QTimer::timeout, this, [this] { loadChart(false); });

    m_ui->splitter->setStretchFactor(0, 3);
    m_ui->splitter->setStretchFactor(1, 2);
    m_ui->splitter->setSizes({440, 260});
    connect(m_ui->refreshButton, &QPushButton::clicked, this, &AuditPage::refresh);
    connect(m_ui->exportButton, &QPushButton::clicked, this, &AuditPage::chooseExportFile);
    m_rowActions = new AuditRowActions(m_ui->tableView, m_model, m_ui->reverseButton);
    connect(m_rowActions, &AuditRowActions::reverseRequested, this, [this](qint64 id) {
        m_rowActions->setBusy(true);
        m_notice = tr("reversing #%1…").arg(id);
        updateStatus();
        emit reverseRequested(id, QString());
    });
    connect(m_rowActions, &AuditRowActions::openProductRequested, this, &AuditPage::openProductRequested);
    connect(m_chart, &StockHistoryChart::changeClicked, this,
            [this](qint64 id) { selectAuditId(id, m_chart->sku()); });
    updateStatus();
}

AuditPage::~AuditPage()
{
    delete m_export; // cancels and waits for a running export
    m_thread.quit();
    m_thread.wait();
}

QTableView *AuditPage::tableView() const
{
    return m_ui->tableView;
}

void AuditPage::setUpTable()
{
    QTableView *view = m_ui->tableView;
    view->setModel(m_model);
    const QFontMetrics fm(view->font());
    QHeaderView *header = view->horizontalHeader();
    header->setHighlightSections(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const int pad = 2 * fm.horizontalAdvance(u' ') + 14;
    const auto width = [&](const QString &sample) { return fm.horizontalAdvance(sample) + pad; };
    view->setColumnWidth(AuditLogModel::Id, width(u"10000000"_s));
    view->setColumnWidth(AuditLogModel::At, width(u"0000-00-00 00:00:00.000"_s));
    view->setColumnWidth(AuditLogModel::Sku, width(u"BENCH-AUDIT-000"_s));
    view->setColumnWidth(AuditLogModel::Action, width(u"purchase"_s));
    view->setColumnWidth(AuditLogModel::Quantity, width(u"100,000"_s));
    view->setColumnWidth(AuditLogModel::StockBefore, width(u"1,000,000"_s));
    view->setColumnWidth(AuditLogModel::StockAfter, width(u"1,000,000"_s));
    view->setColumnWidth(AuditLogModel::Version, width(u"Version"_s));
    view->setColumnWidth(AuditLogModel::Actor, width(u"svc-checkout"_s));
    view->setColumnWidth(AuditLogModel::ServerId, width(u"host-1234567"_s));
    QHeaderView *rows = view->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fm.height() + 8);

    connect(view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AuditPage::scheduleChart);
}

void AuditPage::setUpFilters()
{
    m_filterTimer.setSingleShot(true);
    m_filterTimer.setInterval(kFilterDebounceMs);
    connect(&m_filterTimer, &QTimer::timeout, this, &AuditPage::applyFilter);

    const QDateTime now = QDateTime::currentDateTime();
    m_ui->fromEdit->setDateTime(QDateTime(now.date().addDays(-1), QTime(0, 0)));
    m_ui->toEdit->setDateTime(QDateTime(now.date(), QTime(23, 59, 59)));
    m_ui->actionFilter->setItemData(0, QString());
    for (int i = 1; i < m_ui->actionFilter->count(); ++i)
        m_ui->actionFilter->setItemData(i, m_ui->actionFilter->itemText(i));

    for (QLineEdit *edit : {m_ui->skuFilter, m_ui->actorFilter, m_ui->reasonFilter}) {
        connect(edit, &QLineEdit::textChanged, this, &AuditPage::scheduleFilter);
        // Enter applies at once instead of waiting for the debounce.
        connect(edit, &QLineEdit::returnPressed, this, &AuditPage::applyFilter);
    }
    connect(m_ui->actionFilter, &QComboBox::currentIndexChanged, this, &AuditPage::applyFilter);
    connect(m_ui->whoFilter, &QComboBox::currentIndexChanged, this, &AuditPage::applyFilter);
    connect(m_ui->fromEnabled, &QCheckBox::toggled, m_ui->fromEdit, &QWidget::setEnabled);
    connect(m_ui->toEnabled, &QCheckBox::toggled, m_ui->toEdit, &QWidget::setEnabled);
    connect(m_ui->fromEnabled, &QCheckBox::toggled, this, &AuditPage::applyFilter);
    connect(m_ui->toEnabled, &QCheckBox::toggled, this, &AuditPage::applyFilter);
    connect(m_ui->fromEdit, &QDateTimeEdit::dateTimeChanged, this, &AuditPage::scheduleFilter);
    connect(m_ui->toEdit, &QDateTimeEdit::dateTimeChanged, this, &AuditPage::scheduleFilter);
    connect(m_ui->clearButton, &QPushButton::clicked, this, &AuditPage::clearFilters);
}

AuditFilter AuditPage::currentFilter() const
{
    AuditFilter filter;
    filter.sku = m_ui->skuFilter->text().trimmed();
    filter.action = m_ui->actionFilter->currentData().toString();
    filter.actor = m_ui->actorFilter->text().trimmed();
    filter.who = static_cast<AuditFilter::Who>(m_ui->whoFilter->currentIndex());
    filter.reasonText = m_ui->reasonFilter->text();
    if (m_ui->fromEnabled->isChecked())
        filter.from = m_ui->fromEdit->dateTime();
    if (m_ui->toEnabled->isChecked())
        filter.to = m_ui->toEdit->dateTime();
    return filter;
}

void AuditPage::setDatabase(const QString &conninfo)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_conninfo = conninfo;
    m_error.clear();
    QMetaObject::invokeMethod(m_loader, [loader = m_loader, conninfo] { loader->open(conninfo); });
    m_model->setFilter(currentFilter());
    loadChart(true);
}

void AuditPage::showSku(const QString &sku)
{
    // A fresh view of one product: the other filters would only hide its rows.
    resetFilters(sku);
}

void AuditPage::refresh()
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_filterTimer.stop();
    if (m_conninfo.isEmpty()) {
        showError(tr("no PostgreSQL connection configured: connect first (File → Connect…)"));
        return;
    }
    m_model->setFilter(currentFilter());
    loadChart(true);
}

void AuditPage::scheduleFilter()
{
    m_filterTimer.start();
}

void AuditPage::applyFilter()
{
    m_filterTimer.stop();
    const AuditFilter filter = currentFilter();
    if (filter == m_model->filter() || m_conninfo.isEmpty())
        return;
    m_model->setFilter(filter);
}

void AuditPage::clearFilters()
{
    resetFilters({});
    // The chart named the SKU the filters held: it goes with them.
    ++m_historyGeneration;
    m_historySku.clear();
    m_chartTimer.stop();
    m_chart->setPlaceholder(tr("Select a row, or filter by SKU, to see its stock over time"));
}

void AuditPage::resetFilters(const QString &sku)
{
    const QSignalBlocker blockers[] = {QSignalBlocker(m_ui->skuFilter),    QSignalBlocker(m_ui->actorFilter),
                                       QSignalBlocker(m_ui->reasonFilter), QSignalBlocker(m_ui->actionFilter),
                                       QSignalBlocker(m_ui->fromEnabled),  QSignalBlocker(m_ui->toEnabled),
                                       QSignalBlocker(m_ui->whoFilter)};
    m_ui->skuFilter->setText(sku);
    m_ui->actorFilter->clear();
    m_ui->reasonFilter->clear();
    m_ui->actionFilter->setCurrentIndex(0);
    m_ui->whoFilter->setCurrentIndex(0);
    m_ui->fromEnabled->setChecked(false);
    m_ui->toEnabled->setChecked(false);
    m_ui->fromEdit->setEnabled(false);
    m_ui->toEdit->setEnabled(false);
    applyFilter();
}

QString AuditPage::chartSku() const
{
    const QModelIndex current = m_ui->tableView->selectionModel()->currentIndex();
    if (current.isValid() && current.row() < m_model->rowCount())
        return m_model->row(current.row()).sku;
    return m_model->filter().sku;
}

void AuditPage::scheduleChart()
{
    // Arrowing through rows of the same SKU costs nothing; a new SKU loads after a short pause.
    m_chartTimer.start();
}

void AuditPage::loadChart(bool force)
{
    const QString sku = chartSku();
    if (sku.isEmpty() || m_conninfo.isEmpty())
        return; // keep whatever the chart shows: it still names its SKU
    if (!force && sku == m_historySku)
        return;
    m_historySku = sku;
    const quint64 generation = ++m_historyGeneration;
    QMetaObject::invokeMethod(m_loader, [loader = m_loader, generation, sku] {
        loader->fetchHistory(generation, sku, kHistoryLimit);
    });
}

void AuditPage::showHistory(quint64 generation, const QString &sku, const QList<QPointF> &points,
                            const QList<qint64> &ids)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (generation != m_historyGeneration)
        return;
    m_chart->setHistory(sku, points, points.size() >= kHistoryLimit, ids);
}

void AuditPage::showHistoryError(quint64 generation, const QString &message)
{
    if (generation != m_historyGeneration)
        return;
    m_historySku.clear(); // ask again on the next selection or refresh
    m_chart->setPlaceholder(tr("Stock history unavailable: %1").arg(message));
}

void AuditPage::updateStatus()
{
    auto *label = m_ui->statusLabel;
    if (!m_error.isEmpty()) {
        label->setFullText(m_error);
        label->setStyleSheet(u"color: #c0392b;"_s);
        return;
    }
    label->setStyleSheet(QString());
    if (m_conninfo.isEmpty()) {
        label->setFullText(tr("Not connected"));
        return;
    }
    const QString rows = QLocale().toString(m_model->rowCount());
    QString text;
    if (m_model->isComplete())
        text = m_model->rowCount() == 1 ? tr("1 row") : tr("%1 rows").arg(rows);
    else
        text = tr("%1 rows loaded, newest first — scroll down for older rows").arg(rows);
    if (m_model->isLoading())
        text += tr(" · loading…");
    if (!m_notice.isEmpty())
        text += u" · "_s + m_notice;
    label->setFullText(text);
}

QString AuditPage::statusText() const
{
    return m_ui->statusLabel->fullText();
}

void AuditPage::setDatabaseAvailable(bool available)
{
    // Back from an outage: what failed to load meanwhile loads now, without a Refresh.
    const bool reload = available && (!m_dbAvailable || !m_error.isEmpty());
    m_dbAvailable = available;
    m_rowActions->setAvailable(available);
    if (reload && !m_conninfo.isEmpty())
        refresh();
}

void AuditPage::showReversal(qint64 auditId, const ActionOutcome &outcome)
{
    m_rowActions->setBusy(false);
    if (outcome.kind != ActionOutcome::Kind::Ok) {
        m_notice.clear();
        showError(tr("#%1 was not reversed: %2").arg(auditId).arg(outcome.message));
        return;
    }
    m_notice = outcome.message;
    emit statusMessage(outcome.message);
    refresh();
    m_pendingSelect = outcome.auditId; // the new row, once the reload brings it
}

void AuditPage::selectAuditId(qint64 id, const QString &sku)
{
    m_pendingSelect = id;
    trySelectPending();
    if (m_pendingSelect == 0)
        return;
    // Not loaded: narrow to its SKU, whose rows hold it, and keep looking as pages arrive.
    if (!sku.isEmpty() && m_model->filter().sku != sku)
        resetFilters(sku);
    else if (m_model->canFetchMore({}))
        m_model->fetchMore({});
}

void AuditPage::trySelectPending()
{
    if (m_pendingSelect == 0)
        return;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        if (m_model->row(r).id != m_pendingSelect)
            continue;
        m_pendingSelect = 0;
        const QModelIndex index = m_model->index(r, AuditLogModel::Id);
        QTableView *view = m_ui->tableView;
        view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                           QItemSelectionModel::Rows);
        view->scrollTo(index, QAbstractItemView::PositionAtCenter);
        return;
    }
    if (!m_model->isLoading() && m_model->canFetchMore({}) && !m_model->filter().sku.isEmpty())
        m_model->fetchMore({});
}

void AuditPage::showError(const QString &message)
{
    m_error = message;
    updateStatus();
    emit statusMessage(message);
}

void AuditPage::chooseExportFile()
{
    const AuditFilter filter = currentFilter();
    const QString stem = filter.sku.isEmpty() ? u"audit"_s : u"audit-"_s + filter.sku;
    QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (dir.isEmpty())
        dir = QDir::homePath();
    const QString suggested =
        dir + u'/' + stem + u'-' + QDateTime::currentDateTime().toString(u"yyyyMMdd-HHmm"_s) + u".csv"_s;
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export audit rows"), suggested, tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        exportCsv(path);
}

bool AuditPage::exportCsv(const QString &path)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_export->running() || m_conninfo.isEmpty())
        return false;
    applyFilter(); // export what the widgets show, even inside the debounce
    m_ui->exportButton->setEnabled(false);
    return m_export->start(m_conninfo, m_model->filter(), path);
}

void AuditPage::finishExport(bool ok, qint64 rows, const QString &message)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_ui->exportButton->setEnabled(true);
    emit statusMessage(message);
    if (!ok && !message.contains(u"cancelled"_s)) {
        m_error = message;
        updateStatus();
    }
    emit exportFinished(ok, rows, message);
}
