#include "elidedlabel.h"

#include <QResizeEvent>
#include <QTextDocument>

#include <algorithm>

ElidedLabel::ElidedLabel(QWidget *parent) : QLabel(parent)
{
    setTextFormat(Qt::RichText);
    setWordWrap(false);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void ElidedLabel::setContent(const QString &text, const QString &prefixHtml)
{
    // Messages arrive on one line: a line break would be shown as a tofu box or cut the text.
    m_original = text;
    m_text = text.simplified();
    m_prefix = prefixHtml;
    relayout();
    updateGeometry();
}

void ElidedLabel::setPreferredWidth(int pixels)
{
    m_preferredWidth = pixels;
    updateGeometry();
}

int ElidedLabel::prefixWidth() const
{
    if (m_prefix.isEmpty())
        return 0;
    QTextDocument document;
    document.setDefaultFont(font());
    document.setDocumentMargin(0);
    document.setHtml(m_prefix);
    return int(document.idealWidth()) + 1;
}

QSize ElidedLabel::sizeHint() const
{
    const int full = fontMetrics().horizontalAdvance(m_text) + prefixWidth() + 2 * margin() +
                     contentsMargins().left() + contentsMargins().right();
    // Never asks for less than it once did: a round-trip time that gains a digit would otherwise
    // be elided until the next layout pass.
    m_widest = std::min(std::max(m_widest, full), m_preferredWidth);
    return QSize(m_widest, QLabel::sizeHint().height());
}

QSize ElidedLabel::minimumSizeHint() const
{
    const int least = prefixWidth() + fontMetrics().horizontalAdvance(QStringLiteral("…")) * 3 +
                      contentsMargins().left() + contentsMargins().right();
    return QSize(least, QLabel::minimumSizeHint().height());
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    relayout();
}

void ElidedLabel::relayout()
{
    const int room = contentsRect().width() - 2 * margin() - prefixWidth();
    const QString shown = fontMetrics().elidedText(m_text, Qt::ElideRight, std::max(room, 0));
    setToolTip(shown != m_text || m_original != m_text ? m_original : QString());
    QLabel::setText(m_prefix + shown.toHtmlEscaped());
}
