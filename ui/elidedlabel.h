// A one-line label for messages of any length (errors from PostgreSQL, a run's verdict): it shows
// what fits, ending in "…", and the whole text in its tooltip. Its size hints never depend on the
// text, so that no message can widen the window. An optional rich-text prefix (a coloured dot)
// is kept whole. GUI thread only.
#pragma once

#include <QLabel>

class ElidedLabel : public QLabel
{
    Q_OBJECT

public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    // prefixHtml is shown as is; text is plain and elided to the width left.
    void setContent(const QString &text, const QString &prefixHtml = {});
    // Plain text without a prefix: the same as setContent(text).
    void setFullText(const QString &text) { setContent(text); }
    const QString &fullText() const { return m_text; }
    // The widest the label asks for; it takes more only if the layout gives it.
    void setPreferredWidth(int pixels);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void relayout();
    int prefixWidth() const;

    QString m_original;
    QString m_text;
    QString m_prefix;
    int m_preferredWidth = 400;
    mutable int m_widest = 0;
};
