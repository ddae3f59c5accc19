target_sources(inventory_ui PRIVATE
    stockcountimport.h stockcountimport.cpp
    stockcountmodel.h stockcountmodel.cpp
    stockcountdialog.h stockcountdialog.cpp
)
