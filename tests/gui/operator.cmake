# Issue 11's operator fixes against the real services, offscreen: the side panel and keyboard, the
# Connect dialog, the audit page's links and reversal, and outages that must not resize the window.
inventory_add_test(tst_stockactionpanel SOURCES tst_stockactionpanel.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets LABELS gui TIMEOUT 120)
inventory_add_test(tst_operatoroutage SOURCES tst_operatoroutage.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets LABELS gui TIMEOUT 180)
inventory_add_test(tst_auditactions SOURCES tst_auditactions.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets Qt6::Charts LABELS gui TIMEOUT 120)
inventory_add_test(tst_connectiondialog SOURCES tst_connectiondialog.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets LABELS gui TIMEOUT 60)
inventory_add_test(tst_darkpalette SOURCES tst_darkpalette.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets Qt6::Charts LABELS gui TIMEOUT 120)
