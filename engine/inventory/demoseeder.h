// Creates the demo catalogue SKU-0001 ... with readable names in one set-based statement, and on
// request resets existing demo rows to the demo stock through audited adjustments. Any thread.
#pragma once

#include "inventory/inventoryservice.h"

namespace inv {

struct SeedResult
{
    long long created = 0;
    long long reset = 0;
};

class DemoSeeder
{
public:
    explicit DemoSeeder(InventoryService &service);
    // Products are numbered from 1; the SKU is zero-padded to at least four digits.
    SeedResult seed(int products, int stock, bool reset);
    static std::string skuFor(int number, int products);

private:
    InventoryService &m_service;
};

} // namespace inv
