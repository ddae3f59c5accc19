#include "consolepalette.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QStyle>

QPalette ConsolePalette::dark()
{
    const QColor text(220, 223, 228);
    const QColor dimmed(118, 123, 130);
    QPalette p;
    p.setColor(QPalette::Window, QColor(37, 40, 45));
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, QColor(28, 30, 34));
    p.setColor(QPalette::AlternateBase, QColor(43, 46, 52));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Button, QColor(50, 54, 60));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Light, QColor(70, 75, 82));
    p.setColor(QPalette::Midlight, QColor(58, 62, 69));
    p.setColor(QPalette::Mid, QColor(44, 47, 53));
    p.setColor(QPalette::Dark, QColor(22, 24, 27));
    p.setColor(QPalette::Shadow, QColor(10, 11, 12));
    p.setColor(QPalette::Highlight, QColor(38, 110, 190));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(95, 160, 230));
    p.setColor(QPalette::ToolTipBase, QColor(50, 54, 60));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(140, 144, 150));
    // Without this group a disabled Stop or Apply looks exactly like an enabled one.
    p.setColor(QPalette::Disabled, QPalette::WindowText, dimmed);
    p.setColor(QPalette::Disabled, QPalette::Text, dimmed);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, dimmed);
    p.setColor(QPalette::Disabled, QPalette::Button, QColor(42, 45, 50));
    p.setColor(QPalette::Disabled, QPalette::Base, QColor(33, 35, 39));
    p.setColor(QPalette::Disabled, QPalette::Light, QColor(42, 45, 50));
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(70, 75, 82));
    p.setColor(QPalette::Disabled, QPalette::HighlightedText, dimmed);
    p.setColor(QPalette::Disabled, QPalette::PlaceholderText, QColor(95, 99, 105));
    return p;
}

QPalette ConsolePalette::light()
{
    return QApplication::style()->standardPalette();
}

QIcon ConsolePalette::navigationIcon(Icon icon, const QPalette &palette)
{
    constexpr int size = 40; // drawn at twice the 20 px the navigation shows, for high-DPI screens
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor ink = palette.color(QPalette::WindowText);
    const QColor accent = palette.color(QPalette::Highlight);
    QPen pen(ink, 3.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    painter.setPen(pen);
    switch (icon) {
    case Icon::Inventory: // stacked boxes
        painter.setBrush(accent);
        painter.drawRect(QRectF(6, 22, 13, 12));
        painter.drawRect(QRectF(21, 22, 13, 12));
        painter.drawRect(QRectF(13.5, 8, 13, 12));
        break;
    case Icon::AuditLog: // a page of lines
        painter.setBrush(Qt::NoBrush);
        painter.drawRoundedRect(QRectF(8, 4, 24, 32), 3, 3);
        for (int y : {13, 20, 27})
            painter.drawLine(QPointF(13, y), QPointF(27, y));
        break;
    case Icon::Simulation: { // a play triangle
        QPainterPath path;
        path.moveTo(11, 6);
        path.lineTo(33, 20);
        path.lineTo(11, 34);
        path.closeSubpath();
        painter.setBrush(accent);
        painter.drawPath(path);
        break;
    }
    case Icon::Servers: // two stacked servers
        painter.setBrush(Qt::NoBrush);
        painter.drawRoundedRect(QRectF(6, 6, 28, 12), 2, 2);
        painter.drawRoundedRect(QRectF(6, 22, 28, 12), 2, 2);
        painter.setBrush(accent);
        painter.setPen(Qt::NoPen);
        painter.drawEllipse(QPointF(12, 12), 2.2, 2.2);
        painter.drawEllipse(QPointF(12, 28), 2.2, 2.2);
        break;
    }
    painter.end();
    return QIcon(pixmap);
}
