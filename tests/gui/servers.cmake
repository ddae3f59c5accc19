# The Servers page through the main window, against the real PostgreSQL and Redis, offscreen.
inventory_add_test(tst_serverspage SOURCES tst_serverspage.cpp ../testservices.h
    LIBS inventory::ui Qt6::Widgets Qt6::Charts LABELS gui TIMEOUT 120)
