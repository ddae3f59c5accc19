inventory_add_test(tst_agentspanel SOURCES tst_agentspanel.cpp ../testservices.h simulationwindow.h
    LIBS inventory::ui Qt6::Widgets LABELS gui TIMEOUT 180)
