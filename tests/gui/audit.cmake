# The audit-log page against the real PostgreSQL, offscreen.
inventory_add_test(tst_auditpage SOURCES tst_auditpage.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets Qt6::Sql LABELS gui TIMEOUT 120)
