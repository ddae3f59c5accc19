// The Add product dialog. It stays open while the request runs: a refusal (a duplicate SKU, an
// invalid name) is shown inside it with what was typed kept, and only a success closes it.
// GUI thread only.
#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

class AddProductDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AddProductDialog(QWidget *parent = nullptr);

    QString sku() const;
    QString name() const;
    QString stock() const;
    QString errorText() const;

public slots:
    void accept() override;
    // The request failed: say why, keep the fields, let the operator correct them.
    void showFailure(const QString &message);

signals:
    void submitted(const QString &sku, const QString &name, const QString &stock);

private:
    QLineEdit *m_sku;
    QLineEdit *m_name;
    QLineEdit *m_stock;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};
