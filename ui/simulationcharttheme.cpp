#include "simulationcharttheme.h"

#include <QChart>
#include <QChartView>
#include <QFontMetrics>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>

#include <algorithm>

void SimulationChartTheme::setUp(QChart &chart, const QString &title)
{
    chart.setTitle(title);
    QFont titleFont = chart.titleFont();
    titleFont.setBold(true);
    chart.setTitleFont(titleFont);
    chart.setMargins(QMargins(2, 2, 2, 2));
    chart.layout()->setContentsMargins(0, 0, 0, 0);
    QLegend *legend = chart.legend();
    legend->setAlignment(Qt::AlignBottom);
    legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
    QFont legendFont = legend->font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    legend->setFont(legendFont);
}

int SimulationChartTheme::legendWidth(const QChart &chart, const QStringList &entries)
{
    // Each entry is a line sample about a text height wide, gaps and its label.
    const QFontMetrics metrics(chart.legend()->font());
    int width = 24; // the legend's and the chart's margins
    for (const auto &entry : entries)
        width += metrics.horizontalAdvance(entry) + metrics.height() + 14;
    return width;
}

void SimulationChartTheme::apply(QChartView &view, const QList<QAbstractAxis *> &spareAxes,
                                 const std::vector<QLineSeries *> &keys, const std::vector<bool> &shown,
                                 std::optional<QColor> keyColor)
{
    QChart *chart = view.chart();
    const QPalette pal = view.palette();
    const QColor background = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    QColor faint = text;
    faint.setAlphaF(0.35f);
    QColor grid = text;
    grid.setAlphaF(0.15f);
    QColor line = text;
    line.setAlphaF(0.4f);
    chart->setBackgroundBrush(background);
    chart->setBackgroundPen(QPen(grid));
    chart->setTitleBrush(text);
    view.setBackgroundBrush(pal.color(QPalette::Window));
    QList<QAbstractAxis *> axes = chart->axes();
    for (QAbstractAxis *axis : spareAxes)
        if (axis && !axes.contains(axis))
            axes << axis;
    for (auto *axis : axes) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(line);
        QFont font = axis->titleFont();
        font.setBold(false);
        axis->setTitleFont(font);
    }
    chart->legend()->setLabelColor(text);
    for (auto *marker : chart->legend()->markers()) {
        const auto key = std::find(keys.begin(), keys.end(), marker->series());
        const bool isKey = key != keys.end();
        marker->setVisible(isKey);
        bool isShown = true;
        if (isKey) {
            isShown = shown[static_cast<std::size_t>(key - keys.begin())];
            QPen pen = (*key)->pen();
            QColor color = keyColor.value_or(text);
            color.setAlphaF(isShown ? 1.0f : 0.3f);
            pen.setColor(color);
            (*key)->setPen(pen);
        }
        marker->setLabelBrush(isShown ? text : faint);
    }
}
