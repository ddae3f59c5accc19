// The Connect dialog: PostgreSQL fields and the Redis URL, with a Test button that makes a real
// round trip to each in a background thread and shows the result. Passwords are shown masked, in
// fields of their own (a password in a pasted or given URL is moved there), and never saved: they
// live in this session only (libpq's .pgpass and PGPASSWORD work as usual). GUI thread only.
#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

class ConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectionDialog(QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    // Fills the fields from a libpq connection string or URI and a Redis URL.
    void setConnection(const QString &pgConninfo, const QString &redisUrl);
    // libpq keyword=value string, with the password when one was typed.
    QString pgConninfo(bool withPassword = true) const;
    // The Redis URL, with the password field's password when one was given.
    QString redisUrl(bool withPassword = true) const;
    // Fills the fields from pasted text holding a postgresql:// URL, a redis:// URL or both (the
    // lines `sandbox status` prints). Returns false if it found neither.
    bool applyPastedUrls(const QString &text);

public slots:
    void test();

private:
    void fitHeight();
    // Shows the URL without its password, which goes to the masked password field.
    void setRedisUrl(const QString &url);

    QLineEdit *m_url;
    QLabel *m_urlResult;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QLineEdit *m_database;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_redis;
    QLineEdit *m_redisPassword;
    QPushButton *m_test;
    QPushButton *m_ok;
    QLabel *m_pgResult;
    QLabel *m_redisResult;
};
