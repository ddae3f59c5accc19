#include "addproductdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

AddProductDialog::AddProductDialog(QWidget *parent)
    : QDialog(parent), m_sku(new QLineEdit(this)), m_name(new QLineEdit(this)),
      m_stock(new QLineEdit(QStringLiteral("0"), this)), m_error(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Add product"));
    m_sku->setObjectName(QStringLiteral("addSku"));
    m_name->setObjectName(QStringLiteral("addName"));
    m_stock->setObjectName(QStringLiteral("addStock"));
    m_error->setObjectName(QStringLiteral("addError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #dc322f;"));
    m_error->hide();
    auto *form = new QFormLayout(this);
    form->addRow(tr("SKU"), m_sku);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Initial stock"), m_stock);
    form->addRow(m_error);
    form->addRow(m_buttons);
    setMinimumWidth(360);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &AddProductDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString AddProductDialog::sku() const
{
    return m_sku->text();
}

QString AddProductDialog::name() const
{
    return m_name->text();
}

QString AddProductDialog::stock() const
{
    return m_stock->text();
}

QString AddProductDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void AddProductDialog::accept()
{
    // Not closed yet: the engine's answer decides.
    m_error->setText(tr("adding…"));
    m_error->setStyleSheet(QString());
    m_error->show();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    emit submitted(sku(), name(), stock());
}

void AddProductDialog::showFailure(const QString &message)
{
    m_error->setStyleSheet(QStringLiteral("color: #dc322f;"));
    m_error->setText(message);
    m_error->show();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
    m_sku->setFocus();
}
