// What the Servers page's two halves share: series colours that read on the light and the dark
// palette, number formats, and the look of the status line and the note. Pure functions; GUI thread
// for the ones that touch widgets.
#pragma once

#include <QColor>
#include <QFont>
#include <QLocale>
#include <QPalette>
#include <QString>

#include <QLabel>

namespace serverpanel {

inline const QColor kBlue{38, 110, 190};
inline const QColor kGreen{42, 161, 90};
inline const QColor kOrange{203, 120, 22};
inline const QColor kRed{220, 50, 47};
inline const QColor kPurple{142, 68, 173};

// "1,234" or "12.5": whole numbers from 100 up; "–" when unknown (negative).
inline QString number(double value, int decimals = 1)
{
    if (value < 0)
        return QStringLiteral("–");
    return QLocale().toString(value, 'f', value >= 100 ? 0 : decimals);
}

inline QString percent(double ratio)
{
    return ratio < 0 ? QStringLiteral("–") : QLocale().toString(ratio * 100, 'f', 1) + QStringLiteral(" %");
}

inline QString bytes(long long value)
{
    return QLocale().formattedDataSize(value, 1, QLocale::DataSizeTraditionalFormat);
}

// The status line: the server's identity, or what failed, in bold red. Palette and font rather
// than a style sheet: a widget with a style sheet no longer follows the application's palette.
inline void setStatus(QLabel *label, bool ok, const QString &text)
{
    QPalette palette;
    QFont font;
    if (!ok) {
        palette = label->palette();
        palette.setColor(QPalette::WindowText, kRed);
        font = label->font();
        font.setBold(true);
    }
    label->setPalette(palette);
    label->setFont(font);
    label->setText(text);
}

// A framed note in the palette's own colours, so that it reads on either palette; hidden when
// there is nothing to say. Selectable, so that the GRANT it suggests can be copied.
inline void styleNote(QLabel *label)
{
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setFrameStyle(QFrame::Box | QFrame::Plain);
    label->setMargin(4);
    label->hide();
}

inline void setNote(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

} // namespace serverpanel
