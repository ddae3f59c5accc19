inventory_add_test(tst_stockcountdialog SOURCES tst_stockcountdialog.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets LABELS gui TIMEOUT 120)
